import { randomBytes, randomUUID } from 'node:crypto';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Chargebacks (issue 12) over HTTP on real PostgreSQL: a card-paid package is frozen while its payment
 * is disputed (redemptions, bookings and refunds refused with package_frozen), usable again when the
 * dispute is won, and its remaining credits revoked when it is lost, with the chargeback in the journal.
 * Stripe's servers are the local STAND-IN (test/support/stripe-stand-in.ts); every webhook is signed by
 * the SDK's own helper.
 */

let t: TestApp;
let stripe: StripeStandIn;
let a: TenantSession;
let webhookSecret: string;
let clientId: string;
let offeringId: string;
let scheduleId: string;
let sessionTypeId: string;
let after = '';

const PRICE = { amount: 60000, currency: 'EUR' }; // 6 sessions, 100.00 each
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY]));
const HOUR = 3_600_000;

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url } });
  a = await t.newTenant({ timezone: 'UTC', currency: 'EUR' });
  const keys = stripe.newAccountKeys();
  webhookSecret = keys.webhookSecret;
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(keys).expect(200);
  clientId = await a.createClient('Grace Hopper');
  sessionTypeId = (await t.http.post('/v1/session-types').set(a.auth).send({ name: 'PT', durationMinutes: 60, price: { amount: 12000, currency: 'EUR' } }).expect(201)).body.id;
  scheduleId = (await t.http.post('/v1/schedules').set(a.auth).send({ host: 'Coach', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [sessionTypeId] }).expect(201)).body.id;
  offeringId = await a.createOffering({ name: '6 sessions', sessionCount: 6, price: PRICE, validityDays: 90, scheduleId, sessionTypeIds: [sessionTypeId] });
});

afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

