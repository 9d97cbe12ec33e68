import { DateTime } from 'luxon';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/** causationId on every event (docs/event-catalog.md, "Metadata"). */
describe('Causation ids', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'America/New_York' });
  });
  afterAll(() => t.close());

  const stream = (id: string) => t.infrastructure.system.eventStore.readStream(id);
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('a request is one command: its events carry its id; another request has another; a retry under the same key the same', async () => {
    const body = { offeringId: await studio.createOffering({ sessionCount: 5 }), clientId: await studio.createClient(), payment: { method: 'cash' } };
    const sold = await t.http.post('/v1/packages').set(studio.auth).set('Idempotency-Key', 'crashy').send(body).expect(201);
    await t.http.post(`/v1/packages/${sold.body.id}/redemptions`).set(studio.auth).send({}).expect(201);
    // The sale (a route that claims its key first) crashed after appending: its record is still "running" and its lock expired.
    await t.db.pool.query(`UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, locked_until = now() - interval '1 minute' WHERE key = 'crashy'`);
    await t.http.post('/v1/packages').set(studio.auth).set('Idempotency-Key', 'crashy').send(body).expect(201);
    // A redemption records its answer with its events (ADR 0028): its retry is a replay.
    const redeem = () => t.http.post(`/v1/packages/${sold.body.id}/redemptions`).set(studio.auth).set('Idempotency-Key', 'keyed').send({}).expect(201);
    await redeem();
    expect((await redeem()).headers['idempotent-replayed']).toBe('true');

    const [purchased, plain, keyed, ...rest] = await stream(`package-${sold.body.id}`);
    expect(rest).toEqual([]); // the retries were recognised: nothing appended twice
    for (const event of [purchased, plain, keyed]) expect(event.metadata.causationId).toMatch(UUID);
    expect(new Set([purchased, plain, keyed].map((e) => e.metadata.causationId)).size).toBe(3);
  });

  describe('with bookings', () => {
    const setup = async () => {
      const sessionType = await t.http.post('/v1/session-types').set(studio.auth).send({ name: 'Class', durationMinutes: 60, capacity: 5, price: { amount: 1000, currency: 'USD' } }).expect(201);
      const sessionTypeId = sessionType.body.id;
      const hours = [{ start: '09:00', end: '17:00' }];
      const schedule = await t.http
        .post('/v1/schedules')
        .set(studio.auth)
        .send({ host: 'Ada', timezone: 'America/New_York', weeklyHours: { monday: hours, tuesday: hours, wednesday: hours, thursday: hours, friday: hours }, sessionTypeIds: [sessionTypeId] })
        .expect(201);
      const scheduleId = schedule.body.id;
      const offeringId = await studio.createOffering({ sessionCount: 3, scheduleId, sessionTypeIds: [sessionTypeId] });
      const monday = DateTime.fromJSDate(t.clock.now(), { zone: 'America/New_York' }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
      const book = async (hour: number) => {
        const clientId = await studio.createClient();
        const pkg = await studio.sellPackage(offeringId, clientId);
        const start = monday.set({ hour }).toUTC().toISO()!;
        const res = await t.http.post('/v1/bookings').set(studio.auth).send({ clientId, packageId: pkg.id, scheduleId, sessionTypeId, start }).expect(201);
        return { bookingId: res.body.id as string, packageId: pkg.id as string, res };
      };
      return { offeringId, book };
    };

    it('every event of a multi-stream append carries the one command id', async () => {
      const { book } = await setup();
      const { bookingId, packageId } = await book(9);
      const { rows } = await t.db.pool.query(`SELECT stream_id, metadata->>'causationId' AS causation FROM events WHERE metadata->>'correlationId' = (SELECT metadata->>'correlationId' FROM events WHERE stream_id = $1 LIMIT 1)`, [`booking-${bookingId}`]);
      expect(rows.map((r) => r.stream_id)).toEqual(expect.arrayContaining([`booking-${bookingId}`, `package-${packageId}`]));
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(new Set(rows.map((r) => r.causation)).size).toBe(1);
      expect(rows[0].causation).toMatch(UUID);
    });

    it("an offering deletion's cancellations are caused by its OfferingDeleted event, and correlated with the deletion request", async () => {
      const { offeringId, book } = await setup();
      const booked = [await book(10), await book(11)];
      await t.http.get('/v1/bookings').query({ after: booked[1].res.headers['punchcard-position'], limit: 1 }).set(studio.auth).expect(200);
      const deletion = await t.http.post(`/v1/offerings/${offeringId}/deletion`).set(studio.auth).set('Idempotency-Key', 'close-it').send({}).expect(201);
      expect(deletion.body.cancelledBookings).toBe(2);

      const deleted = (await stream(`offering-${offeringId}`)).find((e) => e.type === 'OfferingDeleted')!;
      expect(deleted.metadata.causationId).toMatch(UUID);
      expect(deleted.metadata.causationId).not.toBe(deleted.eventId);
      for (const { bookingId } of booked) {
        const cancelled = (await stream(`booking-${bookingId}`)).find((e) => e.type === 'BookingCancelled')!;
        expect(cancelled.metadata.causationId).toBe(deleted.eventId);
        expect(cancelled.metadata.correlationId).toBe(deleted.metadata.correlationId);
      }
    });
  });

  it("the expiry sweep's PackageExpired events are caused by (and correlated with) the sweep run", async () => {
    const offeringId = await studio.createOffering({ sessionCount: 2, validityDays: 1 });
    const sell = async () =>
      (await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId: await studio.createClient(), payment: { method: 'cash' } }).expect(201));
    const sold = [await sell(), await sell()];
    const pkgs = sold.map((res) => res.body);
    // The sweep finds its candidates in the packages read model: wait until it holds both sales.
    await t.http.get('/v1/packages').query({ after: sold[1].headers['punchcard-position'], limit: 1 }).set(studio.auth).expect(200);
    t.clock.advance(2 * 24 * 60 * 60 * 1000);
    expect(await t.app.get(ExpirySweep).run()).toBeGreaterThanOrEqual(2);
    const expired = await Promise.all(pkgs.map(async (p) => (await stream(`package-${p.id}`)).find((e) => e.type === 'PackageExpired')!));
    expect(expired[0].metadata.causationId).toMatch(UUID);
    expect(expired[1].metadata.causationId).toBe(expired[0].metadata.causationId);
    expect(expired[0].metadata.correlationId).toBe(expired[0].metadata.causationId);
  });
});
