import { decidePackage, evolvePackage, initialPackageState, PackageState } from './package.decider';
import { PackageEvent } from './package.events';
import { DatedPackageEvent, packageAsOf } from './package-as-of';

// Given dated events / when asked as of an instant / then the package as it stood then.

const REF = { packageId: 'pkg-1', offeringId: 'off-1', clientId: 'client-1' };
const PURCHASED_AT = '2026-03-02T15:00:00.000Z';
const EXPIRES_AT = '2026-04-01T22:00:00.000Z';
const EUR = (amount: number) => ({ amount, currency: 'EUR' });

const on = (occurredAt: string, event: PackageEvent): DatedPackageEvent => ({ event, occurredAt });
const purchased = (expiresAt: string | null = EXPIRES_AT, credits = 3): PackageEvent => ({
  type: 'PackagePurchased',
  data: { ...REF, offeringName: '3 sessions', credits, price: EUR(900), payment: { method: 'card', reference: null }, purchasedAt: PURCHASED_AT, expiresAt, visibilityOverride: null },
});
const redeemed = (redemptionId: string, value: number): PackageEvent => ({
  type: 'SessionRedeemed',
  data: { ...REF, redemptionId, bookingId: null, serviceId: null, note: null, sessionAt: PURCHASED_AT, creditKind: 'paid', value },
});
const reversed = (redemptionId: string, value: number): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...REF, redemptionId, reason: 'by mistake', creditKind: 'paid', value, rule: null, sessionAt: null },
});
const goodwill: PackageEvent = { type: 'CreditsAdjusted', data: { ...REF, delta: 1, paidDelta: 0, goodwillDelta: 1, value: 0, reason: 'sorry' } };
const extended = (to: string): PackageEvent => ({ type: 'ExpiryChanged', data: { ...REF, previousExpiresAt: EXPIRES_AT, expiresAt: to, reason: 'ill' } });
const refundedAll: PackageEvent = {
  type: 'PackageRefunded',
  data: { ...REF, credits: 3, paidCredits: 2, goodwillCredits: 1, value: 600, amount: EUR(600), reason: 'moved away', refundId: null, stripeRefundId: null },
};

const history: DatedPackageEvent[] = [
  on(PURCHASED_AT, purchased()),
  on('2026-03-05T10:00:00.000Z', redeemed('r1', 300)),
  on('2026-03-06T10:00:00.000Z', redeemed('r2', 300)),
  on('2026-03-07T10:00:00.000Z', reversed('r2', 300)),
  on('2026-03-08T10:00:00.000Z', goodwill),
];

function given(events: DatedPackageEvent[]) {
  return { whenAsOf: (asOf: string) => packageAsOf(events, asOf) };
}

function viewOf(result: ReturnType<typeof packageAsOf>) {
  if (!result.existed) throw new Error('expected the package to exist as of then');
  return result;
}

