import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { EventStore } from '@punchcard/event-store';
import { PostgresAdvisoryLease, ProjectionRunner } from '@punchcard/projection-runner';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { withMethod } from '../support/intercept';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Refunds of card-paid packages through Stripe (ADR 0022, docs/payments.md) on real PostgreSQL. Stripe's
 * servers are the local STAND-IN (test/support/stripe-stand-in.ts) the real `stripe` SDK talks to;
 * webhooks are signed with `stripe.webhooks.generateTestHeaderString`.
 */

let t: TestApp;
let stripe: StripeStandIn;
let a: TenantSession;
let keys: { secretKey: string; webhookSecret: string };
let clientId: string;
let offeringId: string;
/** While set, the next append holding an event of this type fails (as if the database went away then). */
let failAppendOf: string | null = null;

const PRICE = { amount: 54000, currency: 'EUR' }; // 6 credits of 90.00

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url }, wrapEventStore: failingOnDemand });
  a = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
  keys = stripe.newAccountKeys();
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(keys).expect(200);
  clientId = await a.createClient('Ada Lovelace');
  offeringId = await a.createOffering({ name: '6 sessions, 90 days', sessionCount: 6, price: PRICE, validityDays: 90 });
});

afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

function failingOnDemand(store: EventStore): EventStore {
  return withMethod(store, 'append', (append) => async (writes, receipt) => {
    if (failAppendOf && writes.some((write) => write.events.some((event) => event.type === failAppendOf))) {
      failAppendOf = null;
      throw new Error('simulated: the database went away during the append');
    }
    return append(writes, receipt);
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A package bought online: checkout, paid on "Stripe", completed by its webhook. */
async function buyByCard(): Promise<{ packageId: string; paymentIntentId: string }> {
  const checkout = (await t.http.post('/v1/checkouts').set(a.auth).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' }).expect(201)).body;
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!;
  const paid = stripe.pay(session.id);
  expect((await deliver(stripe.event('checkout.session.completed', paid))).body.outcome).toBe('completed');
  const read = (await t.http.get(`/v1/checkouts/${checkout.id}`).set(a.auth).expect(200)).body;
  return { packageId: read.packageId, paymentIntentId: paid.payment_intent! };
}

function deliver(payload: string) {
  return t.http.post(`/v1/webhooks/stripe/${a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, keys.webhookSecret)).send(payload).expect(200);
}

const refund = (packageId: string, body: object, key: string | null = `refund-${randomUUID()}`) => {
  const req = t.http.post(`/v1/packages/${packageId}/card-refunds`).set(a.auth);
  return (key === null ? req : req.set('Idempotency-Key', key)).send(body);
};

const refundRequestsFor = (paymentIntentId: string) => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.params.payment_intent === paymentIntentId);
const stripeRefundsOf = (paymentIntentId: string) => [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId);

async function eventsOf(packageId: string) {
  const { rows } = await t.db.pool.query('SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_version', [`package-${packageId}`]);
  return rows as { type: string; data: any }[];
}

async function caughtUp() {
  const { rows } = await t.db.pool.query('SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1');
  const { runner } = t.infrastructure;
  expect((await runner.waitUntil(() => runner.hasReached(rows[0]), 15_000)).reached).toBe(true);
}

const getPackage = async (packageId: string) => {
  await caughtUp();
  return (await t.http.get(`/v1/packages/${packageId}`).set(a.auth).expect(200)).body;
};

async function ledgerOf(packageId: string) {
  await caughtUp();
  return (await t.http.get(`/v1/packages/${packageId}/ledger`).set(a.auth).expect(200)).body.entries as any[];
}

/** The package's journal lines (CSV export), as { kind, account, debit, credit } in minor units. */
async function journalOf(packageId: string) {
  await caughtUp();
  const text = (await t.http.get('/v1/exports/journal.csv').set(a.auth).buffer(true).expect(200)).text;
  const [header, ...records] = text.split('\r\n').filter((line) => line !== '');
  const names = header.split(',');
  const minor = (value: string) => (value === '' ? 0 : Math.round(Number(value) * 100));
  return records
    .map((record) => Object.fromEntries(record.split(',').map((value, i) => [names[i], value])))
    .filter((row) => row.package_id === packageId)
    .map((row) => ({ kind: row.kind, account: row.account, debit: minor(row.debit), credit: minor(row.credit) }));
}

async function rollforward() {
  await caughtUp();
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const report = (await t.http.get('/v1/reports/liability-rollforward').query({ from, to: t.clock.now().toISOString() }).set(a.auth).expect(200)).body;
  return report.currencies.find((c: any) => c.currency === 'EUR');
}

function expectProblem(res: Response, status: number, code: string) {
  expect(`${res.status} ${res.body?.code}`).toBe(`${status} ${code}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

// ---------------------------------------------------------------------------------------------

describe('refunding unused credits of a card-paid package through Stripe', () => {
  it('walks through: 2 credits refunded, Stripe called once with our key and amount, ledger and journal show it, the rollforward reconciles', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    const refundsBefore = (await rollforward())?.refunds ?? 0;
    const key = `refund-${randomUUID()}`;
    const res = await refund(packageId, { credits: 2, reason: 'Client moved away' }, key);
    expect(`${res.status} ${res.text}`).toMatch(/^201 /);
    expect(res.body).toMatchObject({ id: packageId, creditsRemaining: 4, creditsRefunded: 2, creditsOnHold: 0, pendingCardRefund: null, status: 'active' });
    const { cardRefund } = res.body;
    expect(cardRefund).toMatchObject({ status: 'refunded', stripeRefundId: expect.stringMatching(/^re_/) });

    // Stripe: one request, the idempotency key derived from our refund id, the PaymentIntent, the credits' value, our ids.
    const calls = refundRequestsFor(paymentIntentId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ apiKey: keys.secretKey, idempotencyKey: `refund-${cardRefund.id}` });
    expect(calls[0].params).toMatchObject({ amount: '18000', metadata: { punchcard_tenant_id: a.tenantId, punchcard_package_id: packageId, punchcard_refund_id: cardRefund.id } });

    // The two phases on the package stream: the intent, then the refund naming ours and Stripe's.
    const events = await eventsOf(packageId);
    expect(events.map((e) => e.type)).toEqual(['PackagePurchased', 'CardRefundRequested', 'PackageRefunded']);
    expect(events[1].data).toMatchObject({ refundId: cardRefund.id, paymentIntentId, credits: 2, paidCredits: 2, value: 18000, amount: { amount: 18000, currency: 'EUR' } });
    expect(events[2].data).toMatchObject({ refundId: cardRefund.id, stripeRefundId: cardRefund.stripeRefundId, credits: 2, value: 18000, amount: { amount: 18000, currency: 'EUR' } });

    // The same request again: the stored answer; Stripe is not asked again.
    const again = await refund(packageId, { credits: 2, reason: 'Client moved away' }, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.cardRefund).toEqual(cardRefund);
    expect(refundRequestsFor(paymentIntentId)).toHaveLength(1);
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);

    const ledger = await ledgerOf(packageId);
    expect(ledger.map((e) => [e.type, e.delta, e.balance])).toEqual([
      ['PackagePurchased', 6, 6],
      ['CardRefundRequested', -2, 4],
      ['PackageRefunded', 0, 4],
    ]);
    expect(ledger[2]).toMatchObject({ amount: { amount: 18000, currency: 'EUR' }, reason: 'Client moved away', stripeRefundId: cardRefund.stripeRefundId });

    expect((await journalOf(packageId)).filter((line) => line.kind === 'refund')).toEqual([
      { kind: 'refund', account: 'contract_liability', debit: 18000, credit: 0 },
      { kind: 'refund', account: 'cash_clearing', debit: 0, credit: 18000 },
    ]);
    const report = await rollforward();
    expect(report.refunds - refundsBefore).toBe(18000);
    expect(report.difference).toBe(0);

    // Stripe's webhook about our own refund (twice, and its update): recognised, nothing applied again.
    const ours = stripe.refunds.get(cardRefund.stripeRefundId)!;
    const created = stripe.event('refund.created', ours);
    for (const payload of [created, created, stripe.event('refund.updated', ours)]) expect((await deliver(payload)).body.outcome).toBe('refund_recognised');
    expect((await eventsOf(packageId)).length).toBe(3);
    expect((await getPackage(packageId)).creditsRemaining).toBe(4);
  });

  it('Stripe refusing: 409 with its reason, nothing refunded, the ledger back where it was, the credits usable again', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    // Refunded in the dashboard meanwhile (its webhook not here yet): Stripe has less left to refund than we think.
    stripe.dashboardRefund(paymentIntentId, 50000);
    const refused = await refund(packageId, { credits: 1, reason: 'Moved away' });
    expectProblem(refused, 409, 'card_refund_refused');
    expect(refused.body.detail).toContain('amount_too_large');
    expect(refused.body.detail).toContain('credits are usable again');
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1); // the dashboard's only

    stripe.refuseRefunds = { code: 'charge_disputed', message: 'Charge ch_x has been charged back; cannot issue a refund.' };
    try {
      const disputed = await refund(packageId, { credits: 6, reason: 'Moved away' });
      expectProblem(disputed, 409, 'card_refund_refused');
      expect(disputed.body.detail).toContain('charge_disputed');
    } finally {
      stripe.refuseRefunds = null;
    }

    const events = await eventsOf(packageId);
    expect(events.map((e) => e.type)).toEqual(['PackagePurchased', 'CardRefundRequested', 'CardRefundFailed', 'CardRefundRequested', 'CardRefundFailed']);
    expect(events[2].data).toMatchObject({ code: 'amount_too_large', credits: 1, value: 9000 });
    const pkg = await getPackage(packageId);
    expect(pkg).toMatchObject({ creditsRemaining: 6, creditsRefunded: 0, creditsOnHold: 0, paidValueRemaining: 54000, status: 'active' });
    expect((await ledgerOf(packageId)).at(-1).balance).toBe(6);
    expect((await journalOf(packageId)).map((line) => line.kind)).toEqual(['sale', 'sale']);
    await t.http.post(`/v1/packages/${packageId}/redemptions`).set(a.auth).send({}).expect(201);
  });

  it('Stripe unavailable: 503, the credits stay held; the retry with the same key completes one refund', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    const key = `refund-${randomUUID()}`;
    stripe.failing = true;
    try {
      const res = await refund(packageId, { credits: 3, amount: 20000, reason: 'Injury' }, key);
      expectProblem(res, 503, 'stripe_unavailable');
    } finally {
      stripe.failing = false;
    }
    // Held: not usable, not refunded; a second refund waits for this one; the rest is usable.
    expect(await getPackage(packageId)).toMatchObject({ creditsRemaining: 3, creditsOnHold: 3, creditsRefunded: 0, pendingCardRefund: { credits: 3, amount: { amount: 20000, currency: 'EUR' } } });
    expectProblem(await refund(packageId, { credits: 1, reason: 'Another' }), 409, 'card_refund_pending');
    expectProblem(await t.http.post(`/v1/packages/${packageId}/refunds`).set(a.auth).send({ credits: 4, reason: 'cash' }), 422, 'invalid_credits');
    await t.http.post(`/v1/packages/${packageId}/redemptions`).set(a.auth).send({}).expect(201);

    const retried = await refund(packageId, { credits: 3, amount: 20000, reason: 'Injury' }, key).expect(201);
    expect(retried.body).toMatchObject({ creditsRemaining: 2, creditsRefunded: 3, creditsOnHold: 0, cardRefund: { status: 'refunded' } });
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);
    expect(stripeRefundsOf(paymentIntentId)[0].amount).toBe(20000);
    const types = (await eventsOf(packageId)).map((e) => e.type);
    expect(types.filter((type) => type === 'PackageRefunded')).toHaveLength(1);
    // The business kept 1/3 of the credits' value: 27000 worth refunded for 20000.
    expect((await journalOf(packageId)).filter((line) => line.kind === 'refund')).toEqual([
      { kind: 'refund', account: 'contract_liability', debit: 27000, credit: 0 },
      { kind: 'refund', account: 'cash_clearing', debit: 0, credit: 20000 },
      { kind: 'refund', account: 'refund_retention_revenue', debit: 0, credit: 7000 },
    ]);
    expect((await rollforward()).difference).toBe(0);
  });

  it('Stripe refunded but every answer was lost: 503; the retry gets that same refund from Stripe (our idempotency key), not a second', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    const key = `refund-${randomUUID()}`;
    stripe.loseRefundAnswers = 3; // the SDK's own two retries are lost too
    expectProblem(await refund(packageId, { credits: 1, reason: 'Moved away' }, key), 503, 'stripe_unavailable');
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);
    expect(await getPackage(packageId)).toMatchObject({ creditsOnHold: 1, creditsRefunded: 0 });

    const retried = await refund(packageId, { credits: 1, reason: 'Moved away' }, key).expect(201);
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);
    expect(retried.body).toMatchObject({ creditsRemaining: 5, creditsRefunded: 1, cardRefund: { status: 'refunded', stripeRefundId: stripeRefundsOf(paymentIntentId)[0].id } });
  });

  it('an outcome lost after Stripe refunded: the refund’s webhook completes it, the retry finds it done; one refund', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    const key = `refund-${randomUUID()}`;
    failAppendOf = 'PackageRefunded';
    const lost = await refund(packageId, { credits: 2, reason: 'Moved away' }, key);
    expect(lost.status).toBe(500);
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);
    expect(await getPackage(packageId)).toMatchObject({ creditsOnHold: 2, creditsRefunded: 0 });

    const made = stripeRefundsOf(paymentIntentId)[0];
    expect((await deliver(stripe.event('refund.created', made))).body.outcome).toBe('refund_completed');
    expect(await getPackage(packageId)).toMatchObject({ creditsOnHold: 0, creditsRefunded: 2, creditsRemaining: 4 });

    const retried = await refund(packageId, { credits: 2, reason: 'Moved away' }, key).expect(201);
    expect(retried.body.cardRefund).toMatchObject({ status: 'refunded', stripeRefundId: made.id });
    expect(stripeRefundsOf(paymentIntentId)).toHaveLength(1);
    expect((await eventsOf(packageId)).map((e) => e.type)).toEqual(['PackagePurchased', 'CardRefundRequested', 'PackageRefunded']);
  });

  it('refuses what is not a card refund, before Stripe is called', async () => {
    const { packageId } = await buyByCard();
    const cash = (await a.sellPackage(offeringId, clientId)).id;
    const calls = stripe.requests.length;
    expectProblem(await refund(cash, { credits: 1, reason: 'x' }), 409, 'not_card_payment');
    expectProblem(await refund(packageId, { credits: 1, reason: 'x' }, null), 400, 'idempotency_key_required');
    expectProblem(await refund(packageId, { credits: 7, reason: 'x' }), 422, 'invalid_credits');
    expectProblem(await refund(packageId, { credits: 1, amount: 9001, reason: 'x' }), 422, 'invalid_amount');
    expectProblem(await refund(packageId, { credits: 1, amount: 0, reason: 'x' }), 400, 'validation_failed');
    expectProblem(await refund(randomUUID(), { reason: 'x' }), 404, 'package_not_found');
    expect(stripe.requests.length).toBe(calls);
    expect((await eventsOf(packageId)).map((e) => e.type)).toEqual(['PackagePurchased']);
  });
});

