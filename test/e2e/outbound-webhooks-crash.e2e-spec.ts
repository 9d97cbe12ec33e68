import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { issueOperatorKey } from '../../apps/api/src/auth/api-keys';
import { MIGRATIONS } from '@punchcard/platform';
import { ApiProcess, spawnApi } from '../support/spawn-api';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { verifyWebhook, WebhookReceiver } from '../support/webhook-receiver';

/**
 * kill -9 of the server process while a batch of webhooks is in flight (its calls sent, the answers
 * held by the receiver), then a restart: every planned delivery is made, and none is recorded twice.
 * The batch's transaction dies with the process, so its rows are due again; the receiver may see those
 * calls twice, with the same Punchcard-Event-Id (what receivers de-duplicate on).
 */

const SALES = 30;
let db: TestDatabase;
let receiver: WebhookReceiver;
const servers: ApiProcess[] = [];
const operatorKey = issueOperatorKey();

async function server(): Promise<ApiProcess> {
  const started = await spawnApi(db.schema, operatorKey, {
    PUNCHCARD_TEST_SCHEDULER: 'on',
    PUNCHCARD_WEBHOOKS_ALLOW_HTTP: 'true',
    PUNCHCARD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
    PUNCHCARD_WEBHOOKS_INTERVAL_MS: '100',
    PUNCHCARD_WEBHOOKS_TIMEOUT_MS: '20000',
  });
  servers.push(started);
  return started;
}

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  db = await createTestDatabase(MIGRATIONS);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await receiver?.close();
  await db?.drop();
});

it('a dispatcher killed mid-batch: after a restart every delivery is made, each recorded once', async () => {
  const first = await server();
  const api = request(first.url);
  const tenant = (await api.post('/v1/tenants').set('Authorization', `Bearer ${operatorKey}`).send({ name: 'Crash studio', timezone: 'UTC', currency: 'EUR' }).expect(201)).body;
  const auth = { Authorization: `Bearer ${tenant.adminApiKey}` };
  const endpoint = (await api.post('/v1/webhook-endpoints').set(auth).send({ url: receiver.url, events: ['package.purchased'] }).expect(201)).body;
  const offeringId = (await api.post('/v1/offerings').set(auth).send({ name: '5 sessions', sessionCount: 5, price: { amount: 40000, currency: 'EUR' } }).expect(201)).body.id;
  const clientId = (await api.post('/v1/clients').set(auth).send({ name: 'Ada', email: `ada.${randomUUID()}@example.com` }).expect(201)).body.id;

  receiver.hold(); // the first batch's calls arrive and wait for their answers
  const packageIds: string[] = [];
  for (let i = 0; i < SALES; i++) packageIds.push((await api.post('/v1/packages').set(auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201)).body.id);
  await receiver.waitFor(1);
  await sleep(200); // let the rest of the batch's calls arrive
  const inFlight = receiver.received.length;

  const exited = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
  first.child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  receiver.release(); // answers to a sender that is gone
  const recordedWhileDown = await db.pool.query(`SELECT count(*)::int AS n FROM webhook_delivery_attempts`);
  expect(recordedWhileDown.rows[0].n).toBe(0); // the batch's records died with its transaction

  await server();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'`);
    if (rows[0].n === SALES) break;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${SALES} deliveries made after the restart`);
    await sleep(100);
  }

  // Planned once per sale, delivered once per delivery in the record.
  const deliveries = (await db.pool.query(`SELECT id, event_id, status, attempts FROM webhook_deliveries`)).rows;
  expect(deliveries).toHaveLength(SALES);
  const attempts = (await db.pool.query(`SELECT delivery_id, count(*)::int AS n, count(*) FILTER (WHERE outcome = 'succeeded')::int AS ok FROM webhook_delivery_attempts GROUP BY delivery_id`)).rows;
  expect(attempts).toHaveLength(SALES);
  expect(attempts.filter((row) => row.n !== 1 || row.ok !== 1)).toEqual([]);
  expect(deliveries.filter((row) => row.status !== 'delivered' || row.attempts !== 1)).toEqual([]);

  // The receiver got every event; only those of the killed batch twice, with the same event id and valid signatures.
  const byEvent = new Map<string, number>();
  for (const hit of receiver.received) {
    expect(verifyWebhook(endpoint.secret, hit.body, hit.headers['punchcard-signature'] as string, Date.now())).toBe(true);
    byEvent.set(hit.headers['punchcard-event-id'] as string, (byEvent.get(hit.headers['punchcard-event-id'] as string) ?? 0) + 1);
  }
  expect(new Set([...byEvent.keys()])).toEqual(new Set(deliveries.map((row) => row.event_id)));
  expect(new Set(receiver.received.map((hit) => hit.json.data.packageId))).toEqual(new Set(packageIds));
  const twice = [...byEvent.values()].filter((n) => n === 2).length;
  expect(twice).toBe(inFlight);
  expect([...byEvent.values()].every((n) => n <= 2)).toBe(true);
}, 120_000);
