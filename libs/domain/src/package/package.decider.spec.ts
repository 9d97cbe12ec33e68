import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { OfferingState } from '../offering/offering.decider';
import { OFFERING_FIELD_DEFAULTS } from '../offering/offering.events';
import { DomainError, DomainErrorCode } from '../shared/domain-error';
import { DecisionContext } from '../shared/event';
import { codesRaisedIn, exercisedCodes, givenWhenThen, seededRandom } from '../testing/given-when-then';
import {
  creditsRemaining,
  decidePackage,
  evolvePackage,
  foldPackage,
  initialPackageState,
  isExpiredAt,
  PackageCommand,
  PackageSnapshot,
  PackageState,
} from './package.decider';
import { CreditKind, PackageEvent, PackagePurchased, PaymentMethod } from './package.events';
import { upcast } from '../domain-events';

const given = givenWhenThen({ initialState: initialPackageState, decide: decidePackage, evolve: evolvePackage });

// ---- time: a 30-day package bought in Berlin on March 2nd ----
const PURCHASED_AT = '2026-03-02T15:00:00.000Z'; // 16:00 local
const EXPIRES_AT = '2026-04-01T22:00:00.000Z'; // end of April 1st, local (CEST)
const NOW = '2026-03-10T09:00:00.000Z';
const JUST_BEFORE_EXPIRY = '2026-04-01T21:59:59.999Z';
const AFTER_EXPIRY = '2026-04-02T08:00:00.000Z';
const at = (now: string): DecisionContext => ({ now, timezone: 'Europe/Berlin' });
const ctx = at(NOW);

// ---- events ----
const EUR = (amount: number) => ({ amount, currency: 'EUR' });
const REF = { packageId: 'pkg-1', offeringId: 'off-1', clientId: 'client-1' };
const purchased = (overrides: Partial<PackagePurchased['data']> = {}): PackageEvent => ({
  type: 'PackagePurchased',
  data: {
    ...REF,
    offeringName: '3 sessions',
    credits: 3,
    price: EUR(1000),
    payment: { method: 'card', reference: 'ch_1' },
    purchasedAt: PURCHASED_AT,
    expiresAt: EXPIRES_AT,
    visibilityOverride: null,
    ...overrides,
  },
});
/** `value`: what the redeemed credit took from the paid value still held (0 for a goodwill credit). */
const redeemed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', sessionAt = NOW): PackageEvent => ({
  type: 'SessionRedeemed',
  data: { ...REF, redemptionId, bookingId: null, serviceId: null, note: null, sessionAt, creditKind, value },
});
/** `value`: exactly what the reversed redemption took. */
const reversed = (redemptionId: string, value: number, creditKind: CreditKind = 'paid', sessionAt = NOW): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...REF, redemptionId, reason: 'booked by mistake', creditKind, value, rule: null, sessionAt },
});
/** `value`: what the removed paid credits were worth (0 when adding, or removing only goodwill). */
const adjusted = (delta: number, paidDelta: number, goodwillDelta: number, value: number): PackageEvent => ({
  type: 'CreditsAdjusted',
  data: { ...REF, delta, paidDelta, goodwillDelta, value, reason: 'correction' },
});
const expiryChanged = (previousExpiresAt: string | null, expiresAt: string | null): PackageEvent => ({
  type: 'ExpiryChanged',
  data: { ...REF, previousExpiresAt, expiresAt, reason: 'client was ill' },
});
/** `value`: all the paid value still held, forfeited. */
const expired = (paid: number, goodwill: number, value: number, expiresAt = EXPIRES_AT): PackageEvent => ({
  type: 'PackageExpired',
  data: { ...REF, expiresAt, creditsForfeited: paid + goodwill, paidCreditsForfeited: paid, goodwillCreditsForfeited: goodwill, value },
});
/** `value`: what the refunded credits were worth; `amount`: the money returned (defaults to the value). */
const refunded = (paidCredits: number, goodwillCredits: number, value: number, amount = value): PackageEvent => ({
  type: 'PackageRefunded',
  data: { ...REF, credits: paidCredits + goodwillCredits, paidCredits, goodwillCredits, value, amount: EUR(amount), reason: 'client moved away', refundId: null, stripeRefundId: null },
});

