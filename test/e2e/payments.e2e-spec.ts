import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { withTenant } from '@punchcard/postgres';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Online purchase with Stripe (ADR 0020, docs/payments.md) on real PostgreSQL. Stripe's servers are
 * replaced by a local STAND-IN (test/support/stripe-stand-in.ts) that the real `stripe` SDK talks to;
 * webhooks are genuinely signed with `stripe.webhooks.generateTestHeaderString`.
 */

let t: TestApp;
let stripe: StripeStandIn;
let a: TenantSession;
let keys: { secretKey: string; webhookSecret: string };
let clientId: string;
let clientEmail: string;
let clientToken: string;
let offeringId: string;

const PRICE = { amount: 54000, currency: 'EUR' };
const RETURN = { successUrl: 'https://studio.example.com/thanks?checkout={CHECKOUT_ID}', cancelUrl: 'https://studio.example.com/offers' };

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url } });
  a = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
  keys = stripe.newAccountKeys();
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(keys).expect(200);
  clientEmail = `ada.${randomUUID()}@example.com`;
  clientId = (await t.http.post('/v1/clients').set(a.auth).send({ name: 'Ada Lovelace', email: clientEmail }).expect(201)).body.id;
  offeringId = await a.createOffering({ name: '6 sessions, 90 days', sessionCount: 6, price: PRICE, validityDays: 90 });
  clientToken = (await t.http.post(`/v1/clients/${clientId}/tokens`).set(a.auth).send({ ttlSeconds: 3600 }).expect(201)).body.token;
});

afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const asClient = () => ({ Authorization: `Bearer ${clientToken}` });

/** A delivery from "Stripe": the payload signed with the secret (default: the business's) at `timestamp` (default: now). */
function deliver(payload: string, options: { secret?: string; timestamp?: number; tenantId?: string; signature?: string | null } = {}) {
  const req = t.http.post(`/v1/webhooks/stripe/${options.tenantId ?? a.tenantId}`).set('Content-Type', 'application/json');
  const signature = options.signature === undefined ? signatureFor(payload, options.secret ?? keys.webhookSecret, options.timestamp) : options.signature;
  return (signature === null ? req : req.set('Stripe-Signature', signature)).send(payload);
}

async function startCheckout(body: object = {}, auth: Record<string, string> = asClient(), path = '/v1/me/checkouts') {
  const res = await t.http.post(path).set(auth).set('Idempotency-Key', `co-${randomUUID()}`).send({ offeringId, ...RETURN, ...body });
  expect(`${res.status} ${res.text}`).toMatch(/^201 /);
  return { checkout: res.body, session: stripe.sessions.get(stripeSessionOf(res.body.id))! };
}

const stripeSessionOf = (checkoutId: string) => [...stripe.sessions.values()].find((s) => s.metadata.punchcard_checkout_id === checkoutId)!.id;

async function eventsOf(type: string, streamPrefix = '') {
  const { rows } = await t.db.pool.query('SELECT stream_id, data, metadata FROM events WHERE type = $1 AND tenant_id = $2 AND stream_id LIKE $3 ORDER BY global_position', [
    type,
    a.tenantId,
    `${streamPrefix}%`,
  ]);
  return rows;
}

async function fingerprint() {
  const { rows } = await t.db.pool.query(
    `SELECT (SELECT count(*)::int FROM events) AS events,
            (SELECT count(*)::int FROM stripe_webhook_deliveries) AS deliveries,
            (SELECT coalesce(sum(attempts), 0)::int FROM stripe_webhook_deliveries) AS attempts`,
  );
  return rows[0];
}

async function caughtUp() {
  const { rows } = await t.db.pool.query('SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1');
  const { runner } = t.infrastructure;
  expect((await runner.waitUntil(() => runner.hasReached(rows[0]), 15_000)).reached).toBe(true);
}