describe('refunds made in Stripe’s dashboard', () => {
  it('are recorded once on the package’s ledger, whatever the redeliveries: unused paid credits first, as many as the money covers', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    const made = stripe.dashboardRefund(paymentIntentId, 10000); // more than one credit's 9000: two credits
    const created = stripe.event('refund.created', made);
    expect((await deliver(created)).body.outcome).toBe('refund_recorded');
    for (const payload of [created, stripe.event('refund.updated', made)]) expect((await deliver(payload)).body.outcome).toBe('refund_recognised');
    expect((await deliver(stripe.event('charge.refunded', { id: made.charge, object: 'charge', amount_refunded: 10000, payment_intent: paymentIntentId }))).body.outcome).toBe('ignored');

    const refunded = (await eventsOf(packageId)).filter((e) => e.type === 'PackageRefunded');
    expect(refunded).toHaveLength(1);
    expect(refunded[0].data).toMatchObject({ credits: 2, paidCredits: 2, value: 18000, amount: { amount: 10000, currency: 'EUR' }, refundId: null, stripeRefundId: made.id });
    expect(await getPackage(packageId)).toMatchObject({ creditsRemaining: 4, creditsRefunded: 2 });
    expect((await ledgerOf(packageId)).at(-1)).toMatchObject({ type: 'PackageRefunded', delta: -2, balance: 4 });
    expect((await journalOf(packageId)).filter((line) => line.kind === 'refund')).toEqual([
      { kind: 'refund', account: 'contract_liability', debit: 18000, credit: 0 },
      { kind: 'refund', account: 'cash_clearing', debit: 0, credit: 10000 },
      { kind: 'refund', account: 'refund_retention_revenue', debit: 0, credit: 8000 },
    ]);
  });

  it('beyond the unused credits’ value (sessions used): all of them, the excess a refund loss; the books still balance', async () => {
    const { packageId, paymentIntentId } = await buyByCard();
    for (let i = 0; i < 5; i++) await t.http.post(`/v1/packages/${packageId}/redemptions`).set(a.auth).send({}).expect(201);
    const made = stripe.dashboardRefund(paymentIntentId, 30000);
    expect((await deliver(stripe.event('refund.created', made))).body.outcome).toBe('refund_recorded');
    expect(await getPackage(packageId)).toMatchObject({ creditsRemaining: 0, creditsRefunded: 1, status: 'refunded' });
    expect((await journalOf(packageId)).filter((line) => line.kind === 'refund')).toEqual([
      { kind: 'refund', account: 'contract_liability', debit: 9000, credit: 0 },
      { kind: 'refund', account: 'refund_losses', debit: 21000, credit: 0 },
      { kind: 'refund', account: 'cash_clearing', debit: 0, credit: 30000 },
    ]);
    // Used up and refunded again in the dashboard: money only, no credit moves.
    const more = stripe.dashboardRefund(paymentIntentId, 4000);
    expect((await deliver(stripe.event('refund.created', more))).body.outcome).toBe('refund_recorded');
    expect((await ledgerOf(packageId)).at(-1)).toMatchObject({ type: 'PackageRefunded', delta: 0, balance: 0, amount: { amount: 4000, currency: 'EUR' } });
    expect((await rollforward()).difference).toBe(0);
  });

  it('a refund that outruns the sale’s own webhook: the sale is confirmed with Stripe first, then the refund recorded', async () => {
    const checkout = (await t.http.post('/v1/checkouts').set(a.auth).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' }).expect(201)).body;
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!;
    const paymentIntentId = stripe.pay(session.id).payment_intent!; // paid; its checkout.session.completed not delivered yet
    const made = stripe.dashboardRefund(paymentIntentId, 9000);
    expect((await deliver(stripe.event('refund.created', made))).body.outcome).toBe('refund_recorded');
    const packageId = (await t.http.get(`/v1/checkouts/${checkout.id}`).set(a.auth).expect(200)).body.packageId;
    expect((await eventsOf(packageId)).map((e) => e.type)).toEqual(['PackagePurchased', 'PackageRefunded']);
    expect(await getPackage(packageId)).toMatchObject({ creditsRemaining: 5, creditsRefunded: 1 });
  });

  it('a refund of a payment Punchcard does not know is logged and changes nothing', async () => {
    const events = await t.eventCount();
    const unknown = { id: 're_unknown', object: 'refund', amount: 100, currency: 'eur', payment_intent: 'pi_unknown', status: 'succeeded', metadata: {} };
    expect((await deliver(stripe.event('refund.created', unknown))).body.outcome).toBe('unknown_payment');
    expect(await t.eventCount()).toBe(events);
  });
});

describe('read models', () => {
  it('every live read model equals a replay of the events (holds, refusals, card and dashboard refunds included)', async () => {
    // One more held refund left pending, so the replay meets a hold too.
    const { packageId } = await buyByCard();
    stripe.failing = true;
    try {
      expectProblem(await refund(packageId, { credits: 1, reason: 'Pending' }), 503, 'stripe_unavailable');
    } finally {
      stripe.failing = false;
    }
    await caughtUp();
    const operator = new ProjectionRunner(t.infrastructure.system.eventStore, t.infrastructure.system.readStore, ALL_PROJECTIONS, new PostgresAdvisoryLease(t.db.pool, 'operator'));
    for (const projection of ALL_PROJECTIONS) {
      expect({ projection: projection.name, differences: (await operator.check(projection)).differences }).toEqual({ projection: projection.name, differences: [] });
    }
  });
});