describe('packageAsOf: a package as it stood at an instant, replayed from its events', () => {
  it('did not exist before its purchase', () => {
    expect(given(history).whenAsOf('2026-03-02T14:59:59.999Z')).toEqual({ existed: false });
    expect(given([]).whenAsOf('2030-01-01T00:00:00.000Z')).toEqual({ existed: false });
  });

  it('exists from the purchase instant on (occurredAt <= asOf)', () => {
    const then = viewOf(given(history).whenAsOf(PURCHASED_AT));
    expect(then.view).toMatchObject({ id: 'pkg-1', status: 'active', creditsRemaining: 3, creditsUsed: 0 });
    expect(then).toMatchObject({ version: 1, updatedAt: PURCHASED_AT, expiryPending: false });
  });

  it('applies only the events that had happened, between two of them', () => {
    const afterSecondRedemption = viewOf(given(history).whenAsOf('2026-03-06T12:00:00.000Z'));
    expect(afterSecondRedemption.view).toMatchObject({ creditsUsed: 2, creditsRemaining: 1, paidValueRemaining: 300 });
    expect(afterSecondRedemption.version).toBe(3);
    const afterReversal = viewOf(given(history).whenAsOf('2026-03-07T10:00:00.000Z'));
    expect(afterReversal.view).toMatchObject({ creditsUsed: 1, creditsRemaining: 2, paidValueRemaining: 600 });
    const now = viewOf(given(history).whenAsOf('2026-03-20T00:00:00.000Z'));
    expect(now.view).toMatchObject({ creditsTotal: 4, creditsUsed: 1, creditsRemaining: 3, goodwillRemaining: 1 });
  });

  it('equals folding the whole stream once every event has happened (same evolve as the write side)', () => {
    const folded = history.map((h) => h.event).reduce(evolvePackage, initialPackageState as PackageState);
    const replayed = viewOf(given(history).whenAsOf('2026-03-31T00:00:00.000Z'));
    if (!folded.exists) throw new Error('unreachable');
    expect(replayed.view.creditsRemaining).toBe(folded.paidRemaining + folded.goodwillRemaining);
    expect(replayed.view.paidValueRemaining).toBe(folded.paidValueRemaining);
  });

  it('after expiresAt, before the sweep ran: shows what the sweep records (expired, credits forfeited)', () => {
    const then = viewOf(given(history).whenAsOf(EXPIRES_AT));
    expect(then.view).toMatchObject({ status: 'expired', creditsRemaining: 0, creditsForfeited: 3, paidValueRemaining: 0 });
    expect(then.expiryPending).toBe(true);
    expect(then.version).toBe(5); // nothing was recorded: the version is the last event's
    // One millisecond earlier it was still usable.
    expect(viewOf(given(history).whenAsOf('2026-04-01T21:59:59.999Z')).view).toMatchObject({ status: 'active', creditsRemaining: 3 });
  });

  it('the forfeit equals the one the sweep records through the decider', () => {
    const state = history.map((h) => h.event).reduce(evolvePackage, initialPackageState as PackageState);
    const [sweep] = decidePackage({ type: 'ExpirePackage' }, state, { now: '2026-04-02T00:00:00.000Z', timezone: 'UTC' });
    const recorded = viewOf(given([...history, on('2026-04-02T00:00:00.000Z', sweep)]).whenAsOf('2026-04-03T00:00:00.000Z'));
    const pending = viewOf(given(history).whenAsOf('2026-04-03T00:00:00.000Z'));
    expect(recorded.expiryPending).toBe(false);
    expect(pending.view).toEqual(recorded.view);
  });

  it('an extension recorded before the old expiry keeps it active past that expiry', () => {
    const events = [...history, on('2026-03-30T00:00:00.000Z', extended('2026-05-01T00:00:00.000Z'))];
    expect(viewOf(given(events).whenAsOf('2026-04-15T00:00:00.000Z')).view).toMatchObject({ status: 'active', expiresAt: '2026-05-01T00:00:00.000Z' });
    expect(viewOf(given(events).whenAsOf('2026-05-01T00:00:00.000Z')).view).toMatchObject({ status: 'expired', creditsForfeited: 3 });
  });

  it('a package that never expires stays active', () => {
    const events = [on(PURCHASED_AT, purchased(null))];
    expect(viewOf(given(events).whenAsOf('2099-01-01T00:00:00.000Z'))).toMatchObject({ view: { status: 'active' }, expiryPending: false });
  });

  it('after a full refund: refunded, and not expired later (nothing left to forfeit)', () => {
    const events = [...history, on('2026-03-09T00:00:00.000Z', refundedAll)];
    expect(viewOf(given(events).whenAsOf('2026-03-08T23:59:59.999Z')).view).toMatchObject({ status: 'active', creditsRemaining: 3 });
    const afterRefund = viewOf(given(events).whenAsOf('2026-03-09T00:00:00.000Z'));
    expect(afterRefund.view).toMatchObject({ status: 'refunded', creditsRemaining: 0, creditsRefunded: 3 });
    expect(viewOf(given(events).whenAsOf('2026-06-01T00:00:00.000Z'))).toMatchObject({ view: { status: 'refunded', creditsForfeited: 0 }, expiryPending: false });
  });

  it('a used-up package past its expiry is expired with nothing forfeited', () => {
    const events = [on(PURCHASED_AT, purchased()), ...['a', 'b', 'c'].map((id, i) => on(`2026-03-1${i}T00:00:00.000Z`, redeemed(id, 300)))];
    expect(viewOf(given(events).whenAsOf('2026-03-20T00:00:00.000Z')).view.status).toBe('used_up');
    expect(viewOf(given(events).whenAsOf('2026-04-20T00:00:00.000Z'))).toMatchObject({ view: { status: 'expired', creditsForfeited: 0 }, expiryPending: true });
  });

  it('replays a stream of 1,000 redemptions (without the redemption index, so the fold stays linear)', () => {
    const events = [on(PURCHASED_AT, purchased(null, 1000)), ...Array.from({ length: 1000 }, (_, i) => on('2026-03-03T00:00:00.000Z', redeemed(`r${i}`, 0)))];
    const then = viewOf(given(events).whenAsOf('2026-03-04T00:00:00.000Z'));
    expect(then.view).toMatchObject({ creditsUsed: 1000, creditsRemaining: 0, status: 'used_up' });
    expect(then.version).toBe(1001);
  });
});
