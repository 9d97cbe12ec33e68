import { DateTime } from 'luxon';
import request from 'supertest';
import type { Response } from 'supertest';
import { MIGRATIONS } from '@punchcard/platform';
import { issueOperatorKey } from '../../apps/api/src/auth/api-keys';
import { spawnApi } from '../support/spawn-api';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/**
 * Bursts on one stream (issue 16): concurrent commands on one package or one schedule day queue in the
 * process and back off across processes, so every one succeeds while credits or seats last and the
 * only refusals are the business ones. ADR 0015.
 */
const NY = 'America/New_York';
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAYS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };

const outcomes = (responses: Response[]) => {
  const counts: Record<string, number> = {};
  for (const r of responses) {
    const key = r.status === 201 ? '201' : `${r.status} ${r.body.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('Contention on one stream', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp({ poolSize: 40 });
    studio = await t.newTenant({ timezone: NY });
  });
  afterAll(() => t.close());

  const redeemAtOnce = (packageId: string, count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => t.http.post(`/v1/packages/${packageId}/redemptions`).set(studio.auth).send({ note: `burst ${i}` })));

  it('32 concurrent redemptions on a 40-credit package all succeed', async () => {
    const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 40 }), await studio.createClient());
    expect(outcomes(await redeemAtOnce(pkg.id, 32))).toEqual({ '201': 32 });
    const stream = await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`);
    expect(stream.filter((e) => e.type === 'SessionRedeemed')).toHaveLength(32);
  });

  it('16 concurrent redemptions on a 10-credit package: exactly 10 succeed, 6 get no_credits_left, none concurrency_conflict', async () => {
    const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 10 }), await studio.createClient());
    expect(outcomes(await redeemAtOnce(pkg.id, 16))).toEqual({ '201': 10, '409 no_credits_left': 6 });
  });

  describe('a group class on one schedule-day stream', () => {
    /** A group session type of `capacity` seats, its schedule, an offering, and one client with a package per seat asked for. */
    const groupClass = async (capacity: number, clients: number) => {
      const sessionType = await t.http
        .post('/v1/session-types')
        .set(studio.auth)
        .send({ name: 'Group class', durationMinutes: 60, capacity, price: { amount: 2000, currency: 'USD' } })
        .expect(201);
      const sessionTypeId = sessionType.body.id;
      const schedule = await t.http.post('/v1/schedules').set(studio.auth).send({ host: 'Coach Ada', timezone: NY, weeklyHours: WEEKDAYS, sessionTypeIds: [sessionTypeId] }).expect(201);
      const scheduleId = schedule.body.id;
      const offeringId = await studio.createOffering({ sessionCount: 5, scheduleId, sessionTypeIds: [sessionTypeId] });
      const members: Array<{ clientId: string; packageId: string }> = [];
      for (let i = 0; i < clients; i++) {
        const clientId = await studio.createClient();
        members.push({ clientId, packageId: (await studio.sellPackage(offeringId, clientId)).id });
      }
      const monday = DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
      const start = monday.set({ hour: 9 }).toUTC().toISO()!;
      const bookAll = () => Promise.all(members.map((m) => t.http.post('/v1/bookings').set(studio.auth).send({ ...m, scheduleId, sessionTypeId, start })));
      return { bookAll };
    };

    it('30 clients booking a 40-seat class at once are all booked', async () => {
      const { bookAll } = await groupClass(40, 30);
      expect(outcomes(await bookAll())).toEqual({ '201': 30 });
    });

    it('40 clients on 20 seats: 20 booked, 20 slot_full, none concurrency_conflict', async () => {
      const { bookAll } = await groupClass(20, 40);
      expect(outcomes(await bookAll())).toEqual({ '201': 20, '409 slot_full': 20 });
    });
  });
});

describe('Contention across two API processes', () => {
  it('16 concurrent redemptions sent to each of two server processes on one package all succeed', async () => {
    const db = await createTestDatabase(MIGRATIONS);
    const operatorKey = issueOperatorKey();
    const servers = await Promise.all([spawnApi(db.schema, operatorKey), spawnApi(db.schema, operatorKey)]);
    try {
      const [a, b] = servers.map((s) => request(s.url));
      const tenant = await a.post('/v1/tenants').set('Authorization', `Bearer ${operatorKey}`).send({ name: 'Two instances', timezone: NY, currency: 'USD' }).expect(201);
      const auth = { Authorization: `Bearer ${tenant.body.adminApiKey}` };
      const client = await a.post('/v1/clients').set(auth).send({ name: 'Ada', email: 'ada@example.com' }).expect(201);
      const offering = await a.post('/v1/offerings').set(auth).send({ name: '40 sessions', sessionCount: 40, price: { amount: 100, currency: 'USD' } }).expect(201);
      const pkg = await a.post('/v1/packages').set(auth).send({ offeringId: offering.body.id, clientId: client.body.id, payment: { method: 'cash' } }).expect(201);
      const burst = (http: typeof a, name: string) =>
        Array.from({ length: 16 }, (_, i) => http.post(`/v1/packages/${pkg.body.id}/redemptions`).set(auth).send({ note: `${name} ${i}` }).then((r) => r));
      const responses = await Promise.all([...burst(a, 'a'), ...burst(b, 'b')]);
      expect(outcomes(responses)).toEqual({ '201': 32 });
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND type = 'SessionRedeemed'`, [`package-${pkg.body.id}`]);
      expect(rows[0].n).toBe(32);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await db.drop();
    }
  });
});
