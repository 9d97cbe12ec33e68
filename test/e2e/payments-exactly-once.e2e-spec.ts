import { randomUUID } from 'node:crypto';
import { seededRandom } from '@punchcard/domain/testing';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Exactly once in effect (ADR 0020): 500 checkouts are paid and each completion is delivered three
 * times, shuffled, up to 16 deliveries in flight at once (copies of one event often together); every
 * tenth checkout is also read meanwhile, which confirms it with Stripe (the other way a payment is
 * recorded). The result must be exactly 500 packages, 500 sales in the journal and a rollforward
 * that reconciles.
 * Stripe's servers are the local STAND-IN (test/support/stripe-stand-in.ts); webhooks are genuinely signed.
 */

const CHECKOUTS = Number(process.env.PAYMENTS_CHECKOUTS ?? 500);
const COPIES = 3;
const IN_FLIGHT = 16;
const CLIENTS = 25;
const PRICE = { amount: 12000, currency: 'EUR' };

let t: TestApp;
let stripe: StripeStandIn;
let a: TenantSession;
let webhookSecret: string;

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url } });
  a = await t.newTenant({ timezone: 'Europe/Paris', currency: 'EUR' });
  const keys = stripe.newAccountKeys();
  webhookSecret = keys.webhookSecret;
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(keys).expect(200);
});

afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

