import { DateTime } from 'luxon';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { WebhookScheduler } from '../../apps/api/src/outbound-webhooks/webhook-scheduler';
import { Config } from '@punchcard/platform';
import { APP_CONFIG } from '../../apps/api/src/tokens';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';
import { planEverything, verifyWebhook, WebhookReceiver } from '../support/webhook-receiver';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ALL_KINDS = ['package.purchased', 'package.credits_low', 'package.expired', 'booking.created', 'booking.cancelled'];
const NY = 'America/New_York';
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];

/**
 * Outbound webhooks against a real local HTTP server (ADR 0024). The app allows http and loopback
 * here (configuration), with N = 3 failures in a row disabling an endpoint; the clock is moved, never
 * waited for; the scheduler is off and each round (plan, then send) is run by the test.
 */
describe('Outbound webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let round: () => Promise<{ planned: number; sent: number }>;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await createTestApp({ config: { webhooks: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000, disableAfter: 3, intervalMs: 5000 } } });
    // One scheduler round (plan, then send), once the planner has read every event written so far.
    round = async () => {
      const planned = await planEverything(t);
      const more = await t.app.get(WebhookScheduler).runOnce();
      return { planned: planned + more.planned, sent: more.sent };
    };
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.clear());

  const subscribe = async (tenant: TenantSession, body: Record<string, unknown> = {}) => {
    const res = await t.http.post('/v1/webhook-endpoints').set(tenant.auth).send({ url: receiver.url, events: ALL_KINDS, ...body }).expect(201);
    return res.body as { id: string; secret: string; url: string; events: string[]; enabled: boolean };
  };
  const deliveries = async (tenant: TenantSession, endpointId: string): Promise<any[]> =>
    (await t.http.get(`/v1/webhook-endpoints/${endpointId}/deliveries`).set(tenant.auth).expect(200)).body.items;
  const receivedBy = (tenant: TenantSession) => receiver.received.filter((r) => r.json?.businessId === tenant.tenantId);
  const attemptsRecorded = async (): Promise<{ delivery_id: string; n: number }[]> =>
    (await t.db.pool.query('SELECT delivery_id, count(*)::int AS n FROM webhook_delivery_attempts GROUP BY delivery_id')).rows;

  it('creates, lists, gets, updates, rotates and deletes an endpoint; the secret shows only when made', async () => {
    const studio = await t.newTenant();
    const created = await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url: receiver.url, events: ['package.purchased', 'package.purchased'], description: 'CRM' }).expect(201);
    expect(created.headers.location).toBe(`/v1/webhook-endpoints/${created.body.id}`);
    expect(created.body).toMatchObject({ url: receiver.url, events: ['package.purchased'], description: 'CRM', enabled: true, disabledReason: null });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = created.body.id;

    const listed = await t.http.get('/v1/webhook-endpoints').set(studio.auth).expect(200);
    expect(listed.body.items.map((e: any) => e.id)).toEqual([id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const got = await t.http.get(`/v1/webhook-endpoints/${id}`).set(studio.auth).expect(200);
    expect(got.body.secret).toBeUndefined();

    const patched = await t.http.patch(`/v1/webhook-endpoints/${id}`).set(studio.auth).send({ events: ['booking.created', 'package.expired'], description: null, enabled: false }).expect(200);
    expect(patched.body).toMatchObject({ events: ['booking.created', 'package.expired'], description: null, enabled: false, disabledReason: 'admin' });

    const rotated = await t.http.post(`/v1/webhook-endpoints/${id}/secret-rotations`).set(studio.auth).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    // Another business sees none of it.
    const other = await t.newTenant();
    expect((await t.http.get(`/v1/webhook-endpoints/${id}`).set(other.auth).expect(404)).body.code).toBe('webhook_endpoint_not_found');
    expect((await t.http.get('/v1/webhook-endpoints').set(other.auth).expect(200)).body.items).toEqual([]);
    await t.http.delete(`/v1/webhook-endpoints/${id}`).set(other.auth).expect(404);

    await t.http.delete(`/v1/webhook-endpoints/${id}`).set(studio.auth).expect(204);
    await t.http.get(`/v1/webhook-endpoints/${id}`).set(studio.auth).expect(404);
    await t.http.delete(`/v1/webhook-endpoints/${id}`).set(studio.auth).expect(404);
  });

  it('refuses a 26th endpoint (409 webhook_endpoint_limit_reached)', async () => {
    const studio = await t.newTenant();
    for (let i = 0; i < 25; i++) await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url: `${receiver.url}/${i}`, events: ['package.expired'] }).expect(201);
    const refused = await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url: receiver.url, events: ['package.expired'] }).expect(409);
    expect(refused.body.code).toBe('webhook_endpoint_limit_reached');
    expect((await t.http.get('/v1/webhook-endpoints').set(studio.auth).expect(200)).body.items).toHaveLength(25);
  });

  it('POST under an Idempotency-Key creates one endpoint; the replay answers without the secret', async () => {
    const studio = await t.newTenant();
    const body = { url: receiver.url, events: ['package.expired'] };
    const first = await t.http.post('/v1/webhook-endpoints').set(studio.auth).set('Idempotency-Key', 'hooks-1').send(body).expect(201);
    const again = await t.http.post('/v1/webhook-endpoints').set(studio.auth).set('Idempotency-Key', 'hooks-1').send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(first.body.secret).toMatch(/^whsec_/);
    expect(again.body.secret).toBeUndefined();
    expect((await t.http.get('/v1/webhook-endpoints').set(studio.auth).expect(200)).body.items).toHaveLength(1);
    const other = await t.http.post('/v1/webhook-endpoints').set(studio.auth).set('Idempotency-Key', 'hooks-1').send({ ...body, events: ['package.purchased'] });
    expect(other.status).toBe(422);
  });

  it('delivers package.purchased signed (t=…,v1=…) with the event id header and ids-only payload', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio);
    const clientId = await studio.createClient('Ada Lovelace');
    const offeringId = await studio.createOffering({ sessionCount: 6 });
    const sold = await studio.sellPackage(offeringId, clientId);

    expect(await round()).toEqual({ planned: 1, sent: 1 });
    expect(receiver.received).toHaveLength(1);
    const [hit] = receiver.received;
    expect(verifyWebhook(endpoint.secret, hit.body, hit.headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(true);
    expect(verifyWebhook(endpoint.secret, hit.body.replace('6', '7'), hit.headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(false);
    expect(verifyWebhook(endpoint.secret, hit.body, hit.headers['punchcard-signature'] as string, t.clock.now().getTime() + 10 * MINUTE)).toBe(false); // too old
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['punchcard-event-type']).toBe('package.purchased');
    expect(hit.headers['punchcard-event-id']).toBe(hit.json.id);
    expect(hit.json).toEqual({
      id: expect.any(String),
      type: 'package.purchased',
      createdAt: sold.purchasedAt,
      businessId: studio.tenantId,
      data: { packageId: sold.id, clientId, offeringId, offeringName: '6 sessions, 90 days', credits: 6, price: { amount: 54000, currency: 'USD' }, purchasedAt: sold.purchasedAt, expiresAt: sold.expiresAt },
    });
    expect(hit.body).not.toContain('Ada');
    const { rows } = await t.db.pool.query('SELECT event_id FROM events WHERE type = $1 AND data->>$2 = $3', ['PackagePurchased', 'packageId', sold.id]);
    expect(hit.json.id).toBe(rows[0].event_id);

    const [logged] = await deliveries(studio, endpoint.id);
    expect(logged).toMatchObject({ eventId: hit.json.id, eventType: 'package.purchased', status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    const detail = await t.http.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${logged.id}`).set(studio.auth).expect(200);
    expect(detail.body.payload).toEqual(hit.json);
    expect(detail.body.attemptLog).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded', statusCode: 200, manual: false, error: null })]);

    expect(await round()).toEqual({ planned: 0, sent: 0 }); // nothing twice
  });

  it('sends package.credits_low once when one credit is left, and package.expired', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.credits_low', 'package.expired'] });
    const clientId = await studio.createClient();
    const sold = await studio.sellPackage(await studio.createOffering({ sessionCount: 3, validityDays: 10 }), clientId);
    const redeem = () => t.http.post(`/v1/packages/${sold.id}/redemptions`).set(studio.auth).send({}).expect(201);
    await redeem(); // 2 left
    await round();
    expect(receiver.received).toHaveLength(0);
    await redeem(); // 1 left: low
    await t.http.post(`/v1/packages/${sold.id}/adjustments`).set(studio.auth).send({ delta: 2, reason: 'goodwill' }).expect(201); // 3 left
    await t.http.post(`/v1/packages/${sold.id}/adjustments`).set(studio.auth).send({ delta: -2, reason: 'correction' }).expect(201); // 1 left: low again
    await round();
    expect(receiver.received.map((r) => [r.json.type, r.json.data.creditsRemaining])).toEqual([
      ['package.credits_low', 1],
      ['package.credits_low', 1],
    ]);
    expect(receiver.received[0].json.data).toEqual({ packageId: sold.id, clientId, offeringId: sold.offeringId, creditsRemaining: 1, creditsTotal: 3, threshold: 1, expiresAt: sold.expiresAt });

    receiver.clear();
    t.clock.advance(11 * 24 * HOUR);
    expect(await t.app.get(ExpirySweep).run()).toBe(1);
    await round();
    expect(receiver.received.map((r) => r.json.type)).toEqual(['package.expired']);
    expect(receiver.received[0].json.data).toEqual({ packageId: sold.id, clientId, offeringId: sold.offeringId, expiresAt: sold.expiresAt, creditsForfeited: 1 });
    expect(verifyWebhook(endpoint.secret, receiver.received[0].body, receiver.received[0].headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(true);
  });

  it('sends booking.created and booking.cancelled', async () => {
    const studio = await t.newTenant({ timezone: NY });
    await subscribe(studio, { events: ['booking.created', 'booking.cancelled'] });
    const sessionTypeId = (await t.http.post('/v1/session-types').set(studio.auth).send({ name: 'PT', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } }).expect(201)).body.id;
    const weekly = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, NINE_TO_FIVE]));
    const scheduleId = (await t.http.post('/v1/schedules').set(studio.auth).send({ host: 'Coach', timezone: NY, weeklyHours: weekly, sessionTypeIds: [sessionTypeId] }).expect(201)).body.id;
    const offeringId = await studio.createOffering({ sessionCount: 3, scheduleId, sessionTypeIds: [sessionTypeId] });
    const clientId = await studio.createClient();
    const sold = await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
    await t.http.get('/v1/bookings').query({ after: sold.headers['punchcard-position'], limit: 1 }).set(studio.auth).expect(200);
    const start = DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 3 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;
    const booked = await t.http.post('/v1/bookings').set(studio.auth).send({ clientId, scheduleId, sessionTypeId, start }).expect(201);
    await t.http.post(`/v1/bookings/${booked.body.id}/cancellations`).set(studio.auth).send({ reason: 'Ada is ill' }).expect(201);
    await round();
    // One batch is sent in parallel: receivers get no ordering guarantee, so order by createdAt here.
    receiver.received.sort((a, b) => a.json.createdAt.localeCompare(b.json.createdAt));
    expect(receiver.received.map((r) => r.json.type)).toEqual(['booking.created', 'booking.cancelled']);
    const ref = { bookingId: booked.body.id, clientId, packageId: sold.body.id, offeringId, scheduleId, sessionTypeId };
    expect(receiver.received[0].json.data).toEqual({ ...ref, start: booked.body.start, end: booked.body.end });
    expect(receiver.received[1].json.data).toEqual({ ...ref, start: booked.body.start, late: false, creditOutcome: 'returned' });
    expect(receiver.received[1].body).not.toContain('ill'); // free-text reasons stay out
  });

  it('plans only what an endpoint asked for, from when it was enabled, for its own business', async () => {
    const studio = await t.newTenant();
    const other = await t.newTenant();
    const clientId = await studio.createClient();
    const offeringId = await studio.createOffering();
    await studio.sellPackage(offeringId, clientId); // before the endpoint existed
    await subscribe(other); // another business's endpoint
    const endpoint = await subscribe(studio, { events: ['package.expired'] });
    await studio.sellPackage(offeringId, clientId); // a kind it did not ask for
    expect(await round()).toEqual({ planned: 0, sent: 0 });

    await t.http.patch(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).send({ enabled: false, events: ['package.purchased'] }).expect(200);
    await studio.sellPackage(offeringId, clientId); // while disabled
    t.clock.advance(1000);
    await t.http.patch(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).send({ enabled: true }).expect(200);
    const last = await studio.sellPackage(offeringId, clientId);
    expect(await round()).toEqual({ planned: 1, sent: 1 });
    expect(receiver.received.map((r) => r.json.data.packageId)).toEqual([last.id]);
  });

  it('retries with backoff (non-2xx, timeout, connection refused), then succeeds; a manual redelivery sends again', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    await studio.sellPackage(await studio.createOffering(), await studio.createClient());
    receiver.respondWith(500);
    expect(await round()).toMatchObject({ planned: 1, sent: 1 });
    let [delivery] = await deliveries(studio, endpoint.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'the endpoint answered 500' });
    expect(Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.lastAttemptAt)).toBe(1 * MINUTE);

    // Not due yet: nothing is sent before the backoff has passed.
    t.clock.advance(59_000);
    expect((await round()).sent).toBe(0);
    t.clock.advance(1000);
    receiver.hang();
    expect((await round()).sent).toBe(1); // the server never answers: the 1 s limit ends the call
    [delivery] = await deliveries(studio, endpoint.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: null, lastError: 'no answer within 1000 ms' });
    expect(Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.lastAttemptAt)).toBe(5 * MINUTE);

    t.clock.advance(5 * MINUTE);
    expect((await round()).sent).toBe(1);
    [delivery] = await deliveries(studio, endpoint.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
    const ids = new Set(receiver.received.map((r) => r.headers['punchcard-event-id']));
    expect(ids.size).toBe(1); // every attempt carries the same event id
    expect(receiver.received.map((r) => r.headers['punchcard-delivery-attempt'])).toEqual(['1', '2', '3']);

    receiver.clear();
    const redelivered = await t.http.post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliveries`).set(studio.auth).expect(202);
    expect(redelivered.body).toMatchObject({ status: 'pending', attempts: 3 });
    expect((await round()).sent).toBe(1);
    expect(receiver.received.map((r) => r.headers['punchcard-event-id'])).toEqual([...ids]);
    const detail = (await t.http.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}`).set(studio.auth).expect(200)).body;
    expect(detail.attemptLog.map((a: any) => [a.attempt, a.outcome, a.statusCode, a.manual])).toEqual([
      [1, 'failed', 500, false],
      [2, 'failed', null, false],
      [3, 'succeeded', 200, false],
      [4, 'succeeded', 200, true],
    ]);
    expect(detail.status).toBe('delivered');

    // A connection that is refused is a failure too (an endpoint whose server is gone).
    const gone = await WebhookReceiver.start();
    const goneUrl = gone.url;
    await gone.close();
    const dead = await subscribe(studio, { url: goneUrl, events: ['package.purchased'] });
    await studio.sellPackage(await studio.createOffering(), await studio.createClient());
    await round();
    const [failed] = await deliveries(studio, dead.id);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(failed.lastError).toMatch(/^connection failed: ECONNREFUSED/);
    await t.http.delete(`/v1/webhook-endpoints/${dead.id}`).set(studio.auth).expect(204);
  });

  it('disables an endpoint after 3 failed attempts in a row; redelivery is refused until it is enabled again', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    await studio.sellPackage(await studio.createOffering(), await studio.createClient());
    receiver.respondWith(503, 503, 503);
    await round();
    t.clock.advance(1 * MINUTE);
    await round();
    let view = (await t.http.get(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).expect(200)).body;
    expect(view).toMatchObject({ enabled: true, consecutiveFailures: 2 });
    t.clock.advance(5 * MINUTE);
    await round();
    view = (await t.http.get(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).expect(200)).body;
    expect(view).toMatchObject({ enabled: false, disabledReason: 'failing', consecutiveFailures: 3 });

    // Nothing more goes out while it is off, however much time passes.
    t.clock.advance(48 * HOUR);
    expect((await round()).sent).toBe(0);
    const [delivery] = await deliveries(studio, endpoint.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 3 });
    const refused = await t.http.post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliveries`).set(studio.auth).expect(409);
    expect(refused.body.code).toBe('webhook_endpoint_disabled');
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);

    receiver.clear();
    view = (await t.http.patch(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).send({ enabled: true }).expect(200)).body;
    expect(view).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    await round();
    expect(receiver.received).toHaveLength(1);
    expect((await deliveries(studio, endpoint.id))[0]).toMatchObject({ status: 'delivered', attempts: 4 });
  });

  it('holds deliveries of events while an endpoint is switched off for failing; re-enabled, it sends those under 72 h old and lists older ones as expired (redeliverable)', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    const offeringId = await studio.createOffering();
    const clientId = await studio.createClient();
    await studio.sellPackage(offeringId, clientId);
    receiver.respondWith(503, 503, 503);
    await round();
    t.clock.advance(1 * MINUTE);
    await round();
    t.clock.advance(5 * MINUTE);
    await round();
    expect((await t.http.get(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).expect(200)).body).toMatchObject({ enabled: false, disabledReason: 'failing' });

    // While it is off: events are planned and held, nothing is sent.
    receiver.clear();
    const old = await studio.sellPackage(offeringId, clientId);
    expect(await round()).toEqual({ planned: 1, sent: 0 });
    t.clock.advance(50 * HOUR);
    const recent = await studio.sellPackage(offeringId, clientId);
    expect(await round()).toEqual({ planned: 1, sent: 0 });
    t.clock.advance(30 * HOUR); // old: planned 80 h ago (over 72 h); recent: 30 h ago
    expect((await round()).sent).toBe(0);
    expect(receiver.received).toHaveLength(0);
    const byPackage = async () => {
      const items = await deliveries(studio, endpoint.id);
      const details = await Promise.all(items.map((d) => t.http.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${d.id}`).set(studio.auth).expect(200)));
      return new Map(details.map((d) => [d.body.payload.data.packageId, d.body]));
    };
    let log = await byPackage();
    expect(log.get(old.id)).toMatchObject({ status: 'expired', attempts: 0, nextAttemptAt: null });
    expect(log.get(recent.id)).toMatchObject({ status: 'held', attempts: 0, nextAttemptAt: null });
    const held = await t.http.get(`/v1/webhook-endpoints/${endpoint.id}/deliveries?status=held`).set(studio.auth).expect(200);
    expect(held.body.items.map((d: any) => d.id)).toEqual([log.get(recent.id).id]);

    // Switched back on: the held delivery and the one that was pending go out; the expired one stays listed.
    await t.http.patch(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).send({ enabled: true }).expect(200);
    expect(await round()).toMatchObject({ planned: 0, sent: 2 });
    expect(receiver.received.map((r) => r.json.data.packageId)).not.toContain(old.id);
    expect(receiver.received.map((r) => r.json.data.packageId)).toContain(recent.id);
    log = await byPackage();
    expect(log.get(recent.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(log.get(old.id)).toMatchObject({ status: 'expired', attempts: 0 });

    // An expired delivery can be redelivered by hand.
    receiver.clear();
    await t.http.post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${log.get(old.id).id}/redeliveries`).set(studio.auth).expect(202);
    expect((await round()).sent).toBe(1);
    expect(receiver.received.map((r) => r.json.data.packageId)).toEqual([old.id]);
    const redelivered = (await byPackage()).get(old.id);
    expect(redelivered).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(redelivered.attemptLog).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded', manual: true })]); // its only attempt, asked for by an admin
    expect(log.get(recent.id).attemptLog).toEqual([expect.objectContaining({ attempt: 1, manual: false })]);
  });

  it("an admin's switch-off of an endpoint already off for failing stops planning: nothing is held for it", async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { url: 'http://127.0.0.1:9/refused', events: ['package.purchased'] });
    const offeringId = await studio.createOffering();
    await studio.sellPackage(offeringId, await studio.createClient());
    for (let i = 0; i < 3; i++) {
      await round();
      t.clock.advance(30 * MINUTE);
    }
    expect((await t.http.get(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).expect(200)).body).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const off = await t.http.patch(`/v1/webhook-endpoints/${endpoint.id}`).set(studio.auth).send({ enabled: false }).expect(200);
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'admin' });
    await studio.sellPackage(offeringId, await studio.createClient());
    await round();
    expect(await deliveries(studio, endpoint.id)).toHaveLength(1); // the first sale's only
  });

  it('pages the delivery log newest first with a cursor it wrote; a made-up cursor is 400 validation_failed', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    const offeringId = await studio.createOffering();
    const clientId = await studio.createClient();
    for (let i = 0; i < 3; i++) {
      await studio.sellPackage(offeringId, clientId);
      await round();
      t.clock.advance(1000);
    }
    const all = await deliveries(studio, endpoint.id);
    expect(all).toHaveLength(3);
    const base = `/v1/webhook-endpoints/${endpoint.id}/deliveries`;
    const first = (await t.http.get(`${base}?limit=2`).set(studio.auth).expect(200)).body;
    expect(first.items).toEqual(all.slice(0, 2));
    const second = (await t.http.get(base).query({ limit: 2, cursor: first.nextCursor }).set(studio.auth).expect(200)).body;
    expect(second).toEqual({ items: all.slice(2), nextCursor: null });
    const impossible = Buffer.from(JSON.stringify(['2024-02-30T00:00:00.000000Z', all[0].id])).toString('base64url');
    for (const cursor of [all[0].id, impossible, 'bm90LWEtY3Vyc29y']) {
      const refused = await t.http.get(base).query({ cursor }).set(studio.auth).expect(400);
      expect(refused.body.code).toBe('validation_failed');
    }
  });

  it('marks a delivery failed after its round of 7 attempts (the last waits 24 h)', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    const settings = t.app.get<Config>(APP_CONFIG).webhooks;
    settings.disableAfter = 100; // this test is about one delivery's round, not the endpoint's switch-off
    try {
      await studio.sellPackage(await studio.createOffering(), await studio.createClient());
      receiver.respondWith(...Array(7).fill(500));
      const waits = [0, 1, 5, 30, 120, 480, 1440].map((m) => m * MINUTE);
      for (const wait of waits) {
        const before = receivedBy(studio).length;
        if (wait > 0) {
          t.clock.advance(wait - 1000);
          await round();
          expect(receivedBy(studio)).toHaveLength(before); // not due a second early
        }
        t.clock.advance(wait > 0 ? 1000 : 0);
        await round();
        expect(receivedBy(studio)).toHaveLength(before + 1);
      }
      const [delivery] = await deliveries(studio, endpoint.id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 7, nextAttemptAt: null });
      t.clock.advance(72 * HOUR);
      await round();
      expect(receivedBy(studio)).toHaveLength(7);
    } finally {
      settings.disableAfter = 3;
    }
  });

  it('a secret that no longer decrypts is a failed attempt (nothing sent), and a rotation mends it', async () => {
    const studio = await t.newTenant();
    const endpoint = await subscribe(studio, { events: ['package.purchased'] });
    await t.db.pool.query(`UPDATE webhook_endpoints SET secret_ciphertext = '\\x00ff' WHERE id = $1`, [endpoint.id]);
    await studio.sellPackage(await studio.createOffering(), await studio.createClient());
    await round();
    expect(receivedBy(studio)).toHaveLength(0);
    expect((await deliveries(studio, endpoint.id))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('rotate it') });
    const rotated = (await t.http.post(`/v1/webhook-endpoints/${endpoint.id}/secret-rotations`).set(studio.auth).expect(200)).body;
    t.clock.advance(MINUTE);
    await round();
    const [hit] = receivedBy(studio);
    expect(verifyWebhook(rotated.secret, hit.body, hit.headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(true);
  });

  it('never plans or records twice: a replay of the whole log plans nothing new', async () => {
    const studio = await t.newTenant();
    await subscribe(studio, { events: ['package.purchased'] });
    const offeringId = await studio.createOffering();
    for (let i = 0; i < 3; i++) await studio.sellPackage(offeringId, await studio.createClient());
    await round();
    const before = (await t.db.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n;
    expect(receivedBy(studio)).toHaveLength(3);

    // Replay: the planner forgets its checkpoint and reads every event again.
    await t.db.pool.query('DELETE FROM webhook_planner_checkpoints');
    expect(await round()).toEqual({ planned: 0, sent: 0 });
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n).toBe(before);
    expect(receivedBy(studio)).toHaveLength(3);
    expect((await attemptsRecorded()).every((row) => row.n >= 1)).toBe(true);
  });
});