function expectProblem(res: Response, status: number, code: string) {
  expect(`${res.status} ${res.body?.code}`).toBe(`${status} ${code}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

// ---------------------------------------------------------------------------------------------

describe('connecting the business to Stripe', () => {
  it('keeps the secrets encrypted and never shows them; the check calls Stripe with the stored key', async () => {
    const b = await t.newTenant();
    expect((await t.http.get('/v1/payment-settings/stripe').set(b.auth).expect(200)).body).toEqual({ connected: false, webhookPath: `/v1/webhooks/stripe/${b.tenantId}` });
    expectProblem(await t.http.get('/v1/payment-settings/stripe/check').set(b.auth), 409, 'stripe_not_connected');

    const bKeys = stripe.newAccountKeys();
    const connected = await t.http.post('/v1/payment-settings/stripe').set(b.auth).set('Idempotency-Key', randomUUID()).send(bKeys).expect(200);
    const settings = await t.http.get('/v1/payment-settings/stripe').set(b.auth).expect(200);
    for (const text of [connected.text, settings.text]) {
      expect(text).not.toContain(bKeys.secretKey);
      expect(text).not.toContain(bKeys.webhookSecret);
    }
    expect(settings.body).toMatchObject({ connected: true, mode: 'test', secretKeyLast4: bKeys.secretKey.slice(-4), webhookPath: `/v1/webhooks/stripe/${b.tenantId}` });
    expect(connected.body).toEqual(settings.body);

    // At rest: neither secret appears in the row, nor anywhere in the database's stored responses.
    const { rows } = await t.db.pool.query('SELECT * FROM stripe_connections WHERE tenant_id = $1', [b.tenantId]);
    const row = JSON.stringify(rows[0], (_, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v));
    expect(row).not.toContain(bKeys.secretKey.slice(8));
    expect(row).not.toContain(bKeys.webhookSecret.slice(6));
    const stored = await t.db.pool.query('SELECT response_body FROM idempotency_keys WHERE response_body LIKE $1 OR response_body LIKE $2', [`%${bKeys.secretKey}%`, `%${bKeys.webhookSecret}%`]);
    expect(stored.rowCount).toBe(0);

    const check = await t.http.get('/v1/payment-settings/stripe/check').set(b.auth).expect(200);
    expect(check.body).toMatchObject({ ok: true, code: null, accountId: 'acct_1StandInPunchcard' });
    expect(stripe.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/account', apiKey: bKeys.secretKey });

    // Replaced by a key Stripe refuses: the check says so (it is the connection that fails, not the request).
    const refused = { secretKey: `sk_live_${'x'.repeat(30)}`, webhookSecret: 'whsec_replacedreplaced' };
    expect((await t.http.post('/v1/payment-settings/stripe').set(b.auth).send(refused).expect(200)).body).toMatchObject({ mode: 'live', secretKeyLast4: 'xxxx' });
    expect((await t.http.get('/v1/payment-settings/stripe/check').set(b.auth).expect(200)).body).toMatchObject({ ok: false, code: 'stripe_key_refused' });
    stripe.failing = true;
    try {
      await t.http.post('/v1/payment-settings/stripe').set(b.auth).send(bKeys).expect(200);
      expect((await t.http.get('/v1/payment-settings/stripe/check').set(b.auth).expect(200)).body).toMatchObject({ ok: false, code: 'stripe_unavailable' });
    } finally {
      stripe.failing = false;
    }
  });

  it('generated the key that seals them once, where the role serving requests cannot read it', async () => {
    const { rows } = await t.db.pool.query(`SELECT length(secret) AS length FROM signing_secrets WHERE id = 'payment-secrets'`);
    expect(rows).toEqual([{ length: 43 }]); // 32 random bytes, base64url
    await expect(withTenant(a.tenantId, () => t.infrastructure.pool.query('SELECT secret FROM signing_secrets'))).rejects.toThrow(/permission denied/);
    // Requests see their own business's sealed secrets only (row-level security).
    const other = await t.newTenant();
    const seen = await withTenant(other.tenantId, () => t.infrastructure.pool.query('SELECT tenant_id FROM stripe_connections'));
    expect(seen.rows.map((r: any) => r.tenant_id)).not.toContain(a.tenantId);
  });

  it('refuses malformed secrets with 400 and keeps the connection it had', async () => {
    const before = (await t.http.get('/v1/payment-settings/stripe').set(a.auth).expect(200)).body;
    for (const body of [{ secretKey: 'pk_test_abcdefgh12345', webhookSecret: keys.webhookSecret }, { secretKey: keys.secretKey, webhookSecret: 'nope' }, { secretKey: keys.secretKey }, {}]) {
      expectProblem(await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(body), 400, 'validation_failed');
    }
    expect((await t.http.get('/v1/payment-settings/stripe').set(a.auth).expect(200)).body).toEqual(before);
  });
});

describe('a client buys a package online', () => {
  it('walks through: checkout → Stripe page → webhook → paid, with the package and its credits', async () => {
    const key = `buy-${randomUUID()}`;
    const res = await t.http.post('/v1/me/checkouts').set(asClient()).set('Idempotency-Key', key).send({ offeringId, ...RETURN }).expect(201);
    const checkout = res.body;
    expect(checkout).toMatchObject({ status: 'open', clientId, offeringId, credits: 6, price: PRICE, amountPaid: null, packageId: null });
    expect(checkout.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(Date.parse(checkout.expiresAt)).toBeGreaterThan(Date.now());
    expect(res.headers.location).toBe(`/v1/me/checkouts/${checkout.id}`);

    // What Stripe was asked for: a payment-mode session at the frozen price, the email prefilled, our ids, an idempotency key of ours.
    const created = stripe.requests.find((r) => r.method === 'POST' && r.params.client_reference_id === checkout.id)!;
    expect(created).toMatchObject({ path: '/v1/checkout/sessions', apiKey: keys.secretKey, idempotencyKey: `checkout-${checkout.id}` });
    expect(created.params).toMatchObject({
      mode: 'payment',
      adaptive_pricing: { enabled: 'false' }, // charged in the business's currency, never converted
      customer_email: clientEmail,
      success_url: `https://studio.example.com/thanks?checkout=${checkout.id}`,
      cancel_url: RETURN.cancelUrl,
      metadata: { punchcard_tenant_id: a.tenantId, punchcard_checkout_id: checkout.id },
      line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '54000', product_data: { name: '6 sessions, 90 days' } } }],
    });

    // The same request again (a retry): the stored answer, no second session.
    const sessionsBefore = stripe.sessions.size;
    expect((await t.http.post('/v1/me/checkouts').set(asClient()).set('Idempotency-Key', key).send({ offeringId, ...RETURN }).expect(201)).body.id).toBe(checkout.id);
    expect(stripe.sessions.size).toBe(sessionsBefore);

    // Not paid yet: open (the read asked Stripe, which says so).
    expect((await t.http.get(`/v1/me/checkouts/${checkout.id}`).set(asClient()).expect(200)).body.status).toBe('open');

    const paid = stripe.pay(stripeSessionOf(checkout.id));
    const payload = stripe.event('checkout.session.completed', paid);
    const delivered = await deliver(payload).expect(200);
    expect(delivered.body).toMatchObject({ received: true, outcome: 'completed' });

    const paidRead = await t.http.get(`/v1/me/checkouts/${checkout.id}`).set(asClient()).expect(200);
    const read = paidRead.body;
    expect(read).toMatchObject({ status: 'paid', amountPaid: PRICE, url: null });
    expect(read.packageId).toMatch(/^[0-9a-f-]{36}$/);

    // One append: CheckoutCompleted, PackagePurchased (card, the PaymentIntent), the client's index and the payment's link, in one transaction.
    const { rows } = await t.db.pool.query(`SELECT type, stream_id, transaction_id::text AS tx, data FROM events WHERE metadata->>'correlationId' = $1 AND type <> 'CheckoutStarted' ORDER BY stream_id`, [checkout.id]);
    expect(rows.map((r) => r.type).sort()).toEqual(['CardPaymentLinked', 'CheckoutCompleted', 'ClientPackageAdded', 'PackagePurchased']);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
    const purchased = rows.find((r) => r.type === 'PackagePurchased')!.data;
    expect(purchased).toMatchObject({ packageId: read.packageId, clientId, offeringId, credits: 6, price: PRICE, payment: { method: 'card', reference: paid.payment_intent } });

    // The success page shows the credits at once: the checkout's Punchcard-Position makes the package read wait for its sale.
    const position = paidRead.headers['punchcard-position'];
    expect(position).toMatch(/^\d+-\d+$/);
    const pkg = (await t.http.get(`/v1/me/packages/${read.packageId}`).query({ after: position }).set(asClient()).expect(200)).body;
    expect(pkg).toMatchObject({ id: read.packageId, creditsRemaining: 6 });

    // Stripe delivers it again: 200, nothing changes, the log counts the attempt.
    const before = await t.eventCount();
    expect((await deliver(payload).expect(200)).body.outcome).toBe('already_paid');
    expect(await t.eventCount()).toBe(before);
    const eventId = JSON.parse(payload).id;
    const log = (await t.http.get('/v1/payment-settings/stripe/deliveries').set(a.auth).expect(200)).body.items.find((d: any) => d.eventId === eventId);
    expect(log).toMatchObject({ type: 'checkout.session.completed', checkoutId: checkout.id, attempts: 2, outcome: 'already_paid' });
  });

  it('staff start a checkout for a client; a read confirms the payment with Stripe before the webhook arrives', async () => {
    const { checkout, session } = await startCheckout({ clientId }, a.auth, '/v1/checkouts');
    const paid = stripe.pay(session.id);
    const read = (await t.http.get(`/v1/checkouts/${checkout.id}`).set(a.auth).expect(200)).body;
    expect(read).toMatchObject({ status: 'paid', amountPaid: PRICE });
    const sold = await eventsOf('PackagePurchased', `package-${read.packageId}`);
    expect(sold).toHaveLength(1);
    expect(sold[0].metadata.actor).toEqual({ id: 'system:checkout-confirmation', role: 'system' });

    // The webhook, late: recognised, not applied again.
    expect((await deliver(stripe.event('checkout.session.completed', paid)).expect(200)).body.outcome).toBe('already_paid');
    expect(await eventsOf('PackagePurchased', `package-${read.packageId}`)).toHaveLength(1);
  });

  it('a read of an open checkout asks Stripe: an expired session expires it; Stripe not answering leaves it open (200)', async () => {
    const abandoned = await startCheckout();
    stripe.expire(abandoned.session.id);
    expect((await t.http.get(`/v1/me/checkouts/${abandoned.checkout.id}`).set(asClient()).expect(200)).body).toMatchObject({ status: 'expired', url: null });

    const pending = await startCheckout();
    stripe.pay(pending.session.id);
    stripe.failing = true;
    try {
      expect((await t.http.get(`/v1/me/checkouts/${pending.checkout.id}`).set(asClient()).expect(200)).body).toMatchObject({ status: 'open', packageId: null });
    } finally {
      stripe.failing = false;
    }
    expect((await t.http.get(`/v1/me/checkouts/${pending.checkout.id}`).set(asClient()).expect(200)).body.status).toBe('paid');
  });

  it('honours what was paid when the price changed between checkout and payment', async () => {
    const { checkout, session } = await startCheckout();
    await t.http.patch(`/v1/offerings/${offeringId}`).set(a.auth).send({ price: { amount: 60000, currency: 'EUR' } }).expect(200);
    try {
      // Stripe charges the session's amount (frozen at 540.00), whatever the offering costs now.
      await deliver(stripe.event('checkout.session.completed', stripe.pay(session.id))).expect(200);
      const read = (await t.http.get(`/v1/me/checkouts/${checkout.id}`).set(asClient()).expect(200)).body;
      expect(read).toMatchObject({ status: 'paid', price: PRICE, amountPaid: PRICE });
      expect((await eventsOf('PackagePurchased', `package-${read.packageId}`))[0].data.price).toEqual(PRICE);

      // And a session Stripe charged less for (a promotion code): the package records that amount.
      const discounted = await startCheckout();
      await deliver(stripe.event('checkout.session.completed', stripe.pay(discounted.session.id, { amountTotal: 50000 }))).expect(200);
      const cheaper = (await t.http.get(`/v1/me/checkouts/${discounted.checkout.id}`).set(asClient()).expect(200)).body;
      expect(cheaper).toMatchObject({ price: { amount: 60000, currency: 'EUR' }, amountPaid: { amount: 50000, currency: 'EUR' } });
      expect((await eventsOf('PackagePurchased', `package-${cheaper.packageId}`))[0].data.price).toEqual({ amount: 50000, currency: 'EUR' });
    } finally {
      await t.http.patch(`/v1/offerings/${offeringId}`).set(a.auth).send({ price: PRICE }).expect(200);
    }
  });

  it('follows an asynchronous payment: completed unpaid, then succeeded; another fails; another expires', async () => {
    const slow = await startCheckout();
    expect((await deliver(stripe.event('checkout.session.completed', stripe.completeUnpaid(slow.session.id))).expect(200)).body.outcome).toBe('awaiting_payment');
    expect((await t.http.get(`/v1/me/checkouts/${slow.checkout.id}`).set(asClient()).expect(200)).body.status).toBe('open');
    const cleared = { ...stripe.pay(slow.session.id) };
    expect((await deliver(stripe.event('checkout.session.async_payment_succeeded', cleared)).expect(200)).body.outcome).toBe('completed');
    expect((await t.http.get(`/v1/me/checkouts/${slow.checkout.id}`).set(asClient()).expect(200)).body.status).toBe('paid');

    const bounced = await startCheckout();
    const unpaid = stripe.completeUnpaid(bounced.session.id);
    expect((await deliver(stripe.event('checkout.session.async_payment_failed', unpaid)).expect(200)).body.outcome).toBe('failed');
    expect((await t.http.get(`/v1/me/checkouts/${bounced.checkout.id}`).set(asClient()).expect(200)).body).toMatchObject({ status: 'failed', packageId: null });

    const abandoned = await startCheckout();
    expect((await deliver(stripe.event('checkout.session.expired', stripe.expire(abandoned.session.id))).expect(200)).body.outcome).toBe('expired');
    expect((await t.http.get(`/v1/me/checkouts/${abandoned.checkout.id}`).set(asClient()).expect(200)).body).toMatchObject({ status: 'expired', url: null });
    const sold = await t.db.pool.query(`SELECT 1 FROM events WHERE type = 'PackagePurchased' AND metadata->>'correlationId' = ANY($1)`, [[bounced.checkout.id, abandoned.checkout.id]]);
    expect(sold.rowCount).toBe(0);
  });
});