it(`${CHECKOUTS} completions delivered ${COPIES} times each, shuffled and concurrent: exactly ${CHECKOUTS} packages and sales`, async () => {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => a.createClient(`Buyer ${i}`)));
  const offeringId = await a.createOffering({ name: '10 sessions', sessionCount: 10, price: PRICE, validityDays: 180 });

  const checkoutIds: string[] = [];
  await inParallel([...Array(CHECKOUTS).keys()], 8, async (i) => {
    const res = await t.http
      .post('/v1/checkouts')
      .set(a.auth)
      .set('Idempotency-Key', `bulk-${i}`)
      .send({ offeringId, clientId: clients[i % CLIENTS], successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' });
    if (res.status !== 201) throw new Error(`checkout ${i}: ${res.status} ${res.text}`);
    checkoutIds.push(res.body.id);
  });
  expect(new Set(checkoutIds).size).toBe(CHECKOUTS);

  // Every session paid; each payment's event is delivered three times, and every tenth checkout read once.
  type Step = { webhook: string } | { read: string };
  const deliveries: Step[] = [...stripe.sessions.values()].flatMap((session, i) => {
    const payload = stripe.event('checkout.session.completed', stripe.pay(session.id));
    const copies: Step[] = Array.from({ length: COPIES }, () => ({ webhook: payload }));
    return i % 10 === 0 ? [...copies, { read: session.client_reference_id! }] : copies;
  });
  const reads = deliveries.filter((step) => 'read' in step).length;
  const random = seededRandom(Number(process.env.PAYMENTS_SEED ?? 12));
  // Shuffle, but keep some copies side by side so they are in flight together.
  for (let i = deliveries.length - 1; i > 0; i--) {
    if (random.chance(0.2)) continue;
    const j = random.int(0, i);
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }

  const outcomes: Record<string, number> = {};
  let redeliveries = 0;
  await inParallel(deliveries, IN_FLIGHT, async (step) => {
    if ('read' in step) {
      const read = await t.http.get(`/v1/checkouts/${step.read}`).set(a.auth);
      if (read.status !== 200 || read.body.status !== 'paid') throw new Error(`read answered ${read.status} ${read.text}`);
      return;
    }
    // As Stripe does, a delivery answered with a retry-me (409 concurrency_conflict when many sales of one
    // client commit at once on a loaded machine, or 503) is delivered again; any other answer fails the test.
    for (let attempt = 1; ; attempt++) {
      const res = await t.http.post(`/v1/webhooks/stripe/${a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(step.webhook, webhookSecret)).send(step.webhook);
      const retryable = (res.status === 409 && res.body.code === 'concurrency_conflict') || res.status === 503;
      if (retryable && attempt < 5) {
        redeliveries++;
        continue;
      }
      if (res.status !== 200) throw new Error(`delivery answered ${res.status} ${res.text}`);
      outcomes[res.body.outcome] = (outcomes[res.body.outcome] ?? 0) + 1;
      break;
    }
  });
  if (redeliveries > 0) console.log(`payments exactly-once: ${redeliveries} deliveries answered retry-me and were delivered again`);
  // A read may have recorded a payment first: then all three deliveries of it found it paid.
  expect(Object.keys(outcomes).sort()).toEqual(['already_paid', 'completed']);
  expect(outcomes.completed + outcomes.already_paid).toBe(CHECKOUTS * COPIES);
  expect(outcomes.completed).toBeGreaterThanOrEqual(CHECKOUTS - reads);
  expect(outcomes.completed).toBeLessThanOrEqual(CHECKOUTS);

  const count = async (sql: string, params: unknown[] = [a.tenantId]) => (await t.db.pool.query(sql, params)).rows[0].n;
  expect(await count(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND type = 'PackagePurchased'`)).toBe(CHECKOUTS);
  expect(await count(`SELECT count(DISTINCT stream_id)::int AS n FROM events WHERE tenant_id = $1 AND type = 'PackagePurchased'`)).toBe(CHECKOUTS);
  expect(await count(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND type = 'CheckoutCompleted'`)).toBe(CHECKOUTS);
  expect(await count(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND type = 'ClientPackageAdded'`)).toBe(CHECKOUTS);
  // Each package belongs to its own checkout's client.
  expect(
    await count(`SELECT count(*)::int AS n FROM events p JOIN events c ON c.type = 'CheckoutStarted' AND c.data->>'packageId' = p.data->>'packageId' AND c.data->>'clientId' = p.data->>'clientId'
                 WHERE p.tenant_id = $1 AND p.type = 'PackagePurchased'`),
  ).toBe(CHECKOUTS);
  expect(await count(`SELECT count(*)::int AS n FROM stripe_webhook_deliveries WHERE tenant_id = $1 AND attempts = ${COPIES}`)).toBe(CHECKOUTS);

  // The read side: 500 card packages, 500 sale entries, a rollforward that reconciles.
  const { rows } = await t.db.pool.query('SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1');
  const { runner } = t.infrastructure;
  expect((await runner.waitUntil(() => runner.hasReached(rows[0]), 30_000)).reached).toBe(true);
  expect(await count(`SELECT count(*)::int AS n FROM read_documents WHERE tenant_id = $1 AND collection = 'packages' AND data->'payment'->>'method' = 'card'`)).toBe(CHECKOUTS);
  expect(await count(`SELECT count(DISTINCT data->>'entryId')::int AS n FROM read_documents WHERE tenant_id = $1 AND collection = 'journal-lines' AND data->>'kind' = 'sale'`)).toBe(CHECKOUTS);
  const report = (
    await t.http
      .get('/v1/reports/liability-rollforward')
      .query({ from: new Date(Date.now() - 86_400_000).toISOString(), to: t.clock.now().toISOString() })
      .set(a.auth)
      .expect(200)
  ).body;
  expect(report.currencies).toEqual([expect.objectContaining({ currency: 'EUR', sales: CHECKOUTS * PRICE.amount, difference: 0 })]);
}, 300_000);

it('a delivery for a checkout this business does not have is answered 200 and logged, nothing appended', async () => {
  const events = await t.eventCount();
  const session = { id: 'cs_test_unknown', object: 'checkout.session', metadata: { punchcard_checkout_id: randomUUID(), punchcard_tenant_id: a.tenantId }, payment_status: 'paid', status: 'complete', payment_intent: 'pi_x', amount_total: 100, currency: 'eur' };
  const payload = stripe.event('checkout.session.completed', session);
  const res = await t.http.post(`/v1/webhooks/stripe/${a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, webhookSecret)).send(payload).expect(200);
  expect(res.body.outcome).toBe('unknown_checkout');
  expect(await t.eventCount()).toBe(events);
});
