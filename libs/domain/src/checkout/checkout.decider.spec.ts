import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OfferingState } from '../offering/offering.decider';
import { OFFERING_FIELD_DEFAULTS } from '../offering/offering.events';
import { DecisionContext } from '../shared/event';
import { codesRaisedIn, exercisedCodes, givenWhenThen } from '../testing/given-when-then';
import { CheckoutCommand, checkoutTerms, CheckoutSnapshot, decideCheckout, evolveCheckout, initialCheckoutState, packagePurchasedFor } from './checkout.decider';
import { CheckoutEvent, CheckoutStarted } from './checkout.events';

const ZONE = 'Europe/Berlin';
const NOW = '2026-06-01T06:00:00.000Z';
const ctx: DecisionContext = { now: NOW, timezone: ZONE };
const later = (minutes: number): DecisionContext => ({ now: new Date(Date.parse(NOW) + minutes * 60_000).toISOString(), timezone: ZONE });

const given = givenWhenThen({ initialState: initialCheckoutState, decide: decideCheckout, evolve: evolveCheckout });

const offering = (overrides: Partial<Extract<OfferingState, { exists: true }>> = {}): OfferingState => ({
  exists: true,
  offeringId: 'off-1',
  status: 'active',
  deleted: false,
  name: '6 sessions, 90 days',
  description: null,
  sessionCount: 6,
  price: { amount: 54000, currency: 'EUR' },
  validity: { kind: 'days', days: 90 },
  ...OFFERING_FIELD_DEFAULTS,
  ...overrides,
});

const terms = checkoutTerms(offering(), [], ctx);
const start: CheckoutCommand = {
  type: 'StartCheckout',
  checkoutId: 'co-1',
  packageId: 'pkg-1',
  clientId: 'cl-1',
  terms,
  stripeSession: { id: 'cs_test_1', url: 'https://checkout.stripe.com/c/pay/cs_test_1', expiresAt: '2026-06-01T07:00:00.000Z' },
};
const started: CheckoutStarted = {
  type: 'CheckoutStarted',
  data: {
    checkoutId: 'co-1',
    clientId: 'cl-1',
    offeringId: 'off-1',
    offeringName: '6 sessions, 90 days',
    credits: 6,
    price: { amount: 54000, currency: 'EUR' },
    validity: { kind: 'days', days: 90 },
    packageId: 'pkg-1',
    stripeSessionId: 'cs_test_1',
    url: 'https://checkout.stripe.com/c/pay/cs_test_1',
    expiresAt: '2026-06-01T07:00:00.000Z',
    startedAt: NOW,
  },
};
const ref = { checkoutId: 'co-1', clientId: 'cl-1', offeringId: 'off-1' };
const paid: CheckoutCommand = { type: 'CompleteCheckout', paymentIntentId: 'pi_1', amountPaid: { amount: 54000, currency: 'EUR' }, stripeEventId: 'evt_1' };
const completed = (at = later(5).now): CheckoutEvent => ({
  type: 'CheckoutCompleted',
  data: { ...ref, packageId: 'pkg-1', paymentIntentId: 'pi_1', amountPaid: { amount: 54000, currency: 'EUR' }, stripeEventId: 'evt_1', completedAt: at },
});
const expired: CheckoutEvent = { type: 'CheckoutExpired', data: { ...ref, stripeEventId: 'evt_2' } };
const failed: CheckoutEvent = { type: 'CheckoutFailed', data: { ...ref, reason: 'async_payment_failed', stripeEventId: 'evt_3' } };

describe('checkout terms: what an online sale may sell, frozen at the start', () => {
  it('takes the offering’s name, session count, price and validity as they are now', () => {
    expect(terms).toEqual({ offeringId: 'off-1', offeringName: '6 sessions, 90 days', credits: 6, price: { amount: 54000, currency: 'EUR' }, validity: { kind: 'days', days: 90 } });
  });

  it.each([
    ['offering_not_found', { exists: false } as OfferingState, []],
    ['offering_deleted', offering({ deleted: true }), []],
    ['offering_not_active', offering({ status: 'paused' }), []],
    ['offering_expired', offering({ validity: { kind: 'fixed_date', date: '2026-05-31' } }), []],
    ['offering_not_visible', offering({ visibility: { kind: 'groups', groups: ['VIP'] } }), ['Mornings']],
    ['offering_not_payable', offering({ price: { amount: 0, currency: 'EUR' } }), []],
  ] as const)('refuses with %s', (code, state, groups) => {
    expect(() => checkoutTerms(state, groups, ctx)).toThrow(expect.objectContaining({ code }));
    exercisedCodes.add(code);
  });

  it('sells to a member of one of the offering’s groups', () => {
    expect(checkoutTerms(offering({ visibility: { kind: 'groups', groups: ['VIP'] } }), ['VIP'], ctx).credits).toBe(6);
  });
});