describe('webhooks that must change nothing', () => {
  let payload: string;
  let checkoutId: string;

  beforeAll(async () => {
    const { checkout, session } = await startCheckout();
    checkoutId = checkout.id;
    payload = stripe.event('checkout.session.completed', stripe.pay(session.id));
  });

  it.each([
    ['a tampered body', () => deliver(payload.replace('"amount_total": 54000', '"amount_total": 1'), { signature: signatureFor(payload, keys.webhookSecret) })],
    ['the wrong secret', () => deliver(payload, { secret: 'whsec_notthebusinesssecret' })],
    ['a stale timestamp (outside the 300 s tolerance)', () => deliver(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 })],
    ['no signature', () => deliver(payload, { signature: null })],
    ['a garbage signature', () => deliver(payload, { signature: 't=1,v1=abc' })],
  ])('%s: 400 invalid_signature, nothing written', async (_, send) => {
    const before = await fingerprint();
    expectProblem(await send(), 400, 'invalid_signature');
    expect(await fingerprint()).toEqual(before);
  });

  it('a body that is not JSON: 400, nothing written', async () => {
    const before = await fingerprint();
    expectProblem(await deliver('{"id": "evt_1", '), 400, 'malformed_json');
    expect(await fingerprint()).toEqual(before);
  });

  it('an unknown tenant, or one not connected to Stripe: 404, nothing written', async () => {
    const before = await fingerprint();
    expectProblem(await deliver(payload, { tenantId: randomUUID() }), 404, 'stripe_webhook_not_found');
    expectProblem(await deliver(payload, { tenantId: 'not-a-tenant' }), 404, 'stripe_webhook_not_found');
    const unconnected = await t.newTenant();
    expectProblem(await deliver(payload, { tenantId: unconnected.tenantId }), 404, 'stripe_webhook_not_found');
    expect(await fingerprint()).toEqual(before);
  });

  it('an event type Punchcard does not act on: 200, logged as ignored, no event appended', async () => {
    const events = await t.eventCount();
    const other = stripe.event('customer.created', { id: 'cus_123', object: 'customer' });
    expect((await deliver(other).expect(200)).body).toMatchObject({ received: true, outcome: 'ignored' });
    expect(await t.eventCount()).toBe(events);
    const items = (await t.http.get('/v1/payment-settings/stripe/deliveries?limit=100').set(a.auth).expect(200)).body.items;
    expect(items.find((d: any) => d.eventId === JSON.parse(other).id)).toMatchObject({ type: 'customer.created', outcome: 'ignored', attempts: 1 });
  });

  it('a session of another business on the same Stripe account is not acted on', async () => {
    const events = await t.eventCount();
    const foreign = JSON.parse(payload);
    foreign.id = `evt_${randomUUID().replace(/-/g, '')}`;
    foreign.data.object.metadata.punchcard_tenant_id = randomUUID();
    expect((await deliver(JSON.stringify(foreign)).expect(200)).body.outcome).toBe('other_tenant');
    expect(await t.eventCount()).toBe(events);
  });

  it('the genuine delivery still completes the checkout afterwards', async () => {
    expect((await deliver(payload).expect(200)).body.outcome).toBe('completed');
    expect((await t.http.get(`/v1/me/checkouts/${checkoutId}`).set(asClient()).expect(200)).body.status).toBe('paid');
  });
});