/** Paid value that left the package with this event (redeemed, removed, forfeited, refunded; a reversal brings it back). */
const valueOut = (event: PackageEvent): number => {
  switch (event.type) {
    case 'SessionRedeemed':
    case 'CreditsAdjusted':
    case 'PackageExpired':
    case 'PackageRefunded':
    case 'CreditsRevoked':
      return event.data.value;
    case 'RedemptionReversed':
      return -event.data.value;
    default:
      return 0;
  }
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** The normalised instant form every event uses. */
const UTC_ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// ---- commands ----
const offering = (overrides: Partial<Extract<OfferingState, { exists: true }>> = {}): OfferingState => ({
  exists: true,
  offeringId: 'off-1',
  status: 'active',
  name: '3 sessions',
  description: null,
  sessionCount: 3,
  price: EUR(1000),
  validity: { kind: 'days', days: 30 },
  ...OFFERING_FIELD_DEFAULTS,
  deleted: false,
  ...overrides,
});
const purchase = (
  off: OfferingState = offering(),
  method: PaymentMethod = 'card',
  client: { clientGroups?: string[]; visibilityOverride?: { reason: string } | null } = {},
): PackageCommand => ({
  type: 'PurchasePackage',
  packageId: 'pkg-1',
  clientId: 'client-1',
  offering: off,
  payment: { method, reference: method === 'card' ? 'ch_1' : null },
  clientGroups: client.clientGroups ?? [],
  visibilityOverride: client.visibilityOverride ?? null,
});
const redeem = (redemptionId = 'r1', sessionAt: string | null = null): PackageCommand => ({
  type: 'RedeemSession',
  redemptionId,
  bookingId: null,
  serviceId: null,
  note: null,
  sessionAt,
});
const reverse = (redemptionId = 'r1', reason = 'booked by mistake'): PackageCommand => ({ type: 'ReverseRedemption', redemptionId, reason });
const adjust = (delta: number, reason = 'correction'): PackageCommand => ({ type: 'AdjustCredits', delta, reason });
const changeExpiry = (expiresAt: string | null, reason = 'client was ill'): PackageCommand => ({ type: 'ChangeExpiry', expiresAt, reason });
const expire: PackageCommand = { type: 'ExpirePackage' };
const refund = (credits: number | null = null, amount: number | null = null, reason = 'client moved away'): PackageCommand => ({
  type: 'RefundPackage',
  credits,
  amount,
  reason,
});

const snapshot = (state: PackageState): PackageSnapshot => {
  if (!state.exists) throw new Error('expected a package');
  return state;
};

describe('PurchasePackage', () => {
  it('sells an active offering: its credits, price and name, expiring at the end of the validity in the tenant zone', () => {
    const state = snapshot(given([]).when(purchase(), at(PURCHASED_AT)).then([purchased()]));
    expect(state).toMatchObject({
      lifecycle: 'active',
      paidCredits: 3,
      paidRemaining: 3,
      paidValueRemaining: 1000,
      goodwillRemaining: 0,
      creditsTotal: 3,
      expiresAt: EXPIRES_AT,
    });
  });

  it('a comp package is free: price 0 in the offering currency, so its paid credits hold no value', () => {
    const state = snapshot(
      given([])
        .when(purchase(offering(), 'comp'), at(PURCHASED_AT))
        .then([purchased({ price: EUR(0), payment: { method: 'comp', reference: null } })]),
    );
    expect(state).toMatchObject({ paidRemaining: 3, paidValueRemaining: 0 });
  });

  it('an offering without validity sells a package that never expires', () => {
    given([])
      .when(purchase(offering({ validity: { kind: 'none' } })), at(PURCHASED_AT))
      .then([purchased({ expiresAt: null })]);
  });

  it('a fixed-date offering sells until the end of that local date, and is offering_expired from the next local midnight', () => {
    const off = offering({ validity: { kind: 'fixed_date', date: '2026-03-10' } });
    given([])
      .when(purchase(off), at('2026-03-10T22:59:59.999Z')) // 23:59:59.999 in Berlin
      .then([purchased({ purchasedAt: '2026-03-10T22:59:59.999Z', expiresAt: '2026-03-10T23:00:00.000Z' })]);
    given([]).when(purchase(off), at('2026-03-10T23:00:00.000Z')).thenFails('offering_expired');
  });

  it('only an existing offering can be sold: offering_not_found', () => {
    given([]).when(purchase({ exists: false }), at(PURCHASED_AT)).thenFails('offering_not_found');
  });

  it.each(['draft', 'paused', 'archived'] as const)('only an active offering can be sold, not a %s one: offering_not_active', (status) => {
    given([]).when(purchase(offering({ status })), at(PURCHASED_AT)).thenFails('offering_not_active');
  });

  it.each(['active', 'archived'] as const)('a deleted offering is never sold, even if it was %s: offering_deleted', (status) => {
    given([]).when(purchase(offering({ status, deleted: true })), at(PURCHASED_AT)).thenFails('offering_deleted');
  });

  it('a package is purchased once: package_already_exists', () => {
    given([purchased()]).when(purchase(), ctx).thenFails('package_already_exists');
  });
});

describe('RedeemSession', () => {
  it('redeems a paid credit, which takes its share of the paid value; the session time defaults to now', () => {
    const state = snapshot(given([purchased()]).when(redeem('r1'), ctx).then([redeemed('r1', 334, 'paid', NOW)]));
    expect(state).toMatchObject({ paidRemaining: 2, paidValueRemaining: 666, creditsUsed: 1 });
    given([purchased()]).when(redeem('r1', '2026-03-12T10:00:00.000Z'), ctx).then([redeemed('r1', 334, 'paid', '2026-03-12T10:00:00.000Z')]);
  });

  it('the paid credits of 1000 over 3 are worth 334, 333 and 333; the last takes what is left', () => {
    given([purchased(), redeemed('r1', 334)]).when(redeem('r2'), ctx).then([redeemed('r2', 333)]);
    const state = snapshot(given([purchased(), redeemed('r1', 334), redeemed('r2', 333)]).when(redeem('r3'), ctx).then([redeemed('r3', 333)]));
    expect(state).toMatchObject({ paidRemaining: 0, paidValueRemaining: 0, creditsUsed: 3 });
  });

  it('a comp package redeems paid credits worth 0', () => {
    given([purchased({ price: EUR(0), payment: { method: 'comp', reference: null } })]).when(redeem('r1'), ctx).then([redeemed('r1', 0, 'paid')]);
  });

  it('uses paid credits before goodwill credits; goodwill credits are worth 0', () => {
    const history = [purchased({ credits: 1 }), adjusted(+1, 0, +1, 0)];
    given(history).when(redeem('r1'), ctx).then([redeemed('r1', 1000, 'paid')]);
    const state = snapshot(given([...history, redeemed('r1', 1000, 'paid')]).when(redeem('r2'), ctx).then([redeemed('r2', 0, 'goodwill')]));
    expect(state).toMatchObject({ paidRemaining: 0, paidValueRemaining: 0, goodwillRemaining: 0 });
  });

  it('records sessionAt in the normalised UTC form, whatever notation it was given in', () => {
    given([purchased()]).when(redeem('r1', '2026-03-12T11:00:00+01:00'), ctx).then([redeemed('r1', 334, 'paid', '2026-03-12T10:00:00.000Z')]);
    given([purchased()]).when(redeem('r1', '2026-03-12T10:00Z'), ctx).then([redeemed('r1', 334, 'paid', '2026-03-12T10:00:00.000Z')]);
    given([purchased()]).when(redeem('r1', '2026-03-12T05:30:00.250-04:30'), ctx).then([redeemed('r1', 334, 'paid', '2026-03-12T10:00:00.250Z')]);
  });

  it.each(['yesterday', '', '2026-03-12', '2026-02-30T10:00:00Z', '2026-03-12 10:00:00Z'])(
    'refuses a sessionAt that is not an instant (%j): invalid_instant',
    (sessionAt) => {
      given([purchased()]).when(redeem('r1', sessionAt), ctx).thenFails('invalid_instant');
    },
  );

  it('refuses a session at or after the expiry, in any notation: session_after_expiry', () => {
    given([purchased()]).when(redeem('r1', JUST_BEFORE_EXPIRY), ctx).then([redeemed('r1', 334, 'paid', JUST_BEFORE_EXPIRY)]);
    given([purchased()]).when(redeem('r1', EXPIRES_AT), ctx).thenFails('session_after_expiry');
    given([purchased()]).when(redeem('r1', '2026-04-02T00:00:00+02:00'), ctx).thenFails('session_after_expiry'); // = EXPIRES_AT
    given([purchased()]).when(redeem('r1', AFTER_EXPIRY), ctx).thenFails('session_after_expiry');
  });

  it('a session after the original expiry is fine once the expiry was extended or removed', () => {
    const LATER = '2026-05-01T22:00:00.000Z';
    given([purchased(), expiryChanged(EXPIRES_AT, LATER)]).when(redeem('r1', AFTER_EXPIRY), ctx).then([redeemed('r1', 334, 'paid', AFTER_EXPIRY)]);
    given([purchased(), expiryChanged(EXPIRES_AT, LATER)]).when(redeem('r1', LATER), ctx).thenFails('session_after_expiry');
    given([purchased({ expiresAt: null })]).when(redeem('r1', '2099-01-01T00:00:00.000Z'), ctx).then([redeemed('r1', 334, 'paid', '2099-01-01T00:00:00.000Z')]);
  });

  it('refuses when no credit is left: no_credits_left', () => {
    given([purchased({ credits: 1 }), redeemed('r1', 1000)]).when(redeem('r2'), ctx).thenFails('no_credits_left');
    given([purchased({ credits: 1 }), adjusted(-1, -1, 0, 1000)]).when(redeem('r2'), ctx).thenFails('no_credits_left');
  });

  it('refuses after the package expired: package_expired', () => {
    given([purchased(), expired(3, 0, 1000)]).when(redeem(), at(AFTER_EXPIRY)).thenFails('package_expired');
  });

  it('refuses from expiresAt on, even before the sweep recorded PackageExpired: package_expired', () => {
    given([purchased()]).when(redeem(), at(JUST_BEFORE_EXPIRY)).then([redeemed('r1', 334, 'paid', JUST_BEFORE_EXPIRY)]);
    given([purchased()]).when(redeem(), at(EXPIRES_AT)).thenFails('package_expired');
    given([purchased()]).when(redeem(), at(AFTER_EXPIRY)).thenFails('package_expired');
  });

  it('refuses from a refunded package: package_refunded', () => {
    given([purchased(), refunded(3, 0, 1000)]).when(redeem(), ctx).thenFails('package_refunded');
  });

  it('a redemption id is recorded once, even after it was reversed: redemption_already_exists', () => {
    given([purchased(), redeemed('r1', 334)]).when(redeem('r1'), ctx).thenFails('redemption_already_exists');
    given([purchased(), redeemed('r1', 334), reversed('r1', 334)]).when(redeem('r1'), ctx).thenFails('redemption_already_exists');
  });
});

describe('ReverseRedemption', () => {
  it('returns a paid credit as paid, with exactly the value its redemption took', () => {
    const state = snapshot(given([purchased(), redeemed('r1', 334)]).when(reverse('r1'), ctx).then([reversed('r1', 334, 'paid')]));
    expect(state).toMatchObject({ paidRemaining: 3, paidValueRemaining: 1000, goodwillRemaining: 0, creditsUsed: 0 });
  });

  it('gives back what the redemption took even when the share per credit has changed since', () => {
    // r1 took 334; the refund of one credit took 333 of the 666 left; r1 comes back with its 334, not a new share.
    const history = [purchased(), redeemed('r1', 334), refunded(1, 0, 333)];
    const state = snapshot(given(history).when(reverse('r1'), ctx).then([reversed('r1', 334)]));
    expect(state).toMatchObject({ paidRemaining: 2, paidValueRemaining: 667 });
    given([...history, reversed('r1', 334)]).when(refund(), ctx).then([refunded(2, 0, 667)]); // 333 + 667 = 1000
  });

  it('returns a goodwill credit as goodwill, worth 0', () => {
    const history = [purchased({ credits: 1 }), adjusted(+1, 0, +1, 0), redeemed('r1', 1000, 'paid'), redeemed('r2', 0, 'goodwill')];
    const state = snapshot(given(history).when(reverse('r2'), ctx).then([reversed('r2', 0, 'goodwill')]));
    expect(state).toMatchObject({ paidRemaining: 0, paidValueRemaining: 0, goodwillRemaining: 1, creditsUsed: 1 });
  });

  it('refuses an unknown redemption: redemption_not_found', () => {
    given([purchased(), redeemed('r1', 334)]).when(reverse('r2'), ctx).thenFails('redemption_not_found');
  });

  it('reverses a redemption once: redemption_already_reversed', () => {
    given([purchased(), redeemed('r1', 334), reversed('r1', 334)]).when(reverse('r1'), ctx).thenFails('redemption_already_reversed');
  });

  it.each(['', '   '])('needs a reason (%j): reason_required', (reason) => {
    given([purchased(), redeemed('r1', 334)]).when(reverse('r1', reason), ctx).thenFails('reason_required');
  });

  it('refuses on an expired or refunded package', () => {
    given([purchased(), redeemed('r1', 334)]).when(reverse('r1'), at(EXPIRES_AT)).thenFails('package_expired');
    given([purchased(), redeemed('r1', 334), expired(2, 0, 666)]).when(reverse('r1'), at(AFTER_EXPIRY)).thenFails('package_expired');
    given([purchased(), redeemed('r1', 334), refunded(2, 0, 666)]).when(reverse('r1'), ctx).thenFails('package_refunded');
  });
});

describe('AdjustCredits', () => {
  it('a positive delta adds goodwill credits, worth nothing', () => {
    const state = snapshot(given([purchased()]).when(adjust(+2), ctx).then([adjusted(+2, 0, +2, 0)]));
    expect(state).toMatchObject({ paidRemaining: 3, paidValueRemaining: 1000, goodwillRemaining: 2, creditsTotal: 5 });
  });

  it('a negative delta takes goodwill credits first, then paid credits with their share of the value', () => {
    const state = snapshot(given([purchased(), adjusted(+2, 0, +2, 0)]).when(adjust(-3), ctx).then([adjusted(-3, -1, -2, 334)]));
    expect(state).toMatchObject({ paidRemaining: 2, paidValueRemaining: 666, goodwillRemaining: 0, creditsTotal: 2 });
    const emptied = snapshot(given([purchased()]).when(adjust(-3), ctx).then([adjusted(-3, -3, 0, 1000)]));
    expect(emptied).toMatchObject({ paidRemaining: 0, paidValueRemaining: 0 });
  });

  it('removing only goodwill credits moves no value', () => {
    const state = snapshot(given([purchased(), adjusted(+2, 0, +2, 0)]).when(adjust(-2), ctx).then([adjusted(-2, 0, -2, 0)]));
    expect(state).toMatchObject({ paidRemaining: 3, paidValueRemaining: 1000, goodwillRemaining: 0 });
  });

  it('never records -0 for a delta that did not move (the helper compares through JSON, so check the raw event)', () => {
    const deltas = (history: PackageEvent[], delta: number) => {
      const [event] = decidePackage(adjust(delta), foldPackage(history), ctx);
      if (event.type !== 'CreditsAdjusted') throw new Error(`unexpected ${event.type}`);
      return { paid: event.data.paidDelta, goodwill: event.data.goodwillDelta, value: event.data.value };
    };
    const onlyPaid = deltas([purchased()], -2); // nothing from goodwill
    expect(Object.is(onlyPaid.goodwill, 0)).toBe(true);
    expect(onlyPaid.paid).toBe(-2);
    const onlyGoodwill = deltas([purchased(), adjusted(+2, 0, +2, 0)], -1); // nothing from paid
    expect(Object.is(onlyGoodwill.paid, 0)).toBe(true);
    expect(Object.is(onlyGoodwill.value, 0)).toBe(true);
    const adding = deltas([purchased()], +1);
    expect(Object.is(adding.paid, 0)).toBe(true);
    expect(Object.is(adding.value, 0)).toBe(true);
  });

  it('accepts up to 1000 credits either way', () => {
    given([purchased()]).when(adjust(1000), ctx).then([adjusted(1000, 0, 1000, 0)]);
    given([purchased({ credits: 1000 })]).when(adjust(-1000), ctx).then([adjusted(-1000, -1000, 0, 1000)]);
  });

  it.each([0, 0.5, -1.5, 1001, -1001, NaN, Infinity])('refuses delta %p: invalid_delta', (delta) => {
    given([purchased()]).when(adjust(delta), ctx).thenFails('invalid_delta');
  });

  it('cannot remove more credits than are left: adjustment_exceeds_balance', () => {
    given([purchased(), redeemed('r1', 334)]).when(adjust(-3), ctx).thenFails('adjustment_exceeds_balance');
  });

  it.each(['', '  '])('needs a reason (%j): reason_required', (reason) => {
    given([purchased()]).when(adjust(1, reason), ctx).thenFails('reason_required');
  });

  it('refuses on an expired or refunded package', () => {
    given([purchased()]).when(adjust(1), at(EXPIRES_AT)).thenFails('package_expired');
    given([purchased(), refunded(3, 0, 1000)]).when(adjust(1), ctx).thenFails('package_refunded');
  });
});

describe('ChangeExpiry', () => {
  const LATER = '2026-05-01T22:00:00.000Z';
  const SOONER = '2026-03-15T23:00:00.000Z';

  it('extends: the package is usable past its former expiry', () => {
    given([purchased()]).when(changeExpiry(LATER), ctx).then([expiryChanged(EXPIRES_AT, LATER)]);
    given([purchased(), expiryChanged(EXPIRES_AT, LATER)]).when(redeem(), at(AFTER_EXPIRY)).then([redeemed('r1', 334, 'paid', AFTER_EXPIRY)]);
    given([purchased(), expiryChanged(EXPIRES_AT, LATER)]).when(expire, at(AFTER_EXPIRY)).thenFails('package_not_expired_yet');
  });

  it('shortens: the package expires at the new instant', () => {
    given([purchased()]).when(changeExpiry(SOONER), ctx).then([expiryChanged(EXPIRES_AT, SOONER)]);
    given([purchased(), expiryChanged(EXPIRES_AT, SOONER)]).when(redeem(), at(SOONER)).thenFails('package_expired');
  });

  it('removes the expiry (null) or adds one to a package without', () => {
    given([purchased()]).when(changeExpiry(null), ctx).then([expiryChanged(EXPIRES_AT, null)]);
    const FAR = '2030-01-01T00:00:00.000Z';
    given([purchased(), expiryChanged(EXPIRES_AT, null)]).when(redeem(), at(FAR)).then([redeemed('r1', 334, 'paid', FAR)]);
    given([purchased({ expiresAt: null })]).when(changeExpiry(LATER), ctx).then([expiryChanged(null, LATER)]);
  });

  it('records nothing when the expiry does not change', () => {
    given([purchased()]).when(changeExpiry(EXPIRES_AT), ctx).then([]);
    given([purchased({ expiresAt: null })]).when(changeExpiry(null), ctx).then([]);
  });

  it('the new expiry must be in the future: invalid_expiry', () => {
    given([purchased()]).when(changeExpiry('2026-03-01T00:00:00.000Z'), ctx).thenFails('invalid_expiry');
    given([purchased()]).when(changeExpiry(NOW), ctx).thenFails('invalid_expiry');
  });

  it.each(['next tuesday', '', '2026-05-01', '2026-02-30T10:00:00Z', '2026-05-01 22:00:00Z'])(
    'refuses an expiry that is not an instant (%j): invalid_instant',
    (expiresAt) => {
      given([purchased()]).when(changeExpiry(expiresAt), ctx).thenFails('invalid_instant');
    },
  );

  it('records nothing when the new expiry is the same instant written differently', () => {
    given([purchased()]).when(changeExpiry('2026-04-02T00:00:00+02:00'), ctx).then([]);
    given([purchased()]).when(changeExpiry('2026-04-01T22:00Z'), ctx).then([]);
    given([purchased()]).when(changeExpiry('2026-04-01T17:00:00.000-05:00'), ctx).then([]);
  });

  it('records the new expiry in the normalised UTC form, whatever notation it was given in', () => {
    given([purchased()]).when(changeExpiry('2026-05-02T00:00:00+02:00'), ctx).then([expiryChanged(EXPIRES_AT, LATER)]);
    given([purchased({ expiresAt: null })]).when(changeExpiry('2026-05-01T22:00Z'), ctx).then([expiryChanged(null, LATER)]);
  });

  // SUSPECTED BUG (package.decider.ts normaliseInstant): the error message says an instant needs "a time and
  // offset", but only the time is checked. An instant without an offset is read in the server process's local
  // zone (luxon's default zone), so '2026-05-01T22:00:00' means a different instant on a UTC host than on a
  // Berlin host, and the event records whichever one the host picked. Expected: invalid_instant (or, at the least,
  // the tenant's zone from the DecisionContext). Actual: ExpiryChanged / SessionRedeemed with the host-zone reading.
  it.each<[string, PackageCommand]>([
    ['ChangeExpiry', changeExpiry('2026-05-01T22:00:00')],
    ['RedeemSession', redeem('r1', '2026-03-12T10:00:00')],
  ])('%s refuses an instant without an offset: invalid_instant', (_, command) => {
    given([purchased()]).when(command, ctx).thenFails('invalid_instant');
  });

  it.each(['', ' '])('needs a reason (%j): reason_required', (reason) => {
    given([purchased()]).when(changeExpiry(LATER, reason), ctx).thenFails('reason_required');
  });

  it('is refused once the package expired (recorded or not) or was refunded', () => {
    given([purchased(), expired(3, 0, 1000)]).when(changeExpiry(LATER), at(AFTER_EXPIRY)).thenFails('package_expired');
    given([purchased()]).when(changeExpiry(LATER), at(AFTER_EXPIRY)).thenFails('package_expired');
    given([purchased(), refunded(3, 0, 1000)]).when(changeExpiry(LATER), ctx).thenFails('package_refunded');
  });
});

describe('ExpirePackage', () => {
  it('forfeits every remaining credit, paid and goodwill, and all the paid value still held, from expiresAt on', () => {
    const history = [purchased(), redeemed('r1', 334), adjusted(+2, 0, +2, 0)];
    const state = snapshot(given(history).when(expire, at(EXPIRES_AT)).then([expired(2, 2, 666)]));
    expect(state).toMatchObject({
      lifecycle: 'expired',
      paidRemaining: 0,
      paidValueRemaining: 0,
      goodwillRemaining: 0,
      creditsForfeited: 4,
      creditsUsed: 1,
    });
  });

  it('forfeits exactly what partial refunds and reversals left behind', () => {
    // 1000 over 3: refund one (334), redeem one (333), reverse it (333 back): 666 is forfeited, 334 + 666 = 1000.
    const history = [purchased(), refunded(1, 0, 334), redeemed('r1', 333), reversed('r1', 333)];
    given(history).when(expire, at(EXPIRES_AT)).then([expired(2, 0, 666)]);
  });

  it('a used-up package expires too, forfeiting nothing', () => {
    given([purchased({ credits: 1 }), redeemed('r1', 1000)]).when(expire, at(AFTER_EXPIRY)).then([expired(0, 0, 0)]);
  });

  it('refuses before expiresAt, or when the package never expires: package_not_expired_yet', () => {
    given([purchased()]).when(expire, at(JUST_BEFORE_EXPIRY)).thenFails('package_not_expired_yet');
    given([purchased({ expiresAt: null })]).when(expire, at('2099-01-01T00:00:00.000Z')).thenFails('package_not_expired_yet');
  });

  it('expires once: package_expired', () => {
    given([purchased(), expired(3, 0, 1000)]).when(expire, at(AFTER_EXPIRY)).thenFails('package_expired');
  });

  it('a refunded package does not expire: package_refunded', () => {
    given([purchased(), refunded(3, 0, 1000)]).when(expire, at(AFTER_EXPIRY)).thenFails('package_refunded');
  });
});

describe('RefundPackage', () => {
  it('refunds every remaining credit by default, for the value of those paid credits, and closes the package', () => {
    const state = snapshot(given([purchased(), redeemed('r1', 334)]).when(refund(), ctx).then([refunded(2, 0, 666)]));
    expect(state).toMatchObject({ lifecycle: 'refunded', paidRemaining: 0, paidValueRemaining: 0, goodwillRemaining: 0, creditsRefunded: 2 });
    given([purchased()]).when(refund(), ctx).then([refunded(3, 0, 1000)]);
  });

  it('a partial refund leaves the package active', () => {
    const state = snapshot(given([purchased()]).when(refund(1), ctx).then([refunded(1, 0, 334)]));
    expect(state).toMatchObject({ lifecycle: 'active', paidRemaining: 2, paidValueRemaining: 666, creditsRefunded: 1 });
    given([purchased(), refunded(1, 0, 334)]).when(redeem('r1'), ctx).then([redeemed('r1', 333)]);
  });

  it('a lowered amount still takes the full value of the refunded credits out of the package', () => {
    const state = snapshot(given([purchased()]).when(refund(1, 100), ctx).then([refunded(1, 0, 334, 100)]));
    expect(state).toMatchObject({ paidRemaining: 2, paidValueRemaining: 666 });
  });

  it('partial refunds of every credit add up to the price', () => {
    given([purchased(), refunded(1, 0, 334)]).when(refund(1), ctx).then([refunded(1, 0, 333)]);
    const state = given([purchased(), refunded(1, 0, 334), refunded(1, 0, 333)]).when(refund(1), ctx).then([refunded(1, 0, 333)]);
    expect(state).toMatchObject({ lifecycle: 'refunded' });
  });

  it('takes paid credits first; goodwill credits are refunded for nothing', () => {
    const history = [purchased(), adjusted(+2, 0, +2, 0)];
    const state = snapshot(given(history).when(refund(4), ctx).then([refunded(3, 1, 1000)]));
    expect(state).toMatchObject({ lifecycle: 'active', paidRemaining: 0, paidValueRemaining: 0, goodwillRemaining: 1 });
    given([...history, redeemed('r1', 334), redeemed('r2', 333), redeemed('r3', 333)]).when(refund(), ctx).then([refunded(0, 2, 0)]);
  });

  it('a comp package refunds for 0', () => {
    given([purchased({ price: EUR(0), payment: { method: 'comp', reference: null } })]).when(refund(), ctx).then([refunded(3, 0, 0)]);
  });

  it('the amount can be lowered, down to 0', () => {
    given([purchased(), redeemed('r1', 334)]).when(refund(null, 500), ctx).then([refunded(2, 0, 666, 500)]);
    given([purchased(), redeemed('r1', 334)]).when(refund(null, 0), ctx).then([refunded(2, 0, 666, 0)]);
  });

  it.each([667, -1, 0.5, NaN])('the amount cannot be %p, outside 0..value of the refunded credits: invalid_amount', (amount) => {
    given([purchased(), redeemed('r1', 334)]).when(refund(null, amount), ctx).thenFails('invalid_amount');
  });

  it('goodwill credits are worth nothing, so no amount can be paid for them: invalid_amount', () => {
    given([purchased({ credits: 1 }), redeemed('r1', 1000), adjusted(+1, 0, +1, 0)]).when(refund(null, 1), ctx).thenFails('invalid_amount');
  });

  it.each([0, -1, 1.5, 4])('refuses %p credits, outside 1..remaining: invalid_credits', (credits) => {
    given([purchased()]).when(refund(credits), ctx).thenFails('invalid_credits');
  });

  it('refuses when no credit is left to refund: no_credits_left', () => {
    given([purchased(), redeemed('r1', 334), redeemed('r2', 333), redeemed('r3', 333)]).when(refund(), ctx).thenFails('no_credits_left');
  });

  it.each(['', '  '])('needs a reason (%j): reason_required', (reason) => {
    given([purchased()]).when(refund(null, null, reason), ctx).thenFails('reason_required');
  });

  it('refuses on an expired package: package_expired', () => {
    given([purchased()]).when(refund(), at(EXPIRES_AT)).thenFails('package_expired');
    given([purchased(), expired(3, 0, 1000)]).when(refund(), at(AFTER_EXPIRY)).thenFails('package_expired');
  });

  it.each<[string, PackageCommand]>([
    ['redemptions', redeem('r2')],
    ['reversals', reverse('r1')],
    ['adjustments', adjust(1)],
    ['expiry changes', changeExpiry('2026-06-01T00:00:00.000Z')],
    ['expiry', expire],
    ['further refunds', refund()],
  ])('a refunded package refuses %s: package_refunded', (_, command) => {
    given([purchased(), redeemed('r1', 334), refunded(2, 0, 666)]).when(command, at(AFTER_EXPIRY)).thenFails('package_refunded');
  });

  it('refunds and the value still held add up to exactly the price, even with reversals in between', () => {
    // 1000 over 6 credits: refund, refund, redeem, refund, reverse, refund, refund the rest. Every movement takes its
    // share of the value still held and the reversal gives back exactly what its redemption took, so no credit's
    // worth is refunded twice (valued by position, this sequence used to refund 1001 for a package that cost 1000).
    let events: PackageEvent[] = [purchased({ credits: 6, price: EUR(1000) })];
    for (const command of [refund(1), refund(1), redeem('r1'), refund(1), reverse('r1'), refund(1), refund()]) {
      events = [...events, ...decidePackage(command, foldPackage(events), ctx)];
      const state = snapshot(foldPackage(events));
      const refundedValue = sum(events.map((e) => (e.type === 'PackageRefunded' ? e.data.value : 0)));
      const redeemedValue = sum(events.map((e) => (e.type === 'SessionRedeemed' || e.type === 'RedemptionReversed' ? valueOut(e) : 0)));
      expect(refundedValue + redeemedValue + state.paidValueRemaining).toBe(1000);
    }
    expect(events.slice(1).map((e) => [e.type, valueOut(e)])).toEqual([
      ['PackageRefunded', 167],
      ['PackageRefunded', 167],
      ['SessionRedeemed', 167],
      ['PackageRefunded', 167],
      ['RedemptionReversed', -167],
      ['PackageRefunded', 167],
      ['PackageRefunded', 332],
    ]);
    const refunds = events.flatMap((e) => (e.type === 'PackageRefunded' ? [e.data.amount.amount] : []));
    expect(sum(refunds)).toBe(1000);
    expect(snapshot(foldPackage(events))).toMatchObject({ lifecycle: 'refunded', creditsRefunded: 6, creditsUsed: 0, paidValueRemaining: 0 });
  });
});

it.each<[string, PackageCommand]>([
  ['RedeemSession', redeem()],
  ['ReverseRedemption', reverse()],
  ['AdjustCredits', adjust(1)],
  ['ChangeExpiry', changeExpiry(null)],
  ['ExpirePackage', expire],
  ['RefundPackage', refund()],
])('%s needs an existing package: package_not_found', (_, command) => {
  given([]).when(command, ctx).thenFails('package_not_found');
});

describe('invariants over long random command sequences', () => {
  const DAY = 86_400_000;
  const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
  const OFFSETS = ['UTC', 'UTC+2', 'UTC-5', 'UTC+5:30', 'UTC+14', 'UTC-9:30'];
  const CREDIT_MOVES = new Set(['SessionRedeemed', 'RedemptionReversed', 'CreditsAdjusted', 'ExpiryChanged', 'PackageRefunded']);

  type Random = ReturnType<typeof seededRandom>;

  /** An instant in some notation: normalised UTC, or with an offset and with or without milliseconds, or not an instant at all. */
  function notation(r: Random, ms: number): string {
    if (r.chance(0.03)) return r.pick(['soon', '', '2026-02-30T10:00:00Z', '2026-03-01']);
    if (r.chance(0.5)) return new Date(ms).toISOString();
    return DateTime.fromMillis(ms).setZone(r.pick(OFFSETS)).toISO({ suppressMilliseconds: r.chance(0.5) })!;
  }

  function randomCommand(r: Random, step: number, state: PackageSnapshot, now: number): PackageCommand {
    const ids = Object.keys(state.redemptions);
    switch (r.pick(['redeem', 'redeem', 'redeem', 'reverse', 'adjust', 'adjust', 'expiry', 'expire', 'refund'] as const)) {
      case 'redeem':
        return redeem(
          ids.length > 0 && r.chance(0.05) ? r.pick(ids) : `r${step}`,
          r.chance(0.7) ? null : notation(r, now + r.int(-3 * DAY, 20 * DAY)),
        );
      case 'reverse':
        return reverse(ids.length > 0 && r.chance(0.9) ? r.pick(ids) : 'unknown', r.chance(0.95) ? 'mistake' : ' ');
      case 'adjust':
        return adjust(r.chance(0.05) ? r.pick([0, 0.5, 1001]) : r.int(-6, 6), r.chance(0.95) ? 'correction' : '');
      case 'expiry':
        if (state.expiresAt !== null && r.chance(0.15)) return changeExpiry(notation(r, Date.parse(state.expiresAt))); // same instant
        return changeExpiry(r.chance(0.1) ? null : notation(r, now + r.int(-2 * DAY, 40 * DAY)));
      case 'expire':
        return expire;
      case 'refund':
        return refund(r.chance(0.5) ? null : r.int(0, 4), r.chance(0.7) ? null : r.int(-10, 800), r.chance(0.95) ? 'refund' : '');
    }
  }

  /** Every problem with one produced event, given the state it was decided on. */
  function eventProblems(event: PackageEvent, before: PackageSnapshot, command: PackageCommand): string[] {
    const problems: string[] = [];
    const numbers = (value: unknown): number[] =>
      typeof value === 'number' ? [value] : value !== null && typeof value === 'object' ? Object.values(value).flatMap(numbers) : [];
    if (numbers(event.data).some((n) => Object.is(n, -0))) problems.push('-0 in the event');
    if ('value' in event.data && (!Number.isSafeInteger(event.data.value) || event.data.value < 0)) problems.push('value is not a whole amount >= 0');
    switch (event.type) {
      case 'SessionRedeemed':
        if (event.data.creditKind === 'goodwill' && event.data.value !== 0) problems.push('a goodwill credit carried value');
        if (!UTC_ISO_MS.test(event.data.sessionAt)) problems.push('sessionAt not normalised');
        if (command.type === 'RedeemSession' && command.sessionAt !== null && Date.parse(event.data.sessionAt) !== Date.parse(command.sessionAt)) {
          problems.push('sessionAt is not the instant given');
        }
        if (before.expiresAt !== null && Date.parse(event.data.sessionAt) >= Date.parse(before.expiresAt)) problems.push('session at or after expiry');
        break;
      case 'RedemptionReversed':
        if (event.data.value !== before.redemptions[event.data.redemptionId]?.value) problems.push('reversal value differs from its redemption');
        break;
      case 'CreditsAdjusted':
        if (event.data.paidDelta === 0 && event.data.value !== 0) problems.push('value moved without paid credits');
        break;
      case 'ExpiryChanged':
        if (event.data.expiresAt !== null && !UTC_ISO_MS.test(event.data.expiresAt)) problems.push('expiresAt not normalised');
        if (event.data.expiresAt === before.expiresAt) problems.push('no-op ExpiryChanged');
        if (command.type === 'ChangeExpiry' && command.expiresAt !== null && Date.parse(event.data.expiresAt!) !== Date.parse(command.expiresAt)) {
          problems.push('expiresAt is not the instant given');
        }
        break;
      case 'PackageExpired':
        if (event.data.value !== before.paidValueRemaining) problems.push('expiry did not forfeit all the paid value');
        break;
      case 'PackageRefunded':
        if (event.data.amount.amount > event.data.value) problems.push('refunded more money than the credits were worth');
        if (event.data.paidCredits === 0 && event.data.value !== 0) problems.push('value refunded without paid credits');
        break;
    }
    return problems;
  }

  it('credits never go below zero, remaining = total - used - refunded - forfeited, and paid value is conserved', () => {
    const eventTypes = new Set<string>(['PackagePurchased']);
    const refusals = new Set<DomainErrorCode>();
    let sameInstantNoOps = 0;

    for (let seed = 1; seed <= 40; seed++) {
      const r = seededRandom(seed);
      let now = Date.parse('2026-01-05T10:00:00.000Z') + r.int(0, DAY);
      const timezone = r.pick(ZONES);
      const off = offering({
        sessionCount: r.int(1, 20),
        price: EUR(r.int(0, 100_000)),
        validity: r.chance(0.8) ? { kind: 'days', days: r.int(1, 60) } : { kind: 'none' },
      });
      const events = decidePackage(purchase(off), initialPackageState, { now: new Date(now).toISOString(), timezone });
      let state = snapshot(foldPackage(events));
      const price = state.price.amount;
      let valueLeft = 0; // redeemed net of reversals, removed, forfeited, refunded

      for (let step = 0; step < 300; step++) {
        now += r.int(0, 12) * 3_600_000;
        const command = randomCommand(r, step, state, now);
        const where = `seed ${seed}, step ${step}, ${JSON.stringify(command)}`;
        let produced: PackageEvent[] = [];
        try {
          produced = decidePackage(command, state, { now: new Date(now).toISOString(), timezone });
        } catch (error) {
          if (!(error instanceof DomainError)) throw new Error(`${where}: ${error}`);
          refusals.add(error.code);
        }
        if (
          command.type === 'ChangeExpiry' &&
          command.expiresAt !== null &&
          state.expiresAt !== null &&
          Date.parse(command.expiresAt) === Date.parse(state.expiresAt) &&
          command.expiresAt !== state.expiresAt
        ) {
          if (produced.length > 0) throw new Error(`${where}: the same instant in another notation produced ${JSON.stringify(produced)}`);
          sameInstantNoOps++;
        }
        for (const event of produced) {
          eventTypes.add(event.type);
          if (CREDIT_MOVES.has(event.type) && (state.lifecycle !== 'active' || isExpiredAt(state, new Date(now).toISOString()))) {
            throw new Error(`${where}: ${event.type} on a ${state.lifecycle} package past or at ${state.expiresAt}`);
          }
          const problems = eventProblems(event, state, command);
          if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')} in ${JSON.stringify(event)}`);
          valueLeft += valueOut(event);
          state = snapshot(evolvePackage(state, event));
          events.push(event);
        }
        const s = state;
        const balance = s.creditsTotal - s.creditsUsed - s.creditsRefunded - s.creditsForfeited;
        if (
          s.paidRemaining < 0 ||
          s.goodwillRemaining < 0 ||
          s.paidRemaining > s.paidCredits ||
          s.creditsUsed < 0 ||
          (s.lifecycle === 'active' && creditsRemaining(s) !== balance) ||
          (s.lifecycle !== 'active' && creditsRemaining(s) !== 0) ||
          !Number.isSafeInteger(s.paidValueRemaining) ||
          s.paidValueRemaining < 0 ||
          s.paidValueRemaining + valueLeft !== price ||
          (s.paidRemaining === 0 && s.paidValueRemaining !== 0)
        ) {
          throw new Error(`${where}: invariant broken (value left ${valueLeft}) in ${JSON.stringify({ ...s, redemptions: undefined })}`);
        }
      }
      expect(foldPackage(events)).toEqual(state); // replay yields the same state
      expect(state.paidValueRemaining + sum(events.map(valueOut))).toBe(price);
    }

    // The walk is only worth something if it visited every event and many refusals.
    expect([...eventTypes].sort()).toEqual(
      ['CreditsAdjusted', 'ExpiryChanged', 'PackageExpired', 'PackagePurchased', 'PackageRefunded', 'RedemptionReversed', 'SessionRedeemed'].sort(),
    );
    expect(refusals.size).toBeGreaterThanOrEqual(10);
    expect(refusals).toContain('invalid_instant');
    expect(refusals).toContain('session_after_expiry');
    expect(sameInstantNoOps).toBeGreaterThan(0);
  });
});

describe('booked sessions (RedeemForBooking, RescheduleBookedSession, ReturnBookedCredit, ForfeitBookedCredit)', () => {
  const limits = (overrides: Partial<{ offeringSessionCount: number; maxSessionsPerWeek: number | null; timezone: string; otherSessions: string[] }> = {}) => ({
    offeringSessionCount: 3,
    maxSessionsPerWeek: null,
    timezone: 'Europe/Berlin',
    otherSessions: [] as string[],
    ...overrides,
  });
  const book = (bookingId: string, sessionAt: string, l = limits()): PackageCommand => ({ type: 'RedeemForBooking', bookingId, serviceId: 'st-1', sessionAt, limits: l });
  const bookedEvent = (bookingId: string, sessionAt: string, value: number): PackageEvent => ({
    type: 'SessionRedeemed',
    data: { ...REF, redemptionId: bookingId, bookingId, serviceId: 'st-1', note: null, sessionAt, creditKind: 'paid', value },
  });
  // Monday 16 March and Sunday 22 March 2026 are one week in Berlin.
  const MON = '2026-03-16T09:00:00.000Z';
  const SUN = '2026-03-22T09:00:00.000Z';
  const NEXT_MON = '2026-03-23T09:00:00.000Z';

  it('redeems one credit for the booking, at the session time, with the booking as redemption id', () => {
    given([purchased()]).when(book('b1', MON), ctx).then([bookedEvent('b1', MON, 334)]);
  });

  it('refuses a session at or after the expiry', () => {
    given([purchased()]).when(book('b1', EXPIRES_AT), ctx).thenFails('session_after_expiry');
  });

  it('refuses a second session in a week capped at one (Monday to Sunday in the client zone), allows the next week', () => {
    const capped = limits({ maxSessionsPerWeek: 1 });
    given([purchased(), bookedEvent('b1', MON, 333)]).when(book('b2', SUN, capped), ctx).thenFails('weekly_limit_reached');
    given([purchased(), bookedEvent('b1', MON, 333)]).when(book('b2', NEXT_MON, capped), ctx).then([bookedEvent('b2', NEXT_MON, 334)]);
  });

  it('a reversed booking frees its week', () => {
    const returned: PackageEvent = { type: 'RedemptionReversed', data: { ...REF, redemptionId: 'b1', reason: 'cancelled', creditKind: 'paid', value: 333, rule: 'cancelled_within_notice', sessionAt: MON } };
    given([purchased(), bookedEvent('b1', MON, 333), returned]).when(book('b2', SUN, limits({ maxSessionsPerWeek: 1 })), ctx).then([bookedEvent('b2', SUN, 334)]);
  });

  it('refuses bookings beyond a reduced session count, counting goodwill credits on top', () => {
    const two = [purchased(), bookedEvent('b1', MON, 333), bookedEvent('b2', SUN, 333)];
    given(two).when(book('b3', NEXT_MON, limits({ offeringSessionCount: 2 })), ctx).thenFails('booking_limit_reached');
    given([...two, adjusted(1, 0, 1, 0)]).when(book('b3', NEXT_MON, limits({ offeringSessionCount: 2 })), ctx).then([bookedEvent('b3', NEXT_MON, 334)]);
  });

  it('reschedules within the weekly cap, not counting the moved booking itself', () => {
    const capped = limits({ maxSessionsPerWeek: 1 });
    given([purchased(), bookedEvent('b1', MON, 333)])
      .when({ type: 'RescheduleBookedSession', bookingId: 'b1', sessionAt: SUN, limits: capped }, ctx)
      .then([{ type: 'SessionRescheduled', data: { ...REF, redemptionId: 'b1', bookingId: 'b1', previousSessionAt: MON, sessionAt: SUN } }]);
  });

  it('returns a booked credit naming the rule, or forfeits it without moving credits', () => {
    given([purchased(), bookedEvent('b1', MON, 333)])
      .when({ type: 'ReturnBookedCredit', bookingId: 'b1', rule: 'cancelled_within_notice', reason: 'cancelled' }, ctx)
      .then([{ type: 'RedemptionReversed', data: { ...REF, redemptionId: 'b1', reason: 'cancelled', creditKind: 'paid', value: 333, rule: 'cancelled_within_notice', sessionAt: MON } }]);
    const state = snapshot(
      given([purchased(), bookedEvent('b1', MON, 333)])
        .when({ type: 'ForfeitBookedCredit', bookingId: 'b1', cause: 'no_show', rule: 'no_show_forfeits' }, ctx)
        .then([{ type: 'SessionForfeited', data: { ...REF, redemptionId: 'b1', bookingId: 'b1', cause: 'no_show', rule: 'no_show_forfeits', value: 333, sessionAt: MON } }]),
    );
    expect(creditsRemaining(state)).toBe(2);
  });

  it('a forfeited credit is final: it is neither returned, moved nor forfeited again', () => {
    const forfeit: PackageEvent = { type: 'SessionForfeited', data: { ...REF, redemptionId: 'b1', bookingId: 'b1', cause: 'late_cancellation', rule: 'late_cancellation_forfeits', value: 333, sessionAt: MON } };
    const history = [purchased(), bookedEvent('b1', MON, 333), forfeit];
    given(history).when({ type: 'ReturnBookedCredit', bookingId: 'b1', rule: 'cancelled_by_business', reason: 'goodwill' }, ctx).thenFails('redemption_forfeited');
    given(history).when({ type: 'RescheduleBookedSession', bookingId: 'b1', sessionAt: SUN, limits: limits() }, ctx).thenFails('redemption_forfeited');
    given(history).when({ type: 'ForfeitBookedCredit', bookingId: 'b1', cause: 'no_show', rule: 'no_show_forfeits' }, ctx).thenFails('redemption_forfeited');
  });

  it('refuses a manual reversal of a booked credit: the booking is cancelled instead', () => {
    given([purchased(), bookedEvent('b1', MON, 333)]).when(reverse('b1'), ctx).thenFails('redemption_is_booked');
  });

  it('cannot forfeit or move a booking the package never redeemed', () => {
    given([purchased()]).when({ type: 'ForfeitBookedCredit', bookingId: 'nope', cause: 'no_show', rule: 'no_show_forfeits' }, ctx).thenFails('redemption_not_found');
  });
});




describe('payment disputes: freeze, win, lose (issue 12)', () => {
  const DISPUTE = 'dp_1';
  const freeze: PackageCommand = { type: 'FreezeForDispute', disputeId: DISPUTE, reason: 'Card payment disputed' };
  const unfreeze: PackageCommand = { type: 'UnfreezeAfterDispute', disputeId: DISPUTE, reason: 'Dispute won' };
  const lose = (amount = 1000, currency = 'EUR'): PackageCommand => ({ type: 'RevokeForLostDispute', disputeId: DISPUTE, amount: { amount, currency }, reason: 'Dispute lost' });
  const frozen: PackageEvent = { type: 'PackageFrozen', data: { ...REF, disputeId: DISPUTE, reason: 'Card payment disputed' } };
  const unfrozen: PackageEvent = { type: 'PackageUnfrozen', data: { ...REF, disputeId: DISPUTE, reason: 'Dispute won' } };
  const revoked = (paidCredits: number, goodwillCredits: number, value: number, amount: number): PackageEvent => ({
    type: 'CreditsRevoked',
    data: { ...REF, disputeId: DISPUTE, credits: paidCredits + goodwillCredits, paidCredits, goodwillCredits, value, amount: EUR(amount), reason: 'Dispute lost' },
  });

  it('a disputed payment freezes the package: new redemptions, bookings and refunds are refused with package_frozen', () => {
    given([purchased()]).when(freeze, ctx).then([frozen]);
    given([purchased(), frozen]).when(redeem(), ctx).thenFails('package_frozen');
    given([purchased(), frozen]).when(refund(), ctx).thenFails('package_frozen');
    given([purchased(), frozen])
      .when({ type: 'RedeemForBooking', bookingId: 'b1', serviceId: 'st-1', sessionAt: NOW, limits: { offeringSessionCount: 3, maxSessionsPerWeek: null, timezone: 'Europe/Berlin', otherSessions: [] } }, ctx)
      .thenFails('package_frozen');
  });

  it('a delivery twice, or late, changes nothing: freezing again, unfreezing what is not frozen, losing again', () => {
    given([purchased(), frozen]).when(freeze, ctx).then([]);
    given([purchased(), frozen, unfrozen]).when(unfreeze, ctx).then([]);
    given([purchased(), frozen, revoked(3, 0, 1000, 1000)]).when(lose(), ctx).then([]);
    given([purchased(), frozen, revoked(3, 0, 1000, 1000)]).when(freeze, ctx).then([]);
  });

  it('out of order: a closing reported before its opening is recorded, and the late opening freezes nothing', () => {
    given([purchased()]).when(unfreeze, ctx).then([unfrozen]);
    given([purchased(), unfrozen]).when(freeze, ctx).then([]);
    // A loss reported before its opening revokes at once; the late opening changes nothing.
    given([purchased()]).when(lose(), ctx).then([revoked(3, 0, 1000, 1000)]);
  });

  it('a won dispute unfreezes: the package is usable again', () => {
    const state = snapshot(given([purchased(), frozen]).when(unfreeze, ctx).then([unfrozen]));
    expect(state.openDisputes).toEqual([]);
    given([purchased(), frozen, unfrozen]).when(redeem(), ctx).then([redeemed('r1', 334)]);
  });

  it('a lost dispute revokes every credit left (paid and goodwill) with their value; the package is charged back', () => {
    const history = [purchased(), adjusted(1, 0, 1, 0), redeemed('r1', 334), frozen];
    const state = snapshot(given(history).when(lose(1000), ctx).then([revoked(2, 1, 666, 1000)]));
    expect(state).toMatchObject({ lifecycle: 'charged_back', paidRemaining: 0, goodwillRemaining: 0, paidValueRemaining: 0, creditsRevoked: 3, openDisputes: [] });
    expect(sum([...history, revoked(2, 1, 666, 1000)].map(valueOut))).toBe(1000); // the whole price has left, once
    given([...history, revoked(2, 1, 666, 1000)]).when(adjust(1), ctx).thenFails('package_charged_back');
  });

  it('a lost dispute past the expiry records the expiry first: those credits were lost at expiresAt, not to the dispute', () => {
    given([purchased(), frozen]).when(lose(1000), at(AFTER_EXPIRY)).then([expired(3, 0, 1000), revoked(0, 0, 0, 1000)]);
  });

  it('refuses a disputed amount in another currency or above the price (invalid_amount)', () => {
    given([purchased(), frozen]).when(lose(1000, 'USD'), ctx).thenFails('invalid_amount');
    given([purchased(), frozen]).when(lose(1001), ctx).thenFails('invalid_amount');
  });
});

describe('PurchasePackage: the offering’s visibility (issue 16)', () => {
  const vip = offering({ visibility: { kind: 'groups', groups: ['vip'] } });

  it('refuses a client in none of the offering’s groups (offering_not_visible); sells to a member', () => {
    given([]).when(purchase(vip, 'card', { clientGroups: ['members'] }), at(PURCHASED_AT)).thenFails('offering_not_visible');
    given([]).when(purchase(vip, 'card', { clientGroups: [] }), at(PURCHASED_AT)).thenFails('offering_not_visible');
    given([]).when(purchase(vip, 'card', { clientGroups: ['vip'] }), at(PURCHASED_AT)).then([purchased()]);
  });

  it('staff may override with a reason, recorded on the event; a blank reason is refused', () => {
    given([])
      .when(purchase(vip, 'card', { clientGroups: [], visibilityOverride: { reason: 'Trial before joining' } }), at(PURCHASED_AT))
      .then([purchased({ visibilityOverride: { reason: 'Trial before joining' } })]);
    given([]).when(purchase(vip, 'card', { clientGroups: [], visibilityOverride: { reason: ' ' } }), at(PURCHASED_AT)).thenFails('reason_required');
    // Nothing to override: nothing recorded.
    given([]).when(purchase(vip, 'card', { clientGroups: ['vip'], visibilityOverride: { reason: 'not needed' } }), at(PURCHASED_AT)).then([purchased()]);
  });

  it('a v1 PackagePurchased (before visibility was checked) upcasts with visibilityOverride null', () => {
    const { visibilityOverride: _, ...v1 } = (purchased() as PackagePurchased).data;
    expect(upcast('PackagePurchased', 1, v1)).toEqual({ ...v1, visibilityOverride: null });
  });
});

describe('RedeemForBooking: the weekly cap counts the client’s other packages of the offering (issue 16)', () => {
  const MON = '2026-03-16T09:00:00.000Z';
  const SUN = '2026-03-22T09:00:00.000Z';
  const NEXT_MON = '2026-03-23T09:00:00.000Z';
  const limits = { offeringSessionCount: 3, maxSessionsPerWeek: 2, timezone: 'Europe/Berlin', otherSessions: [MON, NEXT_MON] };
  const book = (bookingId: string, sessionAt: string, otherSessions = limits.otherSessions): PackageCommand => ({
    type: 'RedeemForBooking',
    bookingId,
    serviceId: 'st-1',
    sessionAt,
    limits: { ...limits, otherSessions },
  });
  const bookedEvent = (bookingId: string, sessionAt: string): PackageEvent => ({
    type: 'SessionRedeemed',
    data: { ...REF, redemptionId: bookingId, bookingId, serviceId: 'st-1', note: null, sessionAt, creditKind: 'paid', value: 333 },
  });

  it('this package’s sessions and the others’ add up against the cap', () => {
    // One here and one on another package this week: the cap of 2 is reached.
    given([purchased(), bookedEvent('b1', MON)]).when(book('b2', SUN), ctx).thenFails('weekly_limit_reached');
    // Without the other package's session there is room.
    given([purchased(), bookedEvent('b1', MON)]).when(book('b2', SUN, [NEXT_MON]), ctx).then([{ ...bookedEvent('b2', SUN), data: { ...(bookedEvent('b2', SUN) as any).data, value: 334 } }]);
  });
});

describe('refunds through Stripe (ADR 0022): intent, outcome, and refunds Stripe reports', () => {
  // A card package: 3 credits for 10.00 EUR (worth 334, 333, 333), paid by PaymentIntent ch_1.
  const request = (refundId = 'rf-1', credits: number | null = 2, amount: number | null = null): PackageCommand => ({ type: 'RequestCardRefund', refundId, credits, amount, reason: 'moved away' });
  const requested = (credits = 2, value = 667, amount = value, refundId = 'rf-1'): PackageEvent => ({
    type: 'CardRefundRequested',
    data: { ...REF, refundId, paymentIntentId: 'ch_1', credits, paidCredits: credits, goodwillCredits: 0, value, amount: EUR(amount), reason: 'moved away' },
  });
  const complete = (stripeRefundId = 're_1', refundId = 'rf-1'): PackageCommand => ({ type: 'CompleteCardRefund', refundId, stripeRefundId });
  const completed = (credits = 2, value = 667, amount = value, stripeRefundId = 're_1'): PackageEvent => ({
    type: 'PackageRefunded',
    data: { ...REF, credits, paidCredits: credits, goodwillCredits: 0, value, amount: EUR(amount), reason: 'moved away', refundId: 'rf-1', stripeRefundId },
  });
  const fail: PackageCommand = { type: 'FailCardRefund', refundId: 'rf-1', code: 'charge_disputed', message: 'Stripe refused the request: charged back' };
  const failed: PackageEvent = {
    type: 'CardRefundFailed',
    data: { ...REF, refundId: 'rf-1', credits: 2, paidCredits: 2, goodwillCredits: 0, value: 667, code: 'charge_disputed', message: 'Stripe refused the request: charged back' },
  };
  const reported = (stripeRefundId: string, amount: number, refundId: string | null = null, currency = 'EUR'): PackageCommand => ({
    type: 'RecordStripeRefund',
    stripeRefundId,
    refundId,
    amount: { amount, currency },
    reason: `refunded in Stripe (${stripeRefundId})`,
  });
  const dashboard = (stripeRefundId: string, credits: number, value: number, amount: number): PackageEvent => ({
    type: 'PackageRefunded',
    data: { ...REF, credits, paidCredits: credits, goodwillCredits: 0, value, amount: EUR(amount), reason: `refunded in Stripe (${stripeRefundId})`, refundId: null, stripeRefundId },
  });
  const snapshot = (events: PackageEvent[]) => foldPackage(events) as PackageSnapshot;

  it('the intent holds the credits (paid first, by the refund value rule): out of what can be used, not refunded yet', () => {
    const state = given([purchased()]).when(request(), ctx).then([requested()]) as PackageSnapshot;
    expect(state).toMatchObject({ paidRemaining: 1, paidValueRemaining: 333, creditsRefunded: 0, lifecycle: 'active', pendingCardRefund: { refundId: 'rf-1', credits: 2, value: 667 } });
    given([purchased()]).when(request('rf-1', 1, 300), ctx).then([requested(1, 334, 300)]);
    given([purchased()]).when(request('rf-1', null), ctx).then([requested(3, 1000)]);
  });

  it('held credits cannot be redeemed, refunded at the desk, removed or refunded again; the rest can', () => {
    const held = [purchased(), requested()];
    given(held).when({ type: 'RedeemSession', redemptionId: 'x', bookingId: null, serviceId: null, note: null, sessionAt: null }, ctx).then([redeemed('x', 333)]);
    given([...held, redeemed('x', 333)]).when({ type: 'RedeemSession', redemptionId: 'y', bookingId: null, serviceId: null, note: null, sessionAt: null }, ctx).thenFails('no_credits_left');
    given([...held, redeemed('x', 333)]).when({ type: 'RefundPackage', credits: 1, amount: null, reason: 'cash' }, ctx).thenFails('no_credits_left');
    given(held).when({ type: 'AdjustCredits', delta: -2, reason: 'x' }, ctx).thenFails('adjustment_exceeds_balance');
    given(held).when(request('rf-2', 1), ctx).thenFails('card_refund_pending');
  });

  it('a retry of the same request decides nothing, pending or answered', () => {
    given([purchased(), requested()]).when(request(), ctx).then([]);
    given([purchased(), requested(), completed()]).when(request(), ctx).then([]);
    given([purchased(), requested(), failed]).when(request(), ctx).then([]);
  });

  it('refuses what cannot go back through Stripe', () => {
    given([purchased({ payment: { method: 'cash', reference: null } })]).when(request(), ctx).thenFails('not_card_payment');
    given([purchased()]).when(request('rf-1', 4), ctx).thenFails('invalid_credits');
    given([purchased()]).when(request('rf-1', 2, 668), ctx).thenFails('invalid_amount');
    given([purchased()]).when(request('rf-1', 2, 0), ctx).thenFails('invalid_amount');
    given([purchased()]).when(request(), at(AFTER_EXPIRY)).thenFails('package_expired');
    given([purchased(), { type: 'PackageFrozen', data: { ...REF, disputeId: 'dp_1', reason: 'disputed' } }]).when(request(), ctx).thenFails('package_frozen');
    given([purchased(), requested(3, 1000), completed(3, 1000)]).when(request('rf-2', 1), ctx).thenFails('package_refunded');
  });

  it('Stripe refunded: PackageRefunded names both refunds; the held credits are refunded (whatever happened since), once', () => {
    const state = given([purchased(), requested()]).when(complete(), ctx).then([completed()]) as PackageSnapshot;
    expect(state).toMatchObject({ paidRemaining: 1, paidValueRemaining: 333, creditsRefunded: 2, pendingCardRefund: null, lifecycle: 'active', stripeRefundIds: ['re_1'] });
    given([purchased(), requested(), completed()]).when(complete(), ctx).then([]);
    // Money already left: recorded after the expiry too.
    given([purchased(), requested()]).when(complete(), at(AFTER_EXPIRY)).then([completed()]);
    expect(snapshot([purchased(), requested(3, 1000), completed(3, 1000)]).lifecycle).toBe('refunded');
    given([purchased()]).when(complete(), ctx).thenFails('card_refund_not_found');
    given([purchased(), requested(), failed]).when(complete(), ctx).thenFails('card_refund_failed');
  });

  it('Stripe refused: CardRefundFailed releases the held credits and their value, once', () => {
    const state = given([purchased(), requested()]).when(fail, ctx).then([failed]) as PackageSnapshot;
    expect(state).toMatchObject({ paidRemaining: 3, paidValueRemaining: 1000, creditsRefunded: 0, pendingCardRefund: null });
    given([purchased(), requested(), failed]).when(fail, ctx).then([]);
    given([purchased()]).when(fail, ctx).thenFails('card_refund_not_found');
  });

  it('the expiry waits for the outcome of a pending refund (its breakage still counts at expiresAt)', () => {
    given([purchased(), requested()]).when({ type: 'ExpirePackage' }, at(AFTER_EXPIRY)).thenFails('card_refund_pending');
    given([purchased(), requested(), failed]).when({ type: 'ExpirePackage' }, at(AFTER_EXPIRY)).then([expired(3, 0, 1000)]);
  });

  it('a refund Stripe reports: ours completes a lost outcome or is recognised; the same Stripe refund is recorded once', () => {
    given([purchased(), requested()]).when(reported('re_1', 667, 'rf-1'), ctx).then([completed()]);
    given([purchased(), requested(), completed()]).when(reported('re_1', 667, 'rf-1'), ctx).then([]);
    given([purchased(), requested(), completed()]).when(reported('re_9', 667, 'rf-1'), ctx).then([]);
    given([purchased(), dashboard('re_5', 2, 667, 400)]).when(reported('re_5', 400), ctx).then([]);
  });

  it('made in Stripe’s dashboard: the fewest unused paid credits whose value covers the money, else all of them', () => {
    given([purchased()]).when(reported('re_5', 334), ctx).then([dashboard('re_5', 1, 334, 334)]);
    given([purchased()]).when(reported('re_5', 400), ctx).then([dashboard('re_5', 2, 667, 400)]);
    // Beyond the unused value (two sessions used): the last credit, and money for delivered sessions.
    given([purchased(), redeemed('r1', 334), redeemed('r2', 333)]).when(reported('re_5', 900), ctx).then([dashboard('re_5', 1, 333, 900)]);
    // Nothing unused: money only; the package stays as it was.
    const used = [purchased(), redeemed('r1', 334), redeemed('r2', 333), redeemed('r3', 333)];
    const state = given(used).when(reported('re_5', 200), ctx).then([dashboard('re_5', 0, 0, 200)]) as PackageSnapshot;
    expect(state.lifecycle).toBe('active');
    // Held credits are not the dashboard's to take.
    given([purchased(), requested()]).when(reported('re_5', 1000), ctx).then([dashboard('re_5', 1, 333, 1000)]);
    given([purchased()]).when(reported('re_5', 100, null, 'USD'), ctx).thenFails('invalid_amount');
  });

  it('PackageRefunded stored at v1 reads with neither refund id', () => {
    expect(upcast('PackageRefunded', 1, { credits: 1 })).toEqual({ credits: 1, refundId: null, stripeRefundId: null });
  });
});

it('exercises every error code decidePackage can raise', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'package.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
