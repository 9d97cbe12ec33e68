import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { issueOperatorKey } from '../../apps/api/src/auth/api-keys';
import { MIGRATIONS } from '@punchcard/platform';
import { ApiProcess, spawnApi } from '../support/spawn-api';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * A server process killed (SIGKILL) after a webhook's completion has committed and before it answers
 * Stripe: Stripe sees no answer and redelivers; the next process completes nothing twice. The real
 * server runs as a child process (test/support/api-process.ts); Stripe's servers are the local
 * STAND-IN (test/support/stripe-stand-in.ts).
 */

let db: TestDatabase;
let stripe: StripeStandIn;
const servers: ApiProcess[] = [];

async function server(env: Record<string, string> = {}): Promise<ApiProcess> {
  const started = await spawnApi(db.schema, operatorKey, { PUNCHCARD_STRIPE_API_URL: stripe.url, ...env });
  servers.push(started);
  return started;
}

const operatorKey = issueOperatorKey();

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  db = await createTestDatabase(MIGRATIONS);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stripe?.close();
  await db?.drop();
});

it('a delivery whose process died before answering completes exactly once on the redelivery', async () => {
  const doomed = await server({ PUNCHCARD_TEST_KILL_AFTER_APPEND_OF: 'CheckoutCompleted' });
  const api = request(doomed.url);
  const tenant = (await api.post('/v1/tenants').set('Authorization', `Bearer ${operatorKey}`).send({ name: 'Crash studio', timezone: 'UTC', currency: 'EUR' }).expect(201)).body;
  const auth = { Authorization: `Bearer ${tenant.adminApiKey}` };
  const keys = stripe.newAccountKeys();
  await api.post('/v1/payment-settings/stripe').set(auth).send(keys).expect(200);
  const clientId = (await api.post('/v1/clients').set(auth).send({ name: 'Ada', email: `ada.${randomUUID()}@example.com` }).expect(201)).body.id;
  const offeringId = (await api.post('/v1/offerings').set(auth).send({ name: '5 sessions', sessionCount: 5, price: { amount: 40000, currency: 'EUR' } }).expect(201)).body.id;
  const checkout = (await api.post('/v1/checkouts').set(auth).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' }).expect(201)).body;
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!;
  const payload = stripe.event('checkout.session.completed', stripe.pay(session.id));
  const deliver = (url: string) =>
    request(url).post(`/v1/webhooks/stripe/${tenant.id}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, keys.webhookSecret)).send(payload);

  const exited = new Promise((resolve) => doomed.child.once('exit', (_code, signal) => resolve(signal)));
  await expect(deliver(doomed.url)).rejects.toThrow(); // no answer: the connection dropped
  expect(await exited).toBe('SIGKILL');

  const count = async (type: string) => (await db.pool.query('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND type = $2', [tenant.id, type])).rows[0].n;
  // The completion committed before the kill; the delivery log never heard of it.
  expect(await count('PackagePurchased')).toBe(1);
  expect((await db.pool.query('SELECT count(*)::int AS n FROM stripe_webhook_deliveries')).rows[0].n).toBe(0);

  // Stripe redelivers (the same event, a fresh signature) to the restarted service.
  const restarted = await server();
  const redelivered = await deliver(restarted.url).expect(200);
  expect(redelivered.body).toMatchObject({ received: true, outcome: 'already_paid' });
  expect(await count('PackagePurchased')).toBe(1);
  expect(await count('CheckoutCompleted')).toBe(1);
  expect(await count('ClientPackageAdded')).toBe(1);
  const read = (await request(restarted.url).get(`/v1/checkouts/${checkout.id}`).set(auth).expect(200)).body;
  expect(read).toMatchObject({ status: 'paid', amountPaid: { amount: 40000, currency: 'EUR' } });

  // The restarted service goes on selling: the next payment completes normally.
  const second = (await request(restarted.url).post('/v1/checkouts').set(auth).send({ offeringId, clientId, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' }).expect(201)).body;
  const secondSession = [...stripe.sessions.values()].find((s) => s.client_reference_id === second.id)!;
  const secondPayload = stripe.event('checkout.session.completed', stripe.pay(secondSession.id));
  const res = await request(restarted.url).post(`/v1/webhooks/stripe/${tenant.id}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(secondPayload, keys.webhookSecret)).send(secondPayload).expect(200);
  expect(res.body.outcome).toBe('completed');
  expect(await count('PackagePurchased')).toBe(2);
}, 120_000);
