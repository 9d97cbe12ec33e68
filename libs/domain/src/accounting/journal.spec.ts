import assert from 'node:assert/strict';
import { CreditKind, PackageEvent, PackagePurchased } from '../package/package.events';
import { AccountCode, ACCOUNTS, EntryKind, JournalEntry, JournalLine } from './journal';
import { formatMinor, minorDigits } from './minor-units';
import { journalOf, postToBooks, RecordedPackageEvent } from './package-books';
import { RecognitionBasis } from './recognition-policy';
import { addMeasures, measuresOfEntry, rollforward, zeroMeasures } from './rollforward';

/**
 * Given a package's events / when one more event / then its journal entry (or none).
 * Event i of a history has id `e{i+1}` and happens `i` hours after the purchase.
 */
const PURCHASED_AT = '2026-03-02T15:00:00.000Z';
const EXPIRES_AT = '2026-04-01T22:00:00.000Z';
const hoursAfterPurchase = (h: number) => new Date(Date.parse(PURCHASED_AT) + h * 3_600_000).toISOString();
const recorded = (events: PackageEvent[]): RecordedPackageEvent[] => events.map((event, i) => ({ event, eventId: `e${i + 1}`, occurredAt: hoursAfterPurchase(i) }));

type Expected = { kind: EntryKind; lines: JournalLine[]; currency?: string; effectiveAt?: string; reverses?: string | null };

