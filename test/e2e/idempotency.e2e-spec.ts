import { createHash, randomUUID } from 'node:crypto';
import { EventStore, StreamWrite } from '@punchcard/event-store';
import { IdempotencyPurge } from '../../apps/api/src/http/idempotency-purge';
import { canonicalJson } from '../../apps/api/src/http/idempotency.interceptor';
import { EVENT_STORE } from '../../apps/api/src/tokens';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/** Idempotency records (issue 16): what is stored, byte-identical replays, retention. */
describe('Idempotency records', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant();
  });
  afterAll(() => t.close());

  describe('a replay is byte-identical to the first answer', () => {
    it('for a created offering (many fields, nested objects)', async () => {
      const body = { name: 'Ten classes', description: 'Any class', sessionCount: 10, price: { amount: 15000, currency: 'USD' }, validityDays: 60, maxSessionsPerWeek: 2 };
      const send = () => t.http.post('/v1/offerings').set(studio.auth).set('Idempotency-Key', 'offering-bytes').send(body).expect(201);
      const first = await send();
      const replay = await send();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(first.text);
      expect(replay.headers['content-type']).toBe(first.headers['content-type']);
      expect(replay.headers['location']).toBe(first.headers['location']);
    });

    it('for a stored refusal (problem+json)', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 1 }), await studio.createClient());
      const send = () => t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).set('Idempotency-Key', 'refusal-bytes').send({ delta: -5, reason: 'oops' }).expect(409);
      const first = await send();
      const replay = await send();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(first.text);
      expect(replay.headers['content-type']).toBe(first.headers['content-type']);
    });
  });

  describe('answers that invite a retry are not stored', () => {
    /**
     * A real concurrent writer: before each append of the app to `streamId`, another connection appends
     * a copy of `event` to that stream, so every attempt of the command meets a genuine version conflict.
     */
    const meddle = (streamId: string, event: { type: string; schemaVersion: number; data: unknown; metadata: any }) => {
      const store = t.app.get<EventStore>(EVENT_STORE);
      const system = t.infrastructure.system.eventStore;
      const append = store.append;
      let appendsSpoiled = 0;
      store.append = async (writes: StreamWrite[]) => {
        if (writes.some((w) => w.streamId === streamId)) {
          const version = (await system.readStream(streamId)).length;
          await system.append([{ streamId, expectedVersion: version, events: [{ ...event, eventId: randomUUID() }] }]);
          appendsSpoiled++;
        }
        return append.call(store, writes);
      };
      return {
        stop: () => {
          store.append = append;
          return appendsSpoiled;
        },
      };
    };

    it('a 409 concurrency_conflict releases the key: the retry with the same key runs and succeeds', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 10 }), await studio.createClient());
      await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).send({ delta: 1, reason: 'goodwill' }).expect(201);
      const streamId = `package-${pkg.id}`;
      const adjusted = (await t.infrastructure.system.eventStore.readStream(streamId)).find((e) => e.type === 'CreditsAdjusted')!;

      const send = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'contended').send({ note: 'x' });
      const meddler = meddle(streamId, adjusted);
      const conflicted = await send();
      expect(meddler.stop()).toBeGreaterThan(1);
      expect([conflicted.status, conflicted.body.code]).toEqual([409, 'concurrency_conflict']);
      const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'contended'`);
      expect(rows[0].n).toBe(0);

      const retried = await send().expect(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      const redeemed = (await t.infrastructure.system.eventStore.readStream(streamId)).filter((e) => e.type === 'SessionRedeemed');
      expect(redeemed).toHaveLength(1);
      // Now the success is stored and replayed.
      expect((await send().expect(201)).headers['idempotent-replayed']).toBe('true');
    });
  });

  describe('recorded with the append (ADR 0028: redemptions and the other package changes)', () => {
    const redeemed = async (packageId: string) =>
      (await t.infrastructure.system.eventStore.readStream(`package-${packageId}`)).filter((e) => e.type === 'SessionRedeemed').length;

    it('replays the first answer byte for byte, with its position, after the package changed; nothing is appended again', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const redeem = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'receipt-bytes').send({ note: 'first' }).expect(201);
      const first = await redeem();
      await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201); // the package moves on
      const replay = await redeem();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(first.text);
      expect(first.body.creditsRemaining).toBe(4);
      expect(replay.headers['punchcard-position']).toMatch(/^\d+-\d+$/);
      expect(replay.headers['punchcard-position']).toBe(first.headers['punchcard-position']);
      expect(await redeemed(pkg.id)).toBe(2);
      const { rows } = await t.db.pool.query(`SELECT status_code, locked_until FROM idempotency_keys WHERE key = 'receipt-bytes'`);
      expect(rows).toEqual([{ status_code: 201, locked_until: null }]);
    });

    it('refuses the same key with another body, or on another route, with 422 and appends nothing', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const send = (path: string, body: object) => t.http.post(`/v1/packages/${pkg.id}/${path}`).set(studio.auth).set('Idempotency-Key', 'receipt-reused').send(body);
      await send('redemptions', { note: 'a' }).expect(201);
      expect((await send('redemptions', { note: 'b' }).expect(422)).body.code).toBe('idempotency_key_reused');
      expect((await send('adjustments', { delta: 1, reason: 'goodwill' }).expect(422)).body.code).toBe('idempotency_key_reused');
      expect(await redeemed(pkg.id)).toBe(1);
      expect((await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`)).map((e) => e.type)).toEqual(['PackagePurchased', 'SessionRedeemed']);
    });

    it('answers 409 idempotency_key_in_use while a route that claims its key first holds the same key', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const body = {};
      const send = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'receipt-claimed').send(body);
      const hash = createHash('sha256').update(`POST /v1/packages/${pkg.id}/redemptions\n${canonicalJson(body)}`).digest('hex');
      await t.db.pool.query(`INSERT INTO idempotency_keys (scope, key, tenant_id, request_hash, locked_until) VALUES ($1, 'receipt-claimed', $1, $2, now() + interval '1 minute')`, [
        studio.tenantId,
        hash,
      ]);
      expect((await send().expect(409)).body.code).toBe('idempotency_key_in_use');
      expect(await redeemed(pkg.id)).toBe(0);
    });

    it('writes the events and the answer together: when the answer cannot be recorded, the events are not appended either', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const body = { note: 'raced' };
      const hash = createHash('sha256').update(`POST /v1/packages/${pkg.id}/redemptions\n${canonicalJson(body)}`).digest('hex');
      // Another request with this key records its answer between this one's read and its append.
      const store = t.app.get<EventStore>(EVENT_STORE);
      const append = store.append;
      store.append = async (writes, receipt) => {
        store.append = append;
        await t.db.pool.query(
          `INSERT INTO idempotency_keys (scope, key, tenant_id, request_hash, status_code, response_body, response_headers) VALUES ($1, 'receipt-raced', $1, $2, 201, '{"won":"elsewhere"}', '{}')`,
          [studio.tenantId, hash],
        );
        return append.call(store, writes, receipt);
      };
      const answer = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'receipt-raced').send(body).expect(201);
      expect(store.append).toBe(append);
      expect(answer.headers['idempotent-replayed']).toBe('true');
      expect(answer.text).toBe('{"won":"elsewhere"}');
      expect(await redeemed(pkg.id)).toBe(0);
    });

    it('records a final refusal, and replays it', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 1 }), await studio.createClient());
      await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
      const send = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'receipt-refused').send({}).expect(409);
      const first = await send();
      expect(first.body.code).toBe('no_credits_left');
      await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).send({ delta: 1, reason: 'goodwill' }).expect(201);
      const replay = await send(); // still the refusal, though a credit is back
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(first.text);
      expect(replay.headers['punchcard-position']).toBeUndefined();
    });
  });

  describe('retention', () => {
    const age = (where: string, hours: number) => t.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $1) WHERE ${where}`, [hours]);
    const count = async (where: string) => (await t.db.pool.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE ${where}`)).rows[0].n;

    it('purges records older than 24 hours, across tenants, in batches of 1,000 until none are left, and keeps younger ones and running requests', async () => {
      const other = await t.newTenant();
      // 2,500 aged records of two tenants, written as the owner, beside the requests' own.
      await t.db.pool.query(
        `INSERT INTO idempotency_keys (scope, key, tenant_id, request_hash, status_code, response_body, response_headers, created_at)
         SELECT t.id, 'aged-' || n, t.id, 'h', 201, '{}', '{}', now() - interval '25 hours'
         FROM generate_series(1, 1250) n, (VALUES ($1), ($2)) t(id)`,
        [studio.tenantId, other.tenantId],
      );
      await t.db.pool.query(
        `INSERT INTO idempotency_keys (scope, key, tenant_id, request_hash, status_code, response_body, response_headers, created_at, locked_until) VALUES
           ($1, 'young', $1, 'h', 201, '{}', '{}', now() - interval '23 hours', NULL),
           ($1, 'still-running', $1, 'h', NULL, NULL, NULL, now() - interval '25 hours', now() + interval '1 minute')`,
        [studio.tenantId],
      );
      const before = await count('true');
      const purged = await t.app.get(IdempotencyPurge).run();
      expect(purged).toBe(2500);
      expect(await count(`key LIKE 'aged-%'`)).toBe(0);
      expect(await count(`key IN ('young', 'still-running')`)).toBe(2);
      expect(await count('true')).toBe(before - 2500);
      expect(await t.app.get(IdempotencyPurge).run()).toBe(0);
    });

    it('a key reused after its record was purged is a new request, also on the same stream', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const redeem = () => t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'monday-class').send({ note: 'class' });
      const first = await redeem().expect(201);
      expect((await redeem().expect(201)).headers['idempotent-replayed']).toBe('true');

      await age(`key = 'monday-class'`, 25);
      expect(await t.app.get(IdempotencyPurge).run()).toBeGreaterThanOrEqual(1);
      const again = await redeem().expect(201);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(again.body.creditsRemaining).toBe(first.body.creditsRemaining - 1);
      const redeemed = (await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`)).filter((e) => e.type === 'SessionRedeemed');
      expect(redeemed).toHaveLength(2);
      expect(new Set(redeemed.map((e) => e.metadata.causationId)).size).toBe(2);
    });
  });
});
