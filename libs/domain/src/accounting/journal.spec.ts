import assert from 'node:assert/strict';
import { CreditKind, PackageEvent, PackagePurchased } from '../package/package.events';
import { AccountCode, ACCOUNTS, EntryKind, JournalEntry, JournalLine } from './journal';
import { formatMinor, minorDigits } from './minor-units';
import { journalOf, RecordedPackageEvent } from './package-books';
import { measuresOfEntry, rollforward, zeroMeasures } from './rollforward';

/**
 * Given a package's events / when one more event / then its journal entry (or none).
 * Event i of a history has id `e{i+1}` and happens `i` hours after the purchase.
 */
const PURCHASED_AT = '2026-03-02T15:00:00.000Z';
const EXPIRES_AT = '2026-04-01T22:00:00.000Z';
const hoursAfterPurchase = (h: number) => new Date(Date.parse(PURCHASED_AT) + h * 3_600_000).toISOString();
const recorded = (events: PackageEvent[]): RecordedPackageEvent[] => events.map((event, i) => ({ event, eventId: `e${i + 1}`, occurredAt: hoursAfterPurchase(i) }));

type Expected = { kind: EntryKind; lines: JournalLine[]; currency?: string; effectiveAt?: string; reverses?: string | null };

function given(history: PackageEvent[]) {
  return {
    when: (event: PackageEvent, occurredAt = hoursAfterPurchase(history.length)) => {
      const all = recorded([...history, event]);
      all[all.length - 1].occurredAt = occurredAt;
      const eventId = all[all.length - 1].eventId;
      const produced = journalOf(all).filter((entry) => entry.sourceEventId === eventId);
      return {
        then(expected: Expected): JournalEntry {
          assert.equal(produced.length, 1, `expected one entry for ${event.type}, got ${produced.length}`);
          assert.deepStrictEqual(produced[0], {
            entryId: `JE-${eventId}`,
            kind: expected.kind,
            effectiveAt: expected.effectiveAt ?? occurredAt,
            currency: expected.currency ?? 'EUR',
            sourceEventId: eventId,
            sourceEventType: event.type,
            packageId: 'pkg-1',
            reverses: expected.reverses ?? null,
            lines: expected.lines,
          });
          return produced[0];
        },
        thenNothing(): void {
          assert.deepStrictEqual(produced, []);
        },
      };
    },
  };
}

// ---- events: 3 credits for 10.00 EUR ----
const REF = { packageId: 'pkg-1', offeringId: 'off-1', clientId: 'client-1' };
const purchased = (amount = 1000, currency = 'EUR', method: 'card' | 'comp' = 'card'): PackageEvent => ({
  type: 'PackagePurchased',
  data: { ...REF, offeringName: '3 sessions', credits: 3, price: { amount, currency }, payment: { method, reference: null }, purchasedAt: PURCHASED_AT, expiresAt: EXPIRES_AT, visibilityOverride: null },
} satisfies PackagePurchased);
const redeemed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', bookingId: string | null = null): PackageEvent => ({
  type: 'SessionRedeemed',
  data: { ...REF, redemptionId, bookingId, serviceId: null, note: null, sessionAt: PURCHASED_AT, creditKind, value },
});
const reversed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', rule: string | null = null): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...REF, redemptionId, reason: 'booked by mistake', creditKind, value, rule },
});
const forfeited = (bookingId: string, value: number): PackageEvent => ({
  type: 'SessionForfeited',
  data: { ...REF, redemptionId: bookingId, bookingId, cause: 'no_show', rule: 'no_show_forfeits', value },
});
const adjusted = (delta: number, paidDelta: number, goodwillDelta: number, value: number): PackageEvent => ({
  type: 'CreditsAdjusted',
  data: { ...REF, delta, paidDelta, goodwillDelta, value, reason: 'correction' },
});
const expired = (paid: number, goodwill: number, value: number): PackageEvent => ({
  type: 'PackageExpired',
  data: { ...REF, expiresAt: EXPIRES_AT, creditsForfeited: paid + goodwill, paidCreditsForfeited: paid, goodwillCreditsForfeited: goodwill, value },
});
const refunded = (paidCredits: number, goodwillCredits: number, value: number, amount = value): PackageEvent => ({
  type: 'PackageRefunded',
  data: { ...REF, credits: paidCredits + goodwillCredits, paidCredits, goodwillCredits, value, amount: { amount, currency: 'EUR' }, reason: 'client moved away' },
});