const deliver = (payload: string) =>
  t.http.post(`/v1/webhooks/stripe/${a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, webhookSecret)).send(payload);

/** A card sale through a checkout, paid and reported by webhook: the package id and its PaymentIntent. */
async function buyByCard(): Promise<{ packageId: string; paymentIntent: string }> {
  const res = await t.http.post('/v1/checkouts').set(a.auth).set('Idempotency-Key', randomUUID()).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' });
  expect(res.status).toBe(201);
  const session = [...stripe.sessions.values()].find((s) => s.metadata.punchcard_checkout_id === res.body.id)!;
  const paid = stripe.pay(session.id);
  expect((await deliver(stripe.event('checkout.session.completed', paid))).body.outcome).toBe('completed');
  const read = await t.http.get(`/v1/checkouts/${res.body.id}`).set(a.auth).expect(200);
  after = read.headers['punchcard-position'] ?? after;
  return { packageId: read.body.packageId, paymentIntent: paid.payment_intent as string };
}

const dispute = (paymentIntent: string, fields: object = {}) => ({
  id: `dp_${randomBytes(8).toString('hex')}`,
  object: 'dispute',
  payment_intent: paymentIntent,
  charge: `ch_${randomBytes(8).toString('hex')}`,
  amount: PRICE.amount,
  currency: 'eur',
  reason: 'fraudulent',
  status: 'needs_response',
  ...fields,
});

const redeem = (packageId: string) => t.http.post(`/v1/packages/${packageId}/redemptions`).set(a.auth).send({});
/** The package as the read model shows it once the projections have passed every event so far (webhook answers carry no position). */
const packageOf = async (packageId: string) => {
  const { rows } = await t.db.pool.query('SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1');
  const { runner } = t.infrastructure;
  expect((await runner.waitUntil(() => runner.hasReached(rows[0]), 15_000)).reached).toBe(true);
  return (await t.http.get(`/v1/packages/${packageId}`).set(a.auth).expect(200)).body;
};
let slot = Math.ceil((Date.now() + 48 * HOUR) / HOUR) * HOUR;
const book = (packageId: string) =>
  t.http.post('/v1/bookings').set(a.auth).send({ clientId, scheduleId, sessionTypeId, packageId, start: new Date((slot += HOUR)).toISOString() });

it('a dispute freezes the package: redemptions, bookings and refunds are refused with package_frozen; a repeat changes nothing', async () => {
  const { packageId, paymentIntent } = await buyByCard();
  expect((await redeem(packageId)).status).toBe(201);
  const opened = dispute(paymentIntent);
  const payload = stripe.event('charge.dispute.created', opened);
  const first = await deliver(payload).expect(200);
  expect(first.body.outcome).toBe('frozen');

  for (const res of [await redeem(packageId), await book(packageId), await t.http.post(`/v1/packages/${packageId}/refunds`).set(a.auth).send({ reason: 'asked for it' })]) {
    expect(`${res.status} ${res.body.code}`).toBe('409 package_frozen');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  }
  // The same delivery again, and a second copy of the event: nothing more is written.
  const events = await t.eventCount();
  expect((await deliver(payload).expect(200)).body.outcome).toBe('unchanged');
  expect((await deliver(stripe.event('charge.dispute.created', opened)).expect(200)).body.outcome).toBe('unchanged');
  expect(await t.eventCount()).toBe(events);

  const frozen = await t.http.get(`/v1/packages/${packageId}`).set(a.auth).expect(200);
  after = frozen.headers['punchcard-position'] ?? after;
  expect(await packageOf(packageId)).toMatchObject({ frozen: true, openDisputes: [opened.id], creditsRemaining: 5, status: 'active' });

  // Won: usable again.
  expect((await deliver(stripe.event('charge.dispute.closed', { ...opened, status: 'won' })).expect(200)).body.outcome).toBe('unfrozen');
  const redeemed = await redeem(packageId);
  expect(redeemed.status).toBe(201);
  after = redeemed.headers['punchcard-position'];
  expect(await packageOf(packageId)).toMatchObject({ frozen: false, openDisputes: [], creditsRemaining: 4 });
});

it('a lost dispute revokes the credits left and books the chargeback: the liability is released, the delivered sessions are a loss', async () => {
  const { packageId, paymentIntent } = await buyByCard();
  for (let i = 0; i < 2; i++) after = (await redeem(packageId).expect(201)).headers['punchcard-position'];
  const opened = dispute(paymentIntent);
  expect((await deliver(stripe.event('charge.dispute.created', opened))).body.outcome).toBe('frozen');
  const lost = stripe.event('charge.dispute.closed', { ...opened, status: 'lost' });
  // Delivered twice, concurrently: one revocation.
  const answers = await Promise.all([deliver(lost), deliver(lost)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200]);
  expect(answers.map((r) => r.body.outcome).sort()).toEqual(['revoked', 'unchanged']);
  const { rows } = await t.db.pool.query(`SELECT data FROM events WHERE type = 'CreditsRevoked' AND stream_id = $1`, [`package-${packageId}`]);
  expect(rows).toHaveLength(1);
  expect(rows[0].data).toMatchObject({ disputeId: opened.id, credits: 4, paidCredits: 4, value: 40000, amount: PRICE });

  const later = await t.http.get('/v1/packages').query({ clientId }).set(a.auth).expect(200);
  after = later.headers['punchcard-position'] ?? after;
  const pkg = await packageOf(packageId);
  expect(pkg).toMatchObject({ status: 'charged_back', creditsRemaining: 0, creditsRevoked: 4, frozen: false });
  expect(`${(await redeem(packageId)).status}`).toBe('409');

  // The journal: the chargeback releases 400.00 of liability, loses 200.00 (two sessions delivered), pays back 600.00.
  await t.infrastructure.runner.waitUntil(() => t.infrastructure.runner.isCaughtUp('accounting-journal-v2'), 10_000);
  const csv = await t.http.get('/v1/exports/journal.csv').set(a.auth).buffer(true).expect(200);
  const lines = csv.text.split('\r\n').filter((line) => line.includes(',chargeback,'));
  expect(lines.map((line) => line.split(',').slice(2, 5).join(' '))).toEqual(['contract_liability 400.00 ', 'chargeback_losses 200.00 ', 'cash_clearing  600.00']);
  const period = await t.http.get('/v1/reports/liability-rollforward').query({ from: '2020-01-01T00:00:00Z', to: new Date(Date.now() + 60_000).toISOString() }).set(a.auth).expect(200);
  for (const row of period.body.currencies) {
    expect(row.difference).toBe(0);
    expect(row.opening + row.sales - row.recognised - row.breakage - row.refunds - row.chargebacks).toBe(row.closing);
  }
  expect(period.body.currencies[0].chargebacks).toBe(40000);
});

it('out of order: a closing delivered before its opening (whose first delivery failed) leaves the package usable', async () => {
  const { packageId, paymentIntent } = await buyByCard();
  const opened = dispute(paymentIntent);
  expect((await deliver(stripe.event('charge.dispute.closed', { ...opened, status: 'won' })).expect(200)).body.outcome).toBe('unfrozen');
  expect((await deliver(stripe.event('charge.dispute.created', opened)).expect(200)).body.outcome).toBe('unchanged');
  const redeemed = await redeem(packageId);
  expect(redeemed.status).toBe(201);
  after = redeemed.headers['punchcard-position'];
  expect(await packageOf(packageId)).toMatchObject({ frozen: false, openDisputes: [] });
});

it('a dispute that outruns the sale (its webhook not delivered yet) records the sale first, from Stripe, then freezes it', async () => {
  const res = await t.http.post('/v1/checkouts').set(a.auth).set('Idempotency-Key', randomUUID()).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' });
  const session = [...stripe.sessions.values()].find((s) => s.metadata.punchcard_checkout_id === res.body.id)!;
  const paid = stripe.pay(session.id); // paid on Stripe's page; the completion webhook never came
  const answer = await deliver(stripe.event('charge.dispute.created', dispute(paid.payment_intent as string))).expect(200);
  expect(answer.body.outcome).toBe('frozen');
  const read = await t.http.get(`/v1/checkouts/${res.body.id}`).set(a.auth).expect(200);
  expect(read.body.status).toBe('paid');
  after = read.headers['punchcard-position'] ?? after;
  expect(await packageOf(read.body.packageId)).toMatchObject({ frozen: true, payment: { method: 'card', reference: paid.payment_intent } });
  // The late completion webhook finds the checkout paid: still one package.
  expect((await deliver(stripe.event('checkout.session.completed', paid)).expect(200)).body.outcome).toBe('already_paid');
});

it('a dispute about a payment this business never took is logged and changes nothing', async () => {
  const events = await t.eventCount();
  const res = await deliver(stripe.event('charge.dispute.created', dispute(`pi_${randomBytes(8).toString('hex')}`))).expect(200);
  expect(res.body.outcome).toBe('unknown_payment');
  expect(await t.eventCount()).toBe(events);
});