function given(history: PackageEvent[], basis: RecognitionBasis = 'redemption') {
  return {
    when: (event: PackageEvent, occurredAt = hoursAfterPurchase(history.length)) => {
      const all = recorded([...history, event]);
      all[all.length - 1].occurredAt = occurredAt;
      const eventId = all[all.length - 1].eventId;
      const produced = journalOf(all, basis).filter((entry) => entry.sourceEventId === eventId);
      return {
        /** Several entries (a move on the delivery basis): ids, kinds, instants, what they reverse, and lines. */
        thenEntries(expected: (Expected & { entryId: string; effectiveAt: string })[]): void {
          assert.deepStrictEqual(
            produced.map(({ entryId, kind, effectiveAt, reverses, lines }) => ({ entryId, kind, effectiveAt, reverses, lines })),
            expected.map(({ entryId, kind, effectiveAt, reverses, lines }) => ({ entryId, kind, effectiveAt, reverses: reverses ?? null, lines })),
          );
        },
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
const redeemed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', bookingId: string | null = null, sessionAt = PURCHASED_AT): PackageEvent => ({
  type: 'SessionRedeemed',
  data: { ...REF, redemptionId, bookingId, serviceId: null, note: null, sessionAt, creditKind, value },
});
const reversed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', rule: string | null = null, sessionAt: string | null = PURCHASED_AT): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...REF, redemptionId, reason: 'booked by mistake', creditKind, value, rule, sessionAt },
});
const forfeited = (
  bookingId: string,
  value: number,
  cause: 'late_cancellation' | 'cancellation' | 'no_show' = 'no_show',
  sessionAt: string | null = PURCHASED_AT,
  rule = `${cause}_forfeits`,
): PackageEvent => ({
  type: 'SessionForfeited',
  data: { ...REF, redemptionId: bookingId, bookingId, cause, rule, value, sessionAt },
});
const rescheduled = (bookingId: string, previousSessionAt: string, sessionAt: string): PackageEvent => ({
  type: 'SessionRescheduled',
  data: { ...REF, redemptionId: bookingId, bookingId, previousSessionAt, sessionAt },
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
  data: { ...REF, credits: paidCredits + goodwillCredits, paidCredits, goodwillCredits, value, amount: { amount, currency: 'EUR' }, reason: 'client moved away', refundId: null, stripeRefundId: null },
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

describe('Journal: the delivery basis recognises a session when it takes place', () => {
  // Event i happens i hours after the purchase; the sessions are days later.
  const SESSION = hoursAfterPurchase(100);
  const MOVED = hoursAfterPurchase(150);
  const booked = redeemed('bk-1', 334, 'paid', 'bk-1', SESSION);
  const recognition = (value: number) => [dr(contractLiability, value), cr(sessionRevenue, value)];
  const reversal = (value: number) => [dr(sessionRevenue, value), cr(contractLiability, value)];

  it('a booked session counts at its start, not at the booking', () => {
    given([purchased()], 'delivery').when(booked).then({ kind: 'recognition', effectiveAt: SESSION, lines: recognition(334) });
  });

  it('a redemption for a session already past (a manual deduction, a past session booked late) counts when it is recorded: nothing lands in the past', () => {
    given([purchased()], 'delivery').when(redeemed('r1', 334)).then({ kind: 'recognition', effectiveAt: hoursAfterPurchase(1), lines: recognition(334) });
  });

  it('a booking cancelled before the session is reversed at the session’s start, so the pair never shows in any report', () => {
    given([purchased(), booked], 'delivery')
      .when(reversed('bk-1', 334, 'paid', 'cancelled_within_notice', SESSION))
      .then({ kind: 'recognition_reversal', effectiveAt: SESSION, reverses: 'JE-e2', lines: reversal(334) });
  });

  it('a credit given back after the session is reversed when it is given back', () => {
    given([purchased(), redeemed('r1', 334)], 'delivery')
      .when(reversed('r1', 334), hoursAfterPurchase(5))
      .then({ kind: 'recognition_reversal', effectiveAt: hoursAfterPurchase(5), reverses: 'JE-e2', lines: reversal(334) });
  });

  it('a reschedule moves the recognition: a reversal at the old start and a new recognition at the new one, which a later cancellation reverses', () => {
    given([purchased(), booked], 'delivery')
      .when(rescheduled('bk-1', SESSION, MOVED))
      .thenEntries([
        { entryId: 'JE-e3', kind: 'recognition_reversal', effectiveAt: SESSION, reverses: 'JE-e2', lines: reversal(334) },
        { entryId: 'JE-e3-2', kind: 'recognition', effectiveAt: MOVED, lines: recognition(334) },
      ]);
    given([purchased(), booked, rescheduled('bk-1', SESSION, MOVED)], 'delivery')
      .when(reversed('bk-1', 334, 'paid', 'cancelled_within_notice', MOVED))
      .then({ kind: 'recognition_reversal', effectiveAt: MOVED, reverses: 'JE-e3-2', lines: reversal(334) });
  });

  it('a late cancellation that forfeits the credit earns it at the forfeit: the recognition moves there', () => {
    given([purchased(), booked], 'delivery')
      .when(forfeited('bk-1', 334, 'late_cancellation', SESSION))
      .thenEntries([
        { entryId: 'JE-e3', kind: 'recognition_reversal', effectiveAt: SESSION, reverses: 'JE-e2', lines: reversal(334) },
        { entryId: 'JE-e3-2', kind: 'recognition', effectiveAt: hoursAfterPurchase(2), lines: recognition(334) },
      ]);
  });

  it('a booking cancelled in time after its package was refunded keeps its credit (package_closed): earned at the cancellation', () => {
    given([purchased(), booked, refunded(2, 0, 666)], 'delivery')
      .when(forfeited('bk-1', 334, 'cancellation', SESSION, 'package_closed'))
      .thenEntries([
        { entryId: 'JE-e4', kind: 'recognition_reversal', effectiveAt: SESSION, reverses: 'JE-e2', lines: reversal(334) },
        { entryId: 'JE-e4-2', kind: 'recognition', effectiveAt: hoursAfterPurchase(3), lines: recognition(334) },
      ]);
  });

  it('a no-show comes after the start, where the session was recognised already: no entry', () => {
    given([purchased(), booked], 'delivery').when(forfeited('bk-1', 334, 'no_show', SESSION), hoursAfterPurchase(101)).thenNothing();
  });

  it('events stored before the session instant was recorded (sessionAt null) are reversed when they happen', () => {
    given([purchased(), redeemed('r1', 334)], 'delivery')
      .when(reversed('r1', 334, 'paid', null, null))
      .then({ kind: 'recognition_reversal', reverses: 'JE-e2', lines: reversal(334) });
  });

  it('a package keeps the basis it was sold under, whatever the policy is at its later events', () => {
    const [sale, redemption] = recorded([purchased(), booked]);
    const books = postToBooks(null, sale, 'redemption').books;
    expect(postToBooks(books, redemption, 'delivery').entries.map((e) => e.effectiveAt)).toEqual([redemption.occurredAt]);
  });

  it('over a whole life both bases recognise the same revenue; only the instants differ', () => {
    const history = [purchased(), booked, redeemed('bk-2', 333, 'paid', 'bk-2', SESSION), rescheduled('bk-1', SESSION, MOVED), forfeited('bk-2', 333, 'late_cancellation', SESSION)];
    const total = (basis: RecognitionBasis) => journalOf(recorded(history), basis).map(measuresOfEntry).reduce((a, b) => a + b.recognised, 0);
    expect(total('delivery')).toBe(667);
    expect(total('redemption')).toBe(667);
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

describe('Journal: payment disputes', () => {
  const revoked = (paidCredits: number, goodwillCredits: number, value: number, amount: number): PackageEvent => ({
    type: 'CreditsRevoked',
    data: { ...REF, disputeId: 'dp_1', credits: paidCredits + goodwillCredits, paidCredits, goodwillCredits, value, amount: { amount, currency: 'EUR' }, reason: 'Dispute lost' },
  });
  const frozen: PackageEvent = { type: 'PackageFrozen', data: { ...REF, disputeId: 'dp_1', reason: 'Card payment disputed' } };
  const { chargebackLosses } = ACCOUNTS;

  it('a freeze moves nothing: no entry', () => {
    given([purchased()]).when(frozen).thenNothing();
  });

  it('a lost dispute takes the money back: the revoked credits leave the liability, the sessions already delivered are a loss', () => {
    given([purchased(), redeemed('r1', 334), frozen])
      .when(revoked(2, 0, 666, 1000))
      .then({ kind: 'chargeback', lines: [dr(contractLiability, 666), dr(chargebackLosses, 334), cr(cashClearing, 1000)] });
  });

  it('a partial chargeback taking back less than the revoked credits were worth keeps the rest as breakage', () => {
    given([purchased(), frozen]).when(revoked(3, 0, 1000, 400)).then({ kind: 'chargeback', lines: [dr(contractLiability, 1000), cr(cashClearing, 400), cr(breakageRevenue, 600)] });
  });
});

describe('Journal: refunds through Stripe (ADR 0022)', () => {
  const hold = (credits: number, value: number): PackageEvent => ({
    type: 'CardRefundRequested',
    data: { ...REF, refundId: 'rf-1', paymentIntentId: 'pi_1', credits, paidCredits: credits, goodwillCredits: 0, value, amount: { amount: value, currency: 'EUR' }, reason: 'moved away' },
  });
  const failed: PackageEvent = {
    type: 'CardRefundFailed',
    data: { ...REF, refundId: 'rf-1', credits: 2, paidCredits: 2, goodwillCredits: 0, value: 667, code: 'charge_disputed', message: 'refused' },
  };
  const { refundLosses } = ACCOUNTS;

  it('the intent and a refusal move no money: no entry (the liability leaves with the refund itself)', () => {
    given([purchased()]).when(hold(2, 667)).thenNothing();
    given([purchased(), hold(2, 667)]).when(failed).thenNothing();
  });

  it('a refund made in Stripe beyond the unused credits’ value: the excess refunds delivered sessions, a refund loss', () => {
    const beyond: PackageEvent = { ...refunded(1, 0, 333, 900), data: { ...(refunded(1, 0, 333, 900).data as object), stripeRefundId: 're_1' } } as PackageEvent;
    given([purchased(), redeemed('r1', 334), redeemed('r2', 333)])
      .when(beyond)
      .then({ kind: 'refund', lines: [dr(contractLiability, 333), dr(refundLosses, 567), cr(cashClearing, 900)] });
    // Money only (every credit used): the whole amount is a loss.
    given([purchased(), redeemed('r1', 334), redeemed('r2', 333), redeemed('r3', 333)])
      .when(refunded(0, 0, 0, 200))
      .then({ kind: 'refund', lines: [dr(refundLosses, 200), cr(cashClearing, 200)] });
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
    const totals = journal.map(measuresOfEntry).reduce(addMeasures);
    expect(rollforward(zeroMeasures(), totals)).toEqual({ opening: 0, sales: 1000, recognised: 334, breakage: 333, refunds: 333, chargebacks: 0, closing: 0, difference: 0 });
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