describe('Outbound webhooks: SSRF refusals (default configuration: https only, no private addresses)', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant();
  });
  afterAll(() => t?.close());

  const refused = async (url: string, code: string) => {
    const res = await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url, events: ['package.purchased'] });
    expect({ status: res.status, code: res.body.code, type: res.headers['content-type'] }).toEqual({ status: 422, code, type: expect.stringMatching(/^application\/problem\+json/) });
  };

  it.each([
    ['http: when not allowed', 'http://hooks.example.com/x', 'webhook_url_not_allowed'],
    ['credentials in the URL', 'https://user:pass@hooks.example.com/x', 'webhook_url_not_allowed'],
    ['loopback', 'https://127.0.0.1/x', 'webhook_address_not_allowed'],
    ['loopback, another form', 'https://127.1.2.3:8443/x', 'webhook_address_not_allowed'],
    ['IPv6 loopback', 'https://[::1]/x', 'webhook_address_not_allowed'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/x', 'webhook_address_not_allowed'],
    ['private 10/8', 'https://10.0.0.5/x', 'webhook_address_not_allowed'],
    ['private 172.16/12', 'https://172.20.1.1/x', 'webhook_address_not_allowed'],
    ['private 192.168/16', 'https://192.168.1.10/x', 'webhook_address_not_allowed'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/meta-data', 'webhook_address_not_allowed'],
    ['IPv6 unique local', 'https://[fd00::1]/x', 'webhook_address_not_allowed'],
    ['IPv6 link-local', 'https://[fe80::1]/x', 'webhook_address_not_allowed'],
    ['unspecified', 'https://0.0.0.0/x', 'webhook_address_not_allowed'],
    ['a name resolving to loopback', 'https://localhost/x', 'webhook_address_not_allowed'],
  ])('refuses %s', async (_name, url, code) => {
    await refused(url, code);
  });

  it.each([
    ['ftp:', 'ftp://hooks.example.com/x'],
    ['not a URL', 'hooks.example.com'],
    ['javascript:', 'javascript:alert(1)'],
  ])('refuses %s as malformed (400)', async (_name, url) => {
    const res = await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url, events: ['package.purchased'] });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
  });

  it('refuses the same on PATCH and stores nothing', async () => {
    const created = await t.http.post('/v1/webhook-endpoints').set(studio.auth).send({ url: 'https://93.184.215.14/hooks', events: ['package.purchased'] }).expect(201);
    const res = await t.http.patch(`/v1/webhook-endpoints/${created.body.id}`).set(studio.auth).send({ url: 'https://169.254.169.254/' }).expect(422);
    expect(res.body.code).toBe('webhook_address_not_allowed');
    expect((await t.http.get(`/v1/webhook-endpoints/${created.body.id}`).set(studio.auth).expect(200)).body.url).toBe('https://93.184.215.14/hooks');
  });
});