const dr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: amount, credit: 0 });
const cr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: 0, credit: amount });
const { cashClearing, contractLiability, sessionRevenue, breakageRevenue, refundRetentionRevenue } = ACCOUNTS;

describe('Journal: sales', () => {
  it('a sale takes the price into cash and owes it as contract liability, in the price currency', () => {
    given([]).when(purchased(1000, 'USD')).then({ kind: 'sale', currency: 'USD', lines: [dr(cashClearing, 1000), cr(contractLiability, 1000)] });
  });

  it('a comp package is free: no entry for its sale nor for anything its zero-value credits do', () => {
    const comp = purchased(0, 'EUR', 'comp');
    given([]).when(comp).thenNothing();
    given([comp]).when(redeemed('r1', 0)).thenNothing();
    given([comp, redeemed('r1', 0)]).when(reversed('r1', 0)).thenNothing();
    given([comp]).when(adjusted(-1, -1, 0, 0)).thenNothing();
    given([comp]).when(refunded(1, 0, 0)).thenNothing();
    given([comp]).when(expired(3, 0, 0)).thenNothing();
  });
});

describe('Journal: redemptions and their reversals', () => {
  it('a paid redemption recognises its value as session revenue', () => {
    given([purchased()]).when(redeemed('r1', 334)).then({ kind: 'recognition', lines: [dr(contractLiability, 334), cr(sessionRevenue, 334)] });
  });

  it('a goodwill redemption carries no value: no entry', () => {
    given([purchased(), adjusted(1, 0, 1, 0)]).when(redeemed('r1', 0, 'goodwill')).thenNothing();
  });

  it('a reversal is a new, reversing entry that names the entry it corrects; the original stays', () => {
    const history = [purchased(), redeemed('r1', 334), redeemed('r2', 333)];
    const reversal = given(history)
      .when(reversed('r1', 334))
      .then({ kind: 'recognition_reversal', reverses: 'JE-e2', lines: [dr(sessionRevenue, 334), cr(contractLiability, 334)] });
    const journal = journalOf(recorded([...history, reversed('r1', 334)]));
    expect(journal.map((e) => [e.entryId, e.kind])).toEqual([
      ['JE-e1', 'sale'],
      ['JE-e2', 'recognition'],
      ['JE-e3', 'recognition'],
      ['JE-e4', 'recognition_reversal'],
    ]);
    expect(reversal.reverses).toBe('JE-e2');
  });

  it('a booking cancelled in time returns its credit the same way, with a reversing entry', () => {
    given([purchased(), redeemed('bk-1', 334, 'paid', 'bk-1')])
      .when(reversed('bk-1', 334, 'paid', 'cancelled_within_notice'))
      .then({ kind: 'recognition_reversal', reverses: 'JE-e2', lines: [dr(sessionRevenue, 334), cr(contractLiability, 334)] });
  });

  it('a credit redeemed again after its reversal is a new recognition', () => {
    given([purchased(), redeemed('r1', 334), reversed('r1', 334)]).when(redeemed('r2', 334)).then({ kind: 'recognition', lines: [dr(contractLiability, 334), cr(sessionRevenue, 334)] });
  });

  it('a forfeited booked credit (late cancellation, no-show) stays recognised: no new entry', () => {
    given([purchased(), redeemed('bk-1', 334, 'paid', 'bk-1')]).when(forfeited('bk-1', 334)).thenNothing();
  });

  it('rescheduling a session and changing the expiry move no value: no entry', () => {
    given([purchased(), redeemed('bk-1', 334, 'paid', 'bk-1')])
      .when({ type: 'SessionRescheduled', data: { ...REF, redemptionId: 'bk-1', bookingId: 'bk-1', previousSessionAt: PURCHASED_AT, sessionAt: EXPIRES_AT } })
      .thenNothing();
    given([purchased()]).when({ type: 'ExpiryChanged', data: { ...REF, previousExpiresAt: EXPIRES_AT, expiresAt: null, reason: 'lifetime' } }).thenNothing();
  });
});

