import { PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

describe('Reliability: concurrency, idempotency, replay', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp({ poolSize: 40 });
    studio = await t.newTenant();
  });
  afterAll(() => t.close());

  it('never overspends: of 60 concurrent redemptions on a 5-credit package exactly 5 succeed, the rest get 409, none 5xx', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 5 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({ note: `attempt ${i}` })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(55);
    for (const refused of responses.filter((r) => r.status === 409)) expect(['no_credits_left', 'concurrency_conflict']).toContain(refused.body.code);
    const stream = await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`);
    expect(stream.map((e) => e.type)).toEqual(['PackagePurchased', ...Array(5).fill('SessionRedeemed')]);
    expect(stream.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  describe('Idempotency-Key', () => {
    it('replays the stored response for the same key and body, and appends nothing more', async () => {
      const offeringId = await studio.createOffering();
      const pkg = await studio.sellPackage(offeringId, await studio.createClient());
      const send = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'redeem-1').send({ note: 'x' });
      const first = await send().expect(201);
      const before = await t.eventCount();
      const again = await send().expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers['punchcard-position']).toBe(first.headers['punchcard-position']);
      expect(await t.eventCount()).toBe(before);
    });

    it('refuses the same key with a different body (422) and replays stored 4xx answers too', async () => {
      const offeringId = await studio.createOffering({ sessionCount: 1 });
      const pkg = await studio.sellPackage(offeringId, await studio.createClient());
      await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'adj-1').send({ delta: 1, reason: 'a' }).expect(201);
      const reused = await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'adj-1').send({ delta: 2, reason: 'a' }).expect(422);
      expect(reused.body.code).toBe('idempotency_key_reused');

      const tooMuch = { delta: -5, reason: 'oops' };
      const refused = await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'adj-2').send(tooMuch).expect(409);
      const replayed = await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'adj-2').send(tooMuch).expect(409);
      expect(replayed.body).toEqual(refused.body);
      expect(replayed.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('does not burn a key on a 400: the corrected request with the same key runs', async () => {
      const offeringId = await studio.createOffering();
      const pkg = await studio.sellPackage(offeringId, await studio.createClient());
      const send = (body: object) => t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'fix-me').send(body);
      expect((await send({ delta: 'one', reason: 'goodwill' }).expect(400)).body.code).toBe('validation_failed');
      expect((await send({ delta: 1, reason: 'goodwill' }).expect(201)).body.creditsRemaining).toBe(7);
    });

    it('ignores Idempotency-Key on PATCH (it is honoured on POST only), so a reused key never silently drops a change', async () => {
      const created = await t.http
        .post('/v1/offerings')
        .set(studio.auth)
        .set('Idempotency-Key', 'offer-1')
        .send({ name: 'Before', sessionCount: 3, price: { amount: 100, currency: 'USD' } })
        .expect(201);
      const patched = await t.http.patch(`/v1/offerings/${created.body.id}`).set(studio.auth).set('Idempotency-Key', 'offer-1').send({ name: 'After' }).expect(200);
      expect(patched.body.name).toBe('After');
    });

    it('lets exactly one of many concurrent requests with the same key run (a route that claims its key: the others get 409)', async () => {
      const body = { offeringId: await studio.createOffering({ sessionCount: 10 }), clientId: await studio.createClient(), payment: { method: 'cash' } };
      const responses = await Promise.all(Array.from({ length: 10 }, () => t.http.post('/v1/packages').set(studio.auth).set('Idempotency-Key', 'same-sale').send(body)));
      for (const r of responses) expect([201, 409]).toContain(r.status);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.code).toBe('idempotency_key_in_use');
      const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(await t.infrastructure.system.eventStore.readStream(`package-${[...ids][0]}`)).toHaveLength(1);
    });

    it('lets exactly one of many concurrent redemptions with the same key run; the others wait and replay its answer (ADR 0028)', async () => {
      const offeringId = await studio.createOffering({ sessionCount: 10 });
      const pkg = await studio.sellPackage(offeringId, await studio.createClient());
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'same').send({})),
      );
      for (const r of responses) expect(r.status).toBe(201);
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
      expect(new Set(responses.map((r) => r.headers['punchcard-position'])).size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      const stream = await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`);
      expect(stream.filter((e) => e.type === 'SessionRedeemed')).toHaveLength(1);
    });

    it('recognises a retry whose first attempt appended but crashed before storing its response: no second package', async () => {
      const offeringId = await studio.createOffering();
      const clientId = await studio.createClient();
      const body = { offeringId, clientId, payment: { method: 'cash' } };
      const first = await t.http.post('/v1/packages').set(studio.auth).set('Idempotency-Key', 'sale-77').send(body).expect(201);
      // Simulate the crash: the events are stored, the idempotency record is not (its creation time survives).
      await t.db.pool.query(`UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, locked_until = now() - interval '1 minute' WHERE key = 'sale-77'`);
      const eventsBefore = await t.eventCount();
      const retry = await t.http.post('/v1/packages').set(studio.auth).set('Idempotency-Key', 'sale-77').send(body).expect(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(await t.eventCount()).toBe(eventsBefore);
    });
  });

  it('rebuilds every read model from the first event into exactly the documents the live run wrote', async () => {
    // Some varied history across two tenants.
    const other = await t.newTenant({ timezone: 'Asia/Tokyo', currency: 'JPY' });
    for (const tenant of [studio, other]) {
      const offeringId = await tenant.createOffering({ sessionCount: 4, price: { amount: 9999, currency: tenant === other ? 'JPY' : 'USD' } });
      for (let i = 0; i < 3; i++) {
        const pkg = await tenant.sellPackage(offeringId, await tenant.createClient());
        const r = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(tenant.auth).send({}).expect(201);
        await t.http.post(`/v1/packages/${pkg.id}/redemptions/${r.body.redemptionId}/reversals`).set(tenant.auth).send({ reason: 'no-show waived' }).expect(201);
        await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(tenant.auth).send({ delta: -1, reason: 'correction' }).expect(201);
        if (i === 2) await t.http.post(`/v1/packages/${pkg.id}/refunds`).set(tenant.auth).send({ credits: 2, reason: 'partial' }).expect(201);
      }
      await t.http.patch(`/v1/offerings/${offeringId}`).set(tenant.auth).send({ name: 'Renamed', status: 'paused' }).expect(200);
    }
    await t.infrastructure.runner.stop();
    await t.infrastructure.runner.catchUpAll();
    const snapshot = async () =>
      (await t.db.pool.query(`SELECT collection, tenant_id, id, data FROM read_documents ORDER BY collection, tenant_id, id`)).rows;
    const live = await snapshot();
    expect(live.length).toBeGreaterThan(20);

    for (const projection of ALL_PROJECTIONS) await t.infrastructure.runner.rebuild(projection);
    expect(await snapshot()).toEqual(live);
    t.infrastructure.runner.start();
  });

  it('lets only one instance hold the projections lease; the next takes over when it is released', async () => {
    const first = new PostgresAdvisoryLease(t.db.pool, 'lease-test');
    const second = new PostgresAdvisoryLease(t.db.newPool(2), 'lease-test');
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    await first.release();
    expect(await second.tryAcquire()).toBe(true);
    await second.release();
  });
});
