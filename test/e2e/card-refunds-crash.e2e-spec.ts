import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { issueOperatorKey } from '../../apps/api/src/auth/api-keys';
import { MIGRATIONS } from '@punchcard/platform';
import { ApiProcess, spawnApi } from '../support/spawn-api';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * A refund through Stripe (ADR 0022) whose server process is killed (SIGKILL) mid-way: after the intent
 * is recorded and before Stripe is called, or after the outcome is recorded and before the answer.
 * The retry with the same Idempotency-Key, on a restarted server, completes exactly one refund. The
 * real server runs as a child process (test/support/api-process.ts); Stripe's servers are the local
 * STAND-IN (test/support/stripe-stand-in.ts).
 */

let db: TestDatabase;
let stripe: StripeStandIn;
const servers: ApiProcess[] = [];
const operatorKey = issueOperatorKey();

async function server(env: Record<string, string> = {}): Promise<ApiProcess> {
  const started = await spawnApi(db.schema, operatorKey, { PUNCHCARD_STRIPE_API_URL: stripe.url, ...env });
  servers.push(started);
  return started;
}

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  db = await createTestDatabase(MIGRATIONS);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stripe?.close();
  await db?.drop();
});

/** A business connected to the stand-in, and a way to sell it a card-paid package. */
async function business(url: string) {
  const api = request(url);
  const tenant = (await api.post('/v1/tenants').set('Authorization', `Bearer ${operatorKey}`).send({ name: `Crash studio ${randomUUID()}`, timezone: 'UTC', currency: 'EUR' }).expect(201)).body;
  const auth = { Authorization: `Bearer ${tenant.adminApiKey}` };
  const keys = stripe.newAccountKeys();
  await api.post('/v1/payment-settings/stripe').set(auth).send(keys).expect(200);
  const clientId = (await api.post('/v1/clients').set(auth).send({ name: 'Ada', email: `ada.${randomUUID()}@example.com` }).expect(201)).body.id;
  const offeringId = (await api.post('/v1/offerings').set(auth).send({ name: '5 sessions', sessionCount: 5, price: { amount: 40000, currency: 'EUR' } }).expect(201)).body.id;
  const buy = async (at: string) => {
    const checkout = (await request(at).post('/v1/checkouts').set(auth).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' }).expect(201)).body;
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!;
    const payload = stripe.event('checkout.session.completed', stripe.pay(session.id));
    await request(at).post(`/v1/webhooks/stripe/${tenant.id}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, keys.webhookSecret)).send(payload).expect(200);
    const paid = (await request(at).get(`/v1/checkouts/${checkout.id}`).set(auth).expect(200)).body;
    return { packageId: paid.packageId as string, paymentIntentId: stripe.sessions.get(session.id)!.payment_intent! };
  };
  return { tenantId: tenant.id as string, auth, buy };
}

const refund = (url: string, auth: Record<string, string>, packageId: string, key: string) =>
  request(url).post(`/v1/packages/${packageId}/card-refunds`).set(auth).set('Idempotency-Key', key).send({ credits: 2, reason: 'Moved away' });

/** The killed request's key stays claimed until its lock lapses (30 s); the test lets that time pass at once. */
const lapseLock = (key: string) => db.pool.query(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = $1`, [key]);

const typesOf = async (packageId: string) =>
  (await db.pool.query('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version', [`package-${packageId}`])).rows.map((r) => r.type as string);

async function killedDuring(doomed: ApiProcess, call: () => Promise<unknown>) {
  const exited = new Promise((resolve) => doomed.child.once('exit', (_code, signal) => resolve(signal)));
  await expect(call()).rejects.toThrow(); // no answer: the connection dropped
  expect(await exited).toBe('SIGKILL');
}

it('killed after the intent, before Stripe was called: the retry asks Stripe once and records one refund', async () => {
  const doomed = await server({ PUNCHCARD_TEST_KILL_AFTER_APPEND_OF: 'CardRefundRequested' });
  const shop = await business(doomed.url);
  const { packageId, paymentIntentId } = await shop.buy(doomed.url);
  const key = `refund-${randomUUID()}`;

  await killedDuring(doomed, () => refund(doomed.url, shop.auth, packageId, key));
  expect(await typesOf(packageId)).toEqual(['PackagePurchased', 'CardRefundRequested']);
  expect([...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId)).toHaveLength(0);

  const restarted = await server();
  await lapseLock(key);
  const res = await refund(restarted.url, shop.auth, packageId, key);
  expect(`${res.status} ${res.text}`).toMatch(/^201 /);
  expect(res.body).toMatchObject({ creditsRemaining: 3, creditsRefunded: 2, creditsOnHold: 0, cardRefund: { status: 'refunded' } });
  expect([...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId)).toHaveLength(1);
  expect(await typesOf(packageId)).toEqual(['PackagePurchased', 'CardRefundRequested', 'PackageRefunded']);
  // Answered once more, the same: no second refund.
  await refund(restarted.url, shop.auth, packageId, key).expect(201);
  expect(stripe.requests.filter((r) => r.path === '/v1/refunds' && r.params.payment_intent === paymentIntentId)).toHaveLength(1);
}, 120_000);

it('killed after the outcome, before answering: the retry answers the refund made, Stripe is not asked again', async () => {
  const doomed = await server({ PUNCHCARD_TEST_KILL_AFTER_APPEND_OF: 'PackageRefunded' });
  const shop = await business(doomed.url);
  const { packageId, paymentIntentId } = await shop.buy(doomed.url);
  const key = `refund-${randomUUID()}`;

  await killedDuring(doomed, () => refund(doomed.url, shop.auth, packageId, key));
  const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId);
  expect(made).toHaveLength(1);
  expect(await typesOf(packageId)).toEqual(['PackagePurchased', 'CardRefundRequested', 'PackageRefunded']);

  const restarted = await server();
  await lapseLock(key);
  const res = await refund(restarted.url, shop.auth, packageId, key).expect(201);
  expect(res.body.cardRefund).toMatchObject({ status: 'refunded', stripeRefundId: made[0].id });
  expect(stripe.requests.filter((r) => r.path === '/v1/refunds' && r.params.payment_intent === paymentIntentId)).toHaveLength(1);
  expect(await typesOf(packageId)).toEqual(['PackagePurchased', 'CardRefundRequested', 'PackageRefunded']);
}, 120_000);