describe('the checkout stream', () => {
  it('starts once, with the terms, the Stripe session and the package it will create', () => {
    const state = given([]).when(start, ctx).then([started]);
    expect(state).toMatchObject({ status: 'open', packageId: 'pkg-1', amountPaid: null });
  });

  it('refuses a second start', () => {
    given([started]).when(start, ctx).thenFails('checkout_already_exists');
  });

  it.each([paid, { type: 'FailCheckout', reason: 'x', stripeEventId: null }, { type: 'ExpireCheckout', stripeEventId: null }] as CheckoutCommand[])(
    'knows no $type before it started',
    (command) => {
      given([]).when(command, ctx).thenFails('checkout_not_found');
    },
  );

  it('completes with what Stripe charged, at the decision time', () => {
    const state = given([started]).when(paid, later(5)).then([completed()]);
    expect(state).toMatchObject({ status: 'paid', paymentIntentId: 'pi_1', amountPaid: { amount: 54000, currency: 'EUR' } });
  });

  it('completes once: a duplicate or a second report of the same payment decides nothing', () => {
    given([started, completed()]).when(paid, later(6)).then([]);
    given([started, completed()]).when({ ...paid, stripeEventId: 'evt_other' }, later(6)).then([]);
  });

  it('honours a payment reported after an expiry or a failure was recorded (the money was taken)', () => {
    given([started, expired]).when(paid, later(5)).then([completed()]);
    given([started, failed]).when(paid, later(5)).then([completed()]);
  });

  it('fails or expires only while open; after the payment neither changes anything', () => {
    given([started]).when({ type: 'FailCheckout', reason: 'async_payment_failed', stripeEventId: 'evt_3' }, ctx).then([failed]);
    given([started]).when({ type: 'ExpireCheckout', stripeEventId: 'evt_2' }, ctx).then([expired]);
    given([started, completed()]).when({ type: 'ExpireCheckout', stripeEventId: 'evt_2' }, ctx).then([]);
    given([started, completed()]).when({ type: 'FailCheckout', reason: 'late', stripeEventId: null }, ctx).then([]);
    given([started, expired]).when({ type: 'ExpireCheckout', stripeEventId: 'evt_4' }, ctx).then([]);
    given([started, failed]).when({ type: 'ExpireCheckout', stripeEventId: null }, ctx).then([]);
  });
});

describe('the package a completed checkout sells', () => {
  const state = [started, completed('2026-06-01T06:05:00.000Z')].reduce(evolveCheckout, initialCheckoutState) as CheckoutSnapshot;

  it('is paid by card, at the amount paid, with the frozen credits, expiring from the payment in the business’s zone', () => {
    const completion = completed('2026-06-01T06:05:00.000Z').data as Extract<CheckoutEvent, { type: 'CheckoutCompleted' }>['data'];
    expect(packagePurchasedFor(state, completion, ZONE)).toEqual({
      type: 'PackagePurchased',
      data: {
        packageId: 'pkg-1',
        offeringId: 'off-1',
        clientId: 'cl-1',
        offeringName: '6 sessions, 90 days',
        credits: 6,
        price: { amount: 54000, currency: 'EUR' },
        payment: { method: 'card', reference: 'pi_1' },
        purchasedAt: '2026-06-01T06:05:00.000Z',
        // 90 days after the local purchase day (1 June, Berlin), through the end of that day.
        expiresAt: '2026-08-30T22:00:00.000Z',
        visibilityOverride: null,
      },
    });
  });

  it('honours what was paid, not the frozen list price (a price changed, a discount)', () => {
    const completion = { ...(completed().data as Extract<CheckoutEvent, { type: 'CheckoutCompleted' }>['data']), amountPaid: { amount: 50000, currency: 'EUR' } };
    expect(packagePurchasedFor(state, completion, ZONE).data.price).toEqual({ amount: 50000, currency: 'EUR' });
  });
});

it('exercises every error code the checkout decider can raise', () => {
  const source = readFileSync(join(__dirname, 'checkout.decider.ts'), 'utf8');
  expect(codesRaisedIn(source).filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
