import { randomUUID } from 'node:crypto';
import { EventStore, StreamWrite } from '@punchcard/event-store';
import { IdempotencyPurge } from '../../apps/api/src/http/idempotency-purge';
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