describe('Journal: adjustments, expiry and refunds', () => {
  it('removing paid credits releases their value as breakage (credits the client will not use)', () => {
    given([purchased(), adjusted(1, 0, 1, 0)])
      .when(adjusted(-2, -1, -1, 334))
      .then({ kind: 'credit_removal', lines: [dr(contractLiability, 334), cr(breakageRevenue, 334)] });
  });

  it('adding goodwill credits, or removing only goodwill credits, moves no value: no entry', () => {
    given([purchased()]).when(adjusted(2, 0, 2, 0)).thenNothing();
    given([purchased(), adjusted(2, 0, 2, 0)]).when(adjusted(-1, 0, -1, 0)).thenNothing();
  });

  it('an expiry forfeits the remaining paid value as breakage, effective at the expiry instant even when the sweep ran later', () => {
    given([purchased(), redeemed('r1', 334)])
      .when(expired(2, 0, 666), '2026-04-02T08:00:00.000Z')
      .then({ kind: 'breakage', effectiveAt: EXPIRES_AT, lines: [dr(contractLiability, 666), cr(breakageRevenue, 666)] });
  });

  it('expiring a used-up package, or only goodwill credits, moves no value: no entry', () => {
    given([purchased(), adjusted(-3, -3, 0, 1000)]).when(expired(0, 0, 0)).thenNothing();
    given([purchased(), adjusted(1, 0, 1, 0), adjusted(-3, -3, 0, 1000)]).when(expired(0, 1, 0)).thenNothing();
  });

  it('a refund of the full value releases the liability and pays it back', () => {
    given([purchased(), redeemed('r1', 334)]).when(refunded(2, 0, 666)).then({ kind: 'refund', lines: [dr(contractLiability, 666), cr(cashClearing, 666)] });
  });

  it('a refund paying back less keeps the difference as refund retention revenue', () => {
    given([purchased()])
      .when(refunded(1, 0, 334, 300))
      .then({ kind: 'refund', lines: [dr(contractLiability, 334), cr(cashClearing, 300), cr(refundRetentionRevenue, 34)] });
  });

  it('a refund paying back nothing keeps the whole value, and no zero cash line is written', () => {
    given([purchased()]).when(refunded(3, 0, 1000, 0)).then({ kind: 'refund', lines: [dr(contractLiability, 1000), cr(refundRetentionRevenue, 1000)] });
  });

  it('refunding only goodwill credits moves no value: no entry', () => {
    given([purchased(), adjusted(1, 0, 1, 0), adjusted(-3, -3, 0, 1000)]).when(refunded(0, 1, 0)).thenNothing();
  });
});

describe('Journal: every entry is balanced and the liability of a finished package is zero', () => {
  const history = [purchased(), adjusted(1, 0, 1, 0), redeemed('r1', 334), reversed('r1', 334), redeemed('r2', 334), adjusted(-2, -1, -1, 333), refunded(1, 0, 333, 200)];
  const journal = journalOf(recorded(history));

  it('debits equal credits in every entry, and no line is zero', () => {
    for (const entry of journal) {
      const debits = entry.lines.reduce((sum, l) => sum + l.debit, 0);
      const credits = entry.lines.reduce((sum, l) => sum + l.credit, 0);
      expect({ entry: entry.entryId, debits }).toEqual({ entry: entry.entryId, debits: credits });
      for (const line of entry.lines) expect(line.debit > 0 !== line.credit > 0).toBe(true);
    }
  });

  it('the rollforward over the whole life reconciles: opening 0 + sales − recognised − breakage − refunds = closing 0', () => {
    const totals = journal.map(measuresOfEntry).reduce((a, b) => ({
      sales: a.sales + b.sales,
      recognised: a.recognised + b.recognised,
      breakage: a.breakage + b.breakage,
      refunds: a.refunds + b.refunds,
      liability: a.liability + b.liability,
    }));
    expect(rollforward(zeroMeasures(), totals)).toEqual({ opening: 0, sales: 1000, recognised: 334, breakage: 333, refunds: 333, closing: 0, difference: 0 });
  });
});

describe('Amounts in minor units, written as decimals', () => {
  it.each([
    [1250, 'EUR', '12.50'],
    [5, 'EUR', '0.05'],
    [-5, 'EUR', '-0.05'],
    [0, 'USD', '0.00'],
    [1250, 'JPY', '1250'],
    [12345, 'BHD', '12.345'],
    [9_007_199_254_740_991, 'EUR', '90071992547409.91'],
  ])('%d %s is %s', (amount, currency, text) => {
    expect(formatMinor(amount, currency)).toBe(text);
  });

  it('knows each currency’s minor digits', () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('BHD')]).toEqual([2, 0, 3]);
  });
});