describe('secrets sealed under another key', () => {
  it('answer 503 stripe_secrets_unreadable (never 500) until an admin connects again; then deliveries verify', async () => {
    const b = await t.newTenant();
    const bKeys = stripe.newAccountKeys();
    await t.http.post('/v1/payment-settings/stripe').set(b.auth).send(bKeys).expect(200);
    // Another business's ciphertext: sealed for another tenant (the tenant is bound into the seal), as if under another key.
    await t.db.pool.query('UPDATE stripe_connections SET secret_key_ciphertext = (SELECT secret_key_ciphertext FROM stripe_connections WHERE tenant_id = $1) WHERE tenant_id = $2', [a.tenantId, b.tenantId]);
    const payload = stripe.event('checkout.session.expired', { id: 'cs_x', object: 'checkout.session', metadata: {} });
    const res = await t.http.post(`/v1/webhooks/stripe/${b.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, bKeys.webhookSecret)).send(payload);
    expectProblem(res, 503, 'stripe_secrets_unreadable');
    expect(res.headers['retry-after']).toBeDefined();
    expectProblem(await t.http.get('/v1/payment-settings/stripe/check').set(b.auth), 503, 'stripe_secrets_unreadable');
    await t.http.post('/v1/payment-settings/stripe').set(b.auth).send(bKeys).expect(200);
    const again = await t.http.post(`/v1/webhooks/stripe/${b.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(payload, bKeys.webhookSecret)).send(payload);
    expect(again.status).toBe(200);
  });
});

describe('the delivery log', () => {
  it('pages newest first with a cursor; a made-up cursor or a bad limit is 400', async () => {
    for (let i = 0; i < 3; i++) await deliver(stripe.event('customer.updated', { id: `cus_${i}`, object: 'customer' })).expect(200);
    const all = (await t.http.get('/v1/payment-settings/stripe/deliveries?limit=100').set(a.auth).expect(200)).body.items;
    const first = (await t.http.get('/v1/payment-settings/stripe/deliveries?limit=2').set(a.auth).expect(200)).body;
    expect(first.items).toEqual(all.slice(0, 2));
    const second = (await t.http.get('/v1/payment-settings/stripe/deliveries').query({ limit: 2, cursor: first.nextCursor }).set(a.auth).expect(200)).body;
    expect(second.items).toEqual(all.slice(2, 4));
    const received = all.map((d: any) => d.firstReceivedAt);
    expect(received).toEqual([...received].sort().reverse());
    // A cursor of the right shape naming a date that does not exist (it reached the database's cast once: a 500).
    const impossible = Buffer.from(JSON.stringify(['2024-13-45T99:99:99.000000', 'evt_1'])).toString('base64url');
    for (const query of [{ cursor: 'bm90LWEtY3Vyc29y' }, { cursor: 'a b' }, { cursor: impossible }, { limit: 0 }, { limit: 101 }, { limit: 'x' }, { other: 1 }]) {
      expectProblem(await t.http.get('/v1/payment-settings/stripe/deliveries').query(query).set(a.auth), 400, 'validation_failed');
    }
  });
});

describe('checkouts that are refused', () => {
  it('an offering that cannot be sold, an unknown one, another client’s checkout: 4xx, no Stripe session, nothing appended', async () => {
    const paused = await a.createOffering({ name: 'Paused', status: 'active' });
    await t.http.patch(`/v1/offerings/${paused}`).set(a.auth).send({ status: 'paused' }).expect(200);
    const events = await t.eventCount();
    const sessions = stripe.sessions.size;
    expectProblem(await t.http.post('/v1/me/checkouts').set(asClient()).send({ offeringId: paused, ...RETURN }), 409, 'offering_not_active');
    expectProblem(await t.http.post('/v1/me/checkouts').set(asClient()).send({ offeringId: randomUUID(), ...RETURN }), 422, 'unknown_offering');
    expectProblem(await t.http.post('/v1/checkouts').set(a.auth).send({ offeringId, clientId: randomUUID(), ...RETURN }), 422, 'unknown_client');
    expectProblem(await t.http.post('/v1/me/checkouts').set(asClient()).send({ offeringId, successUrl: 'javascript:alert(1)', cancelUrl: RETURN.cancelUrl }), 400, 'validation_failed');
    expect(await t.eventCount()).toBe(events);
    expect(stripe.sessions.size).toBe(sessions);

    const other = await a.createClient('Other client');
    const otherToken = (await t.http.post(`/v1/clients/${other}/tokens`).set(a.auth).send({}).expect(201)).body.token;
    const { checkout } = await startCheckout();
    expectProblem(await t.http.get(`/v1/me/checkouts/${checkout.id}`).set({ Authorization: `Bearer ${otherToken}` }), 404, 'checkout_not_found');
    expectProblem(await t.http.get(`/v1/checkouts/${randomUUID()}`).set(a.auth), 404, 'checkout_not_found');
  });

  it('a business not connected to Stripe, or Stripe unreachable: a clear code and nothing appended', async () => {
    const b = await t.newTenant({ currency: 'EUR' });
    const bClient = await b.createClient();
    const bOffering = await b.createOffering({ price: PRICE });
    expectProblem(await t.http.post('/v1/checkouts').set(b.auth).send({ offeringId: bOffering, clientId: bClient, ...RETURN }), 409, 'stripe_not_connected');

    const events = await t.eventCount();
    stripe.failing = true;
    try {
      const res = await t.http.post('/v1/checkouts').set(a.auth).send({ offeringId, clientId, ...RETURN });
      expectProblem(res, 503, 'stripe_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      stripe.failing = false;
    }
    expect(await t.eventCount()).toBe(events);
  });
});

describe('accounting', () => {
  it('card sales are sales in the journal and the rollforward, which still reconciles', async () => {
    await caughtUp();
    const sold = await eventsOf('PackagePurchased');
    const card = sold.filter((e) => e.data.payment.method === 'card');
    expect(card.length).toBeGreaterThan(0);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = t.clock.now().toISOString();
    const report = (await t.http.get('/v1/reports/liability-rollforward').query({ from, to }).set(a.auth).expect(200)).body;
    const eur = report.currencies.find((c: any) => c.currency === 'EUR');
    expect(eur.sales).toBe(card.reduce((sum, e) => sum + e.data.price.amount, 0));
    expect(eur.difference).toBe(0);
  });
});
