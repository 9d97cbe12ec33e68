import { DateTime } from 'luxon';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import type { Response } from 'supertest';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const NY = 'America/New_York';
const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAY_HOURS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };
const EVERY_DAY_HOURS = { ...WEEKDAY_HOURS, saturday: NINE_TO_FIVE, sunday: NINE_TO_FIVE };
const STRICT_POLICY = { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' };

describe('Bookings over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp({ poolSize: 20 });
    studio = await t.newTenant({ timezone: NY });
  });
  afterAll(() => t.close());

  // ---------------------------------------------------------------- helpers

  /** The Punchcard-Position a command answered with. */
  const positionOf = (res: Response): string => {
    const position = res.headers['punchcard-position'];
    expect(position).toMatch(/^\d+-\d+$/);
    return position;
  };

  /** Waits until every read model includes the write that answered `res` (any GET with ?after= does). */
  const settle = async (tenant: TenantSession, res: Response): Promise<string> => {
    const after = positionOf(res);
    await t.http.get('/v1/bookings').query({ after, limit: 1 }).set(tenant.auth).expect(200);
    return after;
  };

  const createSessionType = async (tenant: TenantSession, body: Record<string, unknown> = {}): Promise<string> => {
    const res = await t.http
      .post('/v1/session-types')
      .set(tenant.auth)
      .send({ name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' }, ...body })
      .expect(201);
    return res.body.id;
  };

  const createSchedule = async (tenant: TenantSession, sessionTypeIds: string[], body: Record<string, unknown> = {}): Promise<string> => {
    const res = await t.http
      .post('/v1/schedules')
      .set(tenant.auth)
      .send({ host: 'Coach Ada', timezone: NY, weeklyHours: WEEKDAY_HOURS, sessionTypeIds, ...body })
      .expect(201);
    return res.body.id;
  };

  /** Sells a package and waits for the read models (auto-pick finds candidates in the packages read model). */
  const sell = async (tenant: TenantSession, offeringId: string, clientId: string) => {
    const res = await t.http.post('/v1/packages').set(tenant.auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
    await settle(tenant, res);
    return res.body as { id: string; expiresAt: string | null; creditsRemaining: number };
  };

  const book = (tenant: TenantSession, body: { clientId: string; scheduleId: string; sessionTypeId: string; start: string; packageId?: string }) =>
    t.http.post('/v1/bookings').set(tenant.auth).send(body);
  const cancel = (tenant: TenantSession, bookingId: string, body: Record<string, unknown> = {}) =>
    t.http.post(`/v1/bookings/${bookingId}/cancellations`).set(tenant.auth).send(body);
  const reschedule = (tenant: TenantSession, bookingId: string, body: { start: string; scheduleId?: string }) =>
    t.http.post(`/v1/bookings/${bookingId}/reschedules`).set(tenant.auth).send(body);
  const attendance = (tenant: TenantSession, bookingId: string, value: 'attended' | 'no_show') =>
    t.http.post(`/v1/bookings/${bookingId}/attendance`).set(tenant.auth).send({ attendance: value });

  const slots = async (tenant: TenantSession, scheduleId: string, from: string, to: string, query: Record<string, string> = {}): Promise<any[]> =>
    (await t.http.get(`/v1/schedules/${scheduleId}/slots`).query({ from, to, ...query }).set(tenant.auth).expect(200)).body.slots;

  const ledger = async (tenant: TenantSession, packageId: string, after: string): Promise<any[]> =>
    (await t.http.get(`/v1/packages/${packageId}/ledger`).query({ after }).set(tenant.auth).expect(200)).body.entries;

  const expectProblem = (res: Response, status: number, code: string) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  };

  /** Events of some types a tenant has stored. */
  const eventCounts = async (tenantId: string, types: string[]): Promise<Record<string, number>> => {
    const { rows } = await t.db.pool.query('SELECT type, count(*)::int AS n FROM events WHERE tenant_id = $1 AND type = ANY($2::text[]) GROUP BY type', [tenantId, types]);
    return Object.fromEntries(types.map((type) => [type, rows.find((r) => r.type === type)?.n ?? 0]));
  };

  /** The Monday (New York) of the week after the one two days from now: 3 to 9 days ahead, a whole Monday-to-Sunday week. */
  const nextMonday = () => DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
  /** The UTC instant of a wall-clock time on a New York day, formatted as the API formats instants. */
  const at = (day: DateTime, hour: number, minute = 0) => day.set({ hour, minute, second: 0, millisecond: 0 }).toUTC().toISO()!;
  const date = (day: DateTime) => day.toISODate()!;
  /** Moves the test clock to `offsetMs` from `instant`. */
  const moveClockTo = (instant: string, offsetMs = 0) => t.clock.advance(Date.parse(instant) + offsetMs - t.clock.now().getTime());

  /** A 60-minute session type on a New York weekday schedule, and an offering booking exactly them. */
  const setupStudio = async (tenant: TenantSession, offering: Record<string, unknown> = {}, sessionType: Record<string, unknown> = {}) => {
    const sessionTypeId = await createSessionType(tenant, sessionType);
    const scheduleId = await createSchedule(tenant, [sessionTypeId]);
    const created = await t.http
      .post('/v1/offerings')
      .set(tenant.auth)
      .send({
        name: '3 sessions',
        sessionCount: 3,
        price: { amount: 27000, currency: 'USD' },
        validityDays: 90,
        scheduleId,
        sessionTypeIds: [sessionTypeId],
        cancellationPolicy: STRICT_POLICY,
        ...offering,
      })
      .expect(201);
    /** `after`: the position of the last of these writes, for reads that must include them. */
    return { sessionTypeId, scheduleId, offeringId: created.body.id as string, after: positionOf(created) };
  };

  // ---------------------------------------------------------------- 1. walk-through

  describe('walk-through', () => {
    it('lists slots, books, cancels in time (returned), late (forfeited), marks no-show (forfeited) and attended (used)', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clientId = await studio.createClient('Ada Lovelace');
      const pkg = await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      const friday = monday.plus({ days: 4 });

      const offered = await slots(studio, scheduleId, date(monday), date(friday));
      expect(offered).toHaveLength(5 * 8); // 09:00 to 16:00, Monday to Friday
      expect(offered[0]).toEqual({
        scheduleId,
        sessionTypeId,
        start: at(monday, 9),
        end: at(monday, 10),
        localStart: monday.set({ hour: 9 }).toISO({ suppressMilliseconds: true }),
        localEnd: monday.set({ hour: 10 }).toISO({ suppressMilliseconds: true }),
        seatsLeft: 1,
        capacity: 1,
      });
      expect(offered.at(-1)!.start).toBe(at(friday, 16));
      const base = { clientId, scheduleId, sessionTypeId };

      // Book the first slot, letting the API pick the package.
      const first = await book(studio, { ...base, start: offered[0].start }).expect(201);
      expect(first.headers.location).toBe(`/v1/bookings/${first.body.id}`);
      expect(first.body).toMatchObject({
        id: expect.any(String),
        clientId,
        packageId: pkg.id,
        offeringId,
        scheduleId,
        sessionTypeId,
        start: at(monday, 9),
        end: at(monday, 10),
        date: date(monday),
        status: 'booked',
        creditOutcome: null,
        rule: null,
        package: { creditsTotal: 3, creditsUsed: 1, creditsRemaining: 2, expiresAt: pkg.expiresAt },
      });
      let after = positionOf(first);
      const shown = await t.http.get(`/v1/bookings/${first.body.id}`).query({ after }).set(studio.auth).expect(200);
      expect(shown.body).toMatchObject({ id: first.body.id, status: 'booked', packageId: pkg.id, start: at(monday, 9), date: date(monday) });
      const mondayAfterBooking = await slots(studio, scheduleId, date(monday), date(monday), { after });
      expect(mondayAfterBooking.map((s) => s.start)).toEqual([10, 11, 12, 13, 14, 15, 16].map((h) => at(monday, h)));
      let entries = await ledger(studio, pkg.id, after);
      expect(entries.at(-1)).toMatchObject({ type: 'SessionRedeemed', delta: -1, balance: 2, bookingId: first.body.id, serviceId: sessionTypeId, sessionAt: at(monday, 9) });

      // Cancelled more than 24 h ahead: the credit returns and the slot is free again.
      const cancelled = await cancel(studio, first.body.id, { reason: 'Cannot make it' }).expect(201);
      expect(cancelled.body).toMatchObject({
        id: first.body.id,
        status: 'cancelled',
        creditOutcome: 'returned',
        rule: 'cancelled_within_notice',
        package: { creditsUsed: 0, creditsRemaining: 3 },
      });
      after = positionOf(cancelled);
      entries = await ledger(studio, pkg.id, after);
      expect(entries.at(-1)).toMatchObject({ type: 'RedemptionReversed', delta: 1, balance: 3, rule: 'cancelled_within_notice', redemptionId: first.body.id });
      expect((await t.http.get(`/v1/bookings/${first.body.id}`).query({ after }).set(studio.auth).expect(200)).body).toMatchObject({
        status: 'cancelled',
        creditOutcome: 'returned',
        rule: 'cancelled_within_notice',
        late: false,
        reason: 'Cannot make it',
      });
      expect((await slots(studio, scheduleId, date(monday), date(monday), { after }))[0].start).toBe(at(monday, 9));
      expectProblem(await cancel(studio, first.body.id), 409, 'booking_cancelled');

      // Booked again, then cancelled 12 h before: inside the 24 h notice, the credit is forfeited.
      const second = await book(studio, { ...base, start: at(monday, 10) }).expect(201);
      expect(second.body.package).toMatchObject({ creditsUsed: 1, creditsRemaining: 2 });
      moveClockTo(at(monday, 10), -12 * HOUR);
      const late = await cancel(studio, second.body.id, { reason: 'Overslept' }).expect(201);
      expect(late.body).toMatchObject({ status: 'cancelled', creditOutcome: 'forfeited', rule: 'late_cancellation_forfeits', package: { creditsUsed: 1, creditsRemaining: 2 } });
      after = positionOf(late);
      entries = await ledger(studio, pkg.id, after);
      expect(entries.at(-1)).toMatchObject({ type: 'SessionForfeited', delta: 0, balance: 2, rule: 'late_cancellation_forfeits', bookingId: second.body.id });
      expect((await t.http.get(`/v1/bookings/${second.body.id}`).query({ after }).set(studio.auth).expect(200)).body).toMatchObject({ status: 'cancelled', late: true });

      // Booked again; attendance cannot be marked before the start, cancelling after it is refused; a no-show forfeits.
      const third = await book(studio, { ...base, start: at(monday, 11) }).expect(201);
      expect(third.body.package).toMatchObject({ creditsUsed: 2, creditsRemaining: 1 });
      expectProblem(await attendance(studio, third.body.id, 'no_show'), 409, 'session_not_started');
      moveClockTo(at(monday, 11), MINUTE);
      expectProblem(await cancel(studio, third.body.id), 409, 'session_already_started');
      const noShow = await attendance(studio, third.body.id, 'no_show').expect(201);
      expect(noShow.body).toMatchObject({ status: 'no_show', creditOutcome: 'forfeited', rule: 'no_show_forfeits', package: { creditsUsed: 2, creditsRemaining: 1 } });
      entries = await ledger(studio, pkg.id, positionOf(noShow));
      expect(entries.at(-1)).toMatchObject({ type: 'SessionForfeited', delta: 0, balance: 1, rule: 'no_show_forfeits', bookingId: third.body.id });
      expectProblem(await attendance(studio, third.body.id, 'attended'), 409, 'attendance_already_marked');

      // The last credit: attended, the credit is used.
      const fourth = await book(studio, { ...base, start: at(monday, 12) }).expect(201);
      expect(fourth.body.package).toMatchObject({ creditsUsed: 3, creditsRemaining: 0 });
      moveClockTo(at(monday, 12), 30 * MINUTE);
      const attended = await attendance(studio, fourth.body.id, 'attended').expect(201);
      expect(attended.body).toMatchObject({ status: 'attended', creditOutcome: 'used', rule: 'attended', package: { creditsUsed: 3, creditsRemaining: 0 } });
      after = positionOf(attended);

      // Nothing left to book with: the automatic choice names the real reason, as naming the package does.
      expectProblem(await book(studio, { ...base, start: at(monday, 15) }), 409, 'no_credits_left');
      expectProblem(await book(studio, { ...base, start: at(monday, 15), packageId: pkg.id }), 409, 'no_credits_left');

      entries = await ledger(studio, pkg.id, after);
      expect(entries.map((e) => [e.type, e.delta, e.balance, e.rule])).toEqual([
        ['PackagePurchased', 3, 3, null],
        ['SessionRedeemed', -1, 2, null],
        ['RedemptionReversed', 1, 3, 'cancelled_within_notice'],
        ['SessionRedeemed', -1, 2, null],
        ['SessionForfeited', 0, 2, 'late_cancellation_forfeits'],
        ['SessionRedeemed', -1, 1, null],
        ['SessionForfeited', 0, 1, 'no_show_forfeits'],
        ['SessionRedeemed', -1, 0, null],
      ]);
      const detail = await t.http.get(`/v1/packages/${pkg.id}`).query({ after }).set(studio.auth).expect(200);
      expect(detail.body).toMatchObject({ creditsTotal: 3, creditsUsed: 3, creditsRemaining: 0 });

      // The bookings list filters by package, status, client and start range.
      const list = async (query: Record<string, string>) =>
        (await t.http.get('/v1/bookings').query({ after, ...query }).set(studio.auth).expect(200)).body.items.map((b: any) => b.id);
      expect(await list({ packageId: pkg.id })).toEqual([first.body.id, second.body.id, third.body.id, fourth.body.id]);
      expect(await list({ packageId: pkg.id, status: 'cancelled' })).toEqual([first.body.id, second.body.id]);
      expect(await list({ clientId, status: 'no_show' })).toEqual([third.body.id]);
      expect(await list({ scheduleId, offeringId, status: 'attended' })).toEqual([fourth.body.id]);
      expect(await list({ scheduleId, from: at(monday, 10), to: at(monday, 12) })).toEqual([second.body.id, third.body.id]);
    });

    it('reschedules to another slot the same day and another day: the booking moves, the old slot frees, the ledger records it', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clientId = await studio.createClient();
      const pkg = await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      const tuesday = monday.plus({ days: 1 });
      const base = { clientId, scheduleId, sessionTypeId };

      const booked = await book(studio, { ...base, start: at(monday, 9) }).expect(201);
      const id = booked.body.id;

      // Same day.
      const sameDay = await reschedule(studio, id, { start: at(monday, 14) }).expect(201);
      expect(sameDay.body).toMatchObject({ id, status: 'booked', start: at(monday, 14), end: at(monday, 15), date: date(monday), package: { creditsUsed: 1, creditsRemaining: 2 } });
      let after = positionOf(sameDay);
      let monSlots = (await slots(studio, scheduleId, date(monday), date(monday), { after })).map((s) => s.start);
      expect(monSlots).toContain(at(monday, 9));
      expect(monSlots).not.toContain(at(monday, 14));

      // Another day.
      const otherDay = await reschedule(studio, id, { start: at(tuesday, 10) }).expect(201);
      expect(otherDay.body).toMatchObject({ id, status: 'booked', start: at(tuesday, 10), date: date(tuesday), package: { creditsUsed: 1, creditsRemaining: 2 } });
      after = positionOf(otherDay);
      monSlots = (await slots(studio, scheduleId, date(monday), date(monday), { after })).map((s) => s.start);
      expect(monSlots).toHaveLength(8);
      const tueSlots = (await slots(studio, scheduleId, date(tuesday), date(tuesday), { after })).map((s) => s.start);
      expect(tueSlots).toHaveLength(7);
      expect(tueSlots).not.toContain(at(tuesday, 10));

      const shown = await t.http.get(`/v1/bookings/${id}`).query({ after }).set(studio.auth).expect(200);
      expect(shown.body).toMatchObject({ status: 'booked', start: at(tuesday, 10), date: date(tuesday), previousStarts: [at(monday, 9), at(monday, 14)] });
      const entries = await ledger(studio, pkg.id, after);
      expect(entries.map((e) => [e.type, e.delta, e.balance, e.bookingId, e.sessionAt])).toEqual([
        ['PackagePurchased', 3, 3, null, null],
        ['SessionRedeemed', -1, 2, id, at(monday, 9)],
        ['SessionRescheduled', 0, 2, id, at(monday, 14)],
        ['SessionRescheduled', 0, 2, id, at(tuesday, 10)],
      ]);
      const streamTypes = async (streamId: string) => (await t.infrastructure.system.eventStore.readStream(streamId)).map((e) => e.type);
      expect(await streamTypes(`booking-${id}`)).toEqual(['BookingPlaced', 'BookingRescheduled', 'BookingRescheduled']);
      expect(await streamTypes(`schedule-${scheduleId}-day-${date(monday)}`)).toEqual(['SlotReserved', 'SlotReleased', 'SlotReserved', 'SlotReleased']);
      expect(await streamTypes(`schedule-${scheduleId}-day-${date(tuesday)}`)).toEqual(['SlotReserved']);

      // Refusals: the same time, a taken slot, a time not offered, another schedule the package does not book.
      expectProblem(await reschedule(studio, id, { start: at(tuesday, 10) }), 409, 'same_time');
      const someoneElse = await studio.createClient();
      await book(studio, { clientId: someoneElse, scheduleId, sessionTypeId, start: at(tuesday, 11), packageId: (await sell(studio, offeringId, someoneElse)).id }).expect(201);
      expectProblem(await reschedule(studio, id, { start: at(tuesday, 11) }), 409, 'slot_full');
      expectProblem(await reschedule(studio, id, { start: at(tuesday, 11, 30) }), 409, 'slot_not_offered');
      const otherSchedule = await createSchedule(studio, [sessionTypeId]);
      expectProblem(await reschedule(studio, id, { start: at(tuesday, 12), scheduleId: otherSchedule }), 409, 'package_not_usable');

      // Inside the notice window the booking can no longer move.
      moveClockTo(at(tuesday, 10), -23 * HOUR);
      expectProblem(await reschedule(studio, id, { start: at(tuesday, 15) }), 409, 'reschedule_too_late');
      expect((await t.infrastructure.system.eventStore.readStream(`booking-${id}`)).map((e) => e.type)).toHaveLength(3);
    });
  });

  // ---------------------------------------------------------------- 2. package auto-pick

  describe('package choice', () => {
    it('books with a package sold a moment ago, before the read models have caught up (automatic choice)', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clientId = await studio.createClient('Just Bought');
      // No ?after= wait: the booking follows the sale at once, as a storefront would.
      const sale = await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId, payment: { method: 'card' } }).expect(201);
      const res = await book(studio, { clientId, scheduleId, sessionTypeId, start: at(nextMonday(), 10) });
      expect(res.status).toBe(201);
      expect(res.body.packageId).toBe(sale.body.id);
    });

    it('auto-picks the usable package expiring first, skips packages for other session types, and refuses when none fits', async () => {
      const training = await createSessionType(studio, { name: 'Training' });
      const massage = await createSessionType(studio, { name: 'Massage' });
      const scheduleId = await createSchedule(studio, [training, massage]);
      const longOffering = await studio.createOffering({ name: 'Long', sessionCount: 5, validityDays: 90 });
      const shortOffering = await studio.createOffering({ name: 'Short', sessionCount: 5, validityDays: 30 });
      const massageOnly = await studio.createOffering({ name: 'Massage only', sessionCount: 5, validityDays: 10, sessionTypeIds: [massage] });
      const ada = await studio.createClient();
      const longPkg = await sell(studio, longOffering, ada);
      const shortPkg = await sell(studio, shortOffering, ada);
      const massagePkg = await sell(studio, massageOnly, ada);
      expect(Date.parse(massagePkg.expiresAt!)).toBeLessThan(Date.parse(shortPkg.expiresAt!));
      expect(Date.parse(shortPkg.expiresAt!)).toBeLessThan(Date.parse(longPkg.expiresAt!));
      const monday = nextMonday();

      // Training: the massage-only package expires first but cannot book training; the short one is next.
      const trainingBooked = await book(studio, { clientId: ada, scheduleId, sessionTypeId: training, start: at(monday, 9) }).expect(201);
      expect(trainingBooked.body.packageId).toBe(shortPkg.id);
      const massageBooked = await book(studio, { clientId: ada, scheduleId, sessionTypeId: massage, start: at(monday, 11) }).expect(201);
      expect(massageBooked.body.packageId).toBe(massagePkg.id);

      // Another client with only a massage package, and one with none at all.
      const bob = await studio.createClient();
      const bobMassage = await sell(studio, massageOnly, bob);
      expectProblem(await book(studio, { clientId: bob, scheduleId, sessionTypeId: training, start: at(monday, 13) }), 409, 'no_usable_package');
      expectProblem(await book(studio, { clientId: bob, scheduleId, sessionTypeId: training, start: at(monday, 13), packageId: bobMassage.id }), 409, 'package_not_usable');
      const carol = await studio.createClient();
      expectProblem(await book(studio, { clientId: carol, scheduleId, sessionTypeId: training, start: at(monday, 13) }), 409, 'no_usable_package');

      // Someone else's package, named explicitly.
      expectProblem(await book(studio, { clientId: bob, scheduleId, sessionTypeId: training, start: at(monday, 13), packageId: longPkg.id }), 409, 'package_not_usable');
      const events = await t.infrastructure.system.eventStore.readStream(`package-${longPkg.id}`);
      expect(events.map((e) => e.type)).toEqual(['PackagePurchased']);
    });

    it('honours group visibility: a package of a group-only offering is usable once the client joins the group', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, { visibility: { kind: 'groups', groups: ['VIP'] } });
      const clientId = await studio.createClient();
      // Sold outside the groups only by a staff override (issue 16; a sale without one is refused).
      const sale = await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId, payment: { method: 'cash' }, visibilityOverrideReason: 'Joining VIP next week' }).expect(201);
      await settle(studio, sale);
      const pkg = sale.body;
      const monday = nextMonday();
      const request = { clientId, scheduleId, sessionTypeId, start: at(monday, 9) };

      expectProblem(await book(studio, request), 409, 'offering_not_visible');
      expectProblem(await book(studio, { ...request, packageId: pkg.id }), 409, 'offering_not_visible');

      const patched = await t.http.patch(`/v1/clients/${clientId}`).set(studio.auth).send({ groups: ['Mornings', 'VIP'] }).expect(200);
      expect(patched.body.groups).toEqual(['Mornings', 'VIP']);
      const booked = await book(studio, request).expect(201);
      expect(booked.body).toMatchObject({ packageId: pkg.id, package: { creditsRemaining: 2 } });

      // Leaving the group: new bookings are refused again (the existing one stays).
      await t.http.patch(`/v1/clients/${clientId}`).set(studio.auth).send({ groups: [] }).expect(200);
      expectProblem(await book(studio, { ...request, start: at(monday, 10) }), 409, 'offering_not_visible');
      const shown = await t.http.get(`/v1/bookings/${booked.body.id}`).query({ after: positionOf(booked) }).set(studio.auth).expect(200);
      expect(shown.body.status).toBe('booked');
    });
  });

  // ---------------------------------------------------------------- 3. races

  describe('races', () => {
    const statusesOf = (responses: Response[]) => responses.map((r) => r.status);
    const expectNo5xx = (responses: Response[]) => expect(responses.filter((r) => r.status >= 500).map((r) => [r.status, r.body])).toEqual([]);
    const clients = (tenant: TenantSession, n: number) => Promise.all(Array.from({ length: n }, () => tenant.createClient()));

    it('the last seat: of 10 clients booking a 1-seat slot at once exactly one wins, the rest get 409 slot_full', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race, { sessionCount: 5 }, { capacity: 1 });
      const ids = await clients(race, 10);
      const packages = await Promise.all(ids.map((id) => race.sellPackage(offeringId, id)));
      const start = at(nextMonday(), 10);

      const responses = await Promise.all(ids.map((clientId, i) => book(race, { clientId, scheduleId, sessionTypeId, start, packageId: packages[i].id })));
      expectNo5xx(responses);
      expect(statusesOf(responses).filter((s) => s === 201)).toHaveLength(1);
      const refused = responses.filter((r) => r.status !== 201);
      expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array(9).fill([409, 'slot_full']));

      const winner = responses.find((r) => r.status === 201)!;
      const after = positionOf(winner);
      const listed = await t.http.get('/v1/bookings').query({ scheduleId, after }).set(race.auth).expect(200);
      expect(listed.body.items.map((b: any) => [b.id, b.status])).toEqual([[winner.body.id, 'booked']]);
      expect(await eventCounts(race.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 1, SlotReserved: 1, SessionRedeemed: 1 });
      const day = DateTime.fromISO(start, { zone: NY });
      expect((await slots(race, scheduleId, date(day), date(day), { after })).map((s) => s.start)).not.toContain(start);
    });

    it('a group session of 3 seats: of 8 clients booking at once (auto-picking their packages) exactly 3 win', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race, { sessionCount: 5 }, { name: 'Small group', capacity: 3 });
      const ids = await clients(race, 8);
      for (const id of ids) await sell(race, offeringId, id);
      const monday = nextMonday();
      const start = at(monday, 9);
      expect((await slots(race, scheduleId, date(monday), date(monday)))[0]).toMatchObject({ start, seatsLeft: 3, capacity: 3 });

      const responses = await Promise.all(ids.map((clientId) => book(race, { clientId, scheduleId, sessionTypeId, start })));
      expectNo5xx(responses);
      const winners = responses.filter((r) => r.status === 201);
      expect(winners).toHaveLength(3);
      expect(responses.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([409, 'slot_full']));

      for (const w of winners) await settle(race, w);
      const listed = await t.http.get('/v1/bookings').query({ scheduleId, status: 'booked' }).set(race.auth).expect(200);
      expect(listed.body.items.map((b: any) => b.id).sort()).toEqual(winners.map((w) => w.body.id).sort());
      expect(await eventCounts(race.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 3, SlotReserved: 3, SessionRedeemed: 3 });
      expect((await slots(race, scheduleId, date(monday), date(monday))).map((s) => s.start)).not.toContain(start);
    });

    it('the last credit: of 10 bookings at different slots on a 1-credit package exactly one wins, the rest get 409 no_credits_left', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race, { sessionCount: 1 });
      const clientId = await race.createClient();
      const pkg = await race.sellPackage(offeringId, clientId);
      const monday = nextMonday();
      const starts = [9, 10, 11, 12, 13, 14, 15, 16].map((h) => at(monday, h)).concat([9, 10].map((h) => at(monday.plus({ days: 1 }), h)));

      const responses = await Promise.all(starts.map((start) => book(race, { clientId, scheduleId, sessionTypeId, start, packageId: pkg.id })));
      expectNo5xx(responses);
      const winners = responses.filter((r) => r.status === 201);
      expect(winners).toHaveLength(1);
      expect(responses.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code])).toEqual(Array(9).fill([409, 'no_credits_left']));

      const after = positionOf(winners[0]);
      const detail = await t.http.get(`/v1/packages/${pkg.id}`).query({ after }).set(race.auth).expect(200);
      expect(detail.body).toMatchObject({ creditsTotal: 1, creditsUsed: 1, creditsRemaining: 0 });
      const listed = await t.http.get('/v1/bookings').query({ packageId: pkg.id, after }).set(race.auth).expect(200);
      expect(listed.body.items.map((b: any) => b.id)).toEqual([winners[0].body.id]);
      expect(await eventCounts(race.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 1, SlotReserved: 1, SessionRedeemed: 1 });
    });

    it('the weekly cap: of 8 bookings in one week on a 2-per-week package exactly 2 win, the rest get 409 weekly_limit_reached', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race, { sessionCount: 10, maxSessionsPerWeek: 2 });
      const clientId = await race.createClient();
      const pkg = await race.sellPackage(offeringId, clientId);
      const monday = nextMonday();
      const starts = [monday, monday.plus({ days: 1 })].flatMap((day) => [9, 10, 11, 12].map((h) => at(day, h)));

      const responses = await Promise.all(starts.map((start) => book(race, { clientId, scheduleId, sessionTypeId, start, packageId: pkg.id })));
      expectNo5xx(responses);
      const winners = responses.filter((r) => r.status === 201);
      expect(winners).toHaveLength(2);
      expect(responses.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code])).toEqual(Array(6).fill([409, 'weekly_limit_reached']));
      expect(await eventCounts(race.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 2, SlotReserved: 2, SessionRedeemed: 2 });

      // The week after is a new week; the friday of the same week is not.
      expectProblem(await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday.plus({ days: 4 }), 16), packageId: pkg.id }), 409, 'weekly_limit_reached');
      const nextWeek = await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday.plus({ weeks: 1 }), 9), packageId: pkg.id }).expect(201);
      expect(nextWeek.body.package).toMatchObject({ creditsUsed: 3, creditsRemaining: 7 });
    });

    it('concurrent cancellations of one booking: exactly one returns the credit, the others get 409 booking_cancelled', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race);
      const clientId = await race.createClient();
      const pkg = await race.sellPackage(offeringId, clientId);
      const booked = await book(race, { clientId, scheduleId, sessionTypeId, start: at(nextMonday(), 9), packageId: pkg.id }).expect(201);

      const responses = await Promise.all(Array.from({ length: 6 }, () => cancel(race, booked.body.id, { reason: 'Double click' })));
      expectNo5xx(responses);
      const winners = responses.filter((r) => r.status === 201);
      expect(winners).toHaveLength(1);
      expect(winners[0].body).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', package: { creditsUsed: 0, creditsRemaining: 3 } });
      expect(responses.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([409, 'booking_cancelled']));
      expect(await eventCounts(race.tenantId, ['BookingCancelled', 'SlotReleased', 'RedemptionReversed'])).toEqual({ BookingCancelled: 1, SlotReleased: 1, RedemptionReversed: 1 });
    });

    it('a cancellation racing reschedules of the same booking: the cancellation always wins in the end, the credit returns once', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race);
      const clientId = await race.createClient();
      const pkg = await race.sellPackage(offeringId, clientId);
      const monday = nextMonday();
      const booked = await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday, 9), packageId: pkg.id }).expect(201);

      const [cancelled, ...moves] = await Promise.all([
        cancel(race, booked.body.id),
        ...[10, 11, 12, 13].map((h) => reschedule(race, booked.body.id, { start: at(monday, h) })),
      ]);
      expectNo5xx([cancelled, ...moves]);
      expect(cancelled.status).toBe(201);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', package: { creditsUsed: 0, creditsRemaining: 3 } });
      // Each move either landed before the cancellation or was refused because of it.
      for (const move of moves) {
        if (move.status !== 201) expect([move.status, move.body.code]).toEqual([409, 'booking_cancelled']);
      }
      const after = positionOf(cancelled);
      expect((await t.http.get(`/v1/bookings/${booked.body.id}`).query({ after }).set(race.auth).expect(200)).body.status).toBe('cancelled');
      expect(await slots(race, scheduleId, date(monday), date(monday), { after })).toHaveLength(8);
      const counts = await eventCounts(race.tenantId, ['BookingCancelled', 'RedemptionReversed', 'BookingRescheduled', 'SlotReserved', 'SlotReleased']);
      const moved = moves.filter((m) => m.status === 201).length;
      expect(counts).toEqual({ BookingCancelled: 1, RedemptionReversed: 1, BookingRescheduled: moved, SlotReserved: 1 + moved, SlotReleased: 1 + moved });
    });

    it('concurrent no-show marks of one booking: exactly one forfeits the credit, the others get 409 attendance_already_marked', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race);
      const clientId = await race.createClient();
      const pkg = await race.sellPackage(offeringId, clientId);
      const start = at(nextMonday(), 9);
      const booked = await book(race, { clientId, scheduleId, sessionTypeId, start, packageId: pkg.id }).expect(201);
      moveClockTo(start, 5 * MINUTE);

      const responses = await Promise.all(Array.from({ length: 6 }, () => attendance(race, booked.body.id, 'no_show')));
      expectNo5xx(responses);
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(responses.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([409, 'attendance_already_marked']));
      expect(await eventCounts(race.tenantId, ['AttendanceMarked', 'SessionForfeited'])).toEqual({ AttendanceMarked: 1, SessionForfeited: 1 });
    });

    it('two bookings rescheduled into the one free seat at once: exactly one moves, the other keeps its slot', async () => {
      const race = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race);
      const monday = nextMonday();
      const tuesday = monday.plus({ days: 1 });
      const ids: string[] = [];
      for (const start of [at(monday, 9), at(tuesday, 9)]) {
        const clientId = await race.createClient();
        const pkg = await race.sellPackage(offeringId, clientId);
        ids.push((await book(race, { clientId, scheduleId, sessionTypeId, start, packageId: pkg.id }).expect(201)).body.id);
      }
      const target = at(monday, 14);
      const responses = await Promise.all(ids.map((id) => reschedule(race, id, { start: target })));
      expectNo5xx(responses);
      const winners = responses.filter((r) => r.status === 201);
      expect(winners).toHaveLength(1);
      const loser = responses.find((r) => r.status !== 201)!;
      expectProblem(loser, 409, 'slot_full');
      const loserId = ids[responses.indexOf(loser)];
      const after = positionOf(winners[0]);
      const listed = await t.http.get('/v1/bookings').query({ scheduleId, after }).set(race.auth).expect(200);
      const byId = Object.fromEntries(listed.body.items.map((b: any) => [b.id, b.start]));
      expect(byId[winners[0].body.id]).toBe(target);
      expect(byId[loserId]).toBe(loserId === ids[0] ? at(monday, 9) : at(tuesday, 9));
      expect(await eventCounts(race.tenantId, ['SlotReserved', 'SlotReleased', 'SessionRescheduled'])).toEqual({ SlotReserved: 3, SlotReleased: 1, SessionRescheduled: 1 });
    });
  });

  // ---------------------------------------------------------------- 4. offering changes

  it('reducing the offering’s session count below what a package booked keeps its bookings but refuses new ones (booking_limit_reached)', async () => {
    const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, { sessionCount: 3 });
    const clientId = await studio.createClient();
    const pkg = await sell(studio, offeringId, clientId);
    const monday = nextMonday();
    const base = { clientId, scheduleId, sessionTypeId, packageId: pkg.id };
    const one = await book(studio, { ...base, start: at(monday, 9) }).expect(201);
    const two = await book(studio, { ...base, start: at(monday, 10) }).expect(201);

    const patched = await t.http.patch(`/v1/offerings/${offeringId}`).set(studio.auth).send({ sessionCount: 1 }).expect(200);
    expect(patched.body.sessionCount).toBe(1);
    const after = positionOf(patched);
    for (const b of [one, two]) {
      expect((await t.http.get(`/v1/bookings/${b.body.id}`).query({ after }).set(studio.auth).expect(200)).body.status).toBe('booked');
    }
    expectProblem(await book(studio, { ...base, start: at(monday, 11) }), 409, 'booking_limit_reached');
    expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 11) }), 409, 'booking_limit_reached');
    const detail = await t.http.get(`/v1/packages/${pkg.id}`).query({ after }).set(studio.auth).expect(200);
    expect(detail.body).toMatchObject({ creditsTotal: 3, creditsUsed: 2, creditsRemaining: 1 });
    // An existing booking can still move (it already counts against the limit).
    await reschedule(studio, two.body.id, { start: at(monday, 15) }).expect(201);
  });

  // ---------------------------------------------------------------- 5. idempotency

  describe('Idempotency-Key', () => {
    it('answers a repeated booking with the same key and body with the same booking, and redeems one credit', async () => {
      const tenant = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(tenant);
      const clientId = await tenant.createClient();
      await sell(tenant, offeringId, clientId);
      const body = { clientId, scheduleId, sessionTypeId, start: at(nextMonday(), 9) };
      const send = () => t.http.post('/v1/bookings').set(tenant.auth).set('Idempotency-Key', 'book-monday-9').send(body);

      const first = await send().expect(201);
      const again = await send().expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(await eventCounts(tenant.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 1, SlotReserved: 1, SessionRedeemed: 1 });

      const reused = await t.http.post('/v1/bookings').set(tenant.auth).set('Idempotency-Key', 'book-monday-9').send({ ...body, start: at(nextMonday(), 10) });
      expectProblem(reused, 422, 'idempotency_key_reused');
    });

    it('stores the answer in the same write as the events (ADR 0028), so a retry after a crash replays it: the same booking, nothing more', async () => {
      const tenant = await t.newTenant();
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(tenant);
      const clientId = await tenant.createClient();
      await sell(tenant, offeringId, clientId);
      const body = { clientId, scheduleId, sessionTypeId, start: at(nextMonday(), 9) };
      const first = await t.http.post('/v1/bookings').set(tenant.auth).set('Idempotency-Key', 'crash-1').send(body).expect(201);
      // No "appended but not recorded" state exists to crash in: the record is already final.
      const { rows } = await t.db.pool.query(`SELECT status_code, locked_until, response_body FROM idempotency_keys WHERE key = 'crash-1'`);
      expect(rows).toEqual([{ status_code: 201, locked_until: null, response_body: first.text }]);
      const retry = await t.http.post('/v1/bookings').set(tenant.auth).set('Idempotency-Key', 'crash-1').send(body).expect(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.text).toBe(first.text);
      expect(retry.headers.location).toBe(`/v1/bookings/${first.body.id}`);
      expect(retry.body).toMatchObject({ id: first.body.id, status: 'booked', package: { creditsUsed: 1, creditsRemaining: 2 } });
      expect(await eventCounts(tenant.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 1, SlotReserved: 1, SessionRedeemed: 1 });
    });
  });

  // ---------------------------------------------------------------- 6. slot rules

  describe('slot rules', () => {
    it('minimum lead time: slots inside it are not listed and booking one is refused (too_late_to_book)', async () => {
      const sessionTypeId = await createSessionType(studio, { minLeadHours: 48 });
      const scheduleId = await createSchedule(studio, [sessionTypeId], { weeklyHours: EVERY_DAY_HOURS });
      const clientId = await studio.createClient();
      await sell(studio, await studio.createOffering({ sessionCount: 3, scheduleId }), clientId);
      const now = DateTime.fromJSDate(t.clock.now(), { zone: NY });
      // Every slot tomorrow (New York) starts after now and before now + 48 h.
      const tomorrow = now.plus({ days: 1 }).startOf('day');
      const listed = await slots(studio, scheduleId, date(now), date(now.plus({ days: 4 })));
      expect(listed.length).toBeGreaterThan(0);
      for (const slot of listed) expect(Date.parse(slot.start)).toBeGreaterThanOrEqual(now.toMillis() + 48 * HOUR);
      expect(listed.filter((s) => DateTime.fromISO(s.localStart, { setZone: true }).toISODate() === date(tomorrow))).toEqual([]);
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(tomorrow, 12) }), 409, 'too_late_to_book');
      // Beyond the lead time it books.
      await book(studio, { clientId, scheduleId, sessionTypeId, start: listed[0].start }).expect(201);
    });

    it('buffer: a booking blocks the adjacent slot of another session type within the buffer (slot_unavailable)', async () => {
      const long = await createSessionType(studio, { name: 'Long, 15 min buffer', durationMinutes: 60, bufferMinutes: 15 });
      const short = await createSessionType(studio, { name: 'Short', durationMinutes: 30 });
      const scheduleId = await createSchedule(studio, [long, short]);
      const offeringId = await studio.createOffering({ sessionCount: 5 });
      const clientId = await studio.createClient();
      await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      const shortSlots = async (after?: string) =>
        (await slots(studio, scheduleId, date(monday), date(monday), { sessionTypeId: short, ...(after && { after }) })).map((s) => s.start);
      // Long sessions step by 60 + 15 minutes; short ones by 30.
      expect((await slots(studio, scheduleId, date(monday), date(monday), { sessionTypeId: long })).map((s) => s.start)).toEqual(
        [[9, 0], [10, 15], [11, 30], [12, 45], [14, 0], [15, 15]].map(([h, m]) => at(monday, h, m)),
      );
      expect(await shortSlots()).toHaveLength(16);

      const booked = await book(studio, { clientId, scheduleId, sessionTypeId: long, start: at(monday, 9) }).expect(201);
      const after = positionOf(booked);
      const free = await shortSlots(after);
      expect(free).not.toContain(at(monday, 9));
      expect(free).not.toContain(at(monday, 9, 30));
      expect(free).not.toContain(at(monday, 10)); // 10:00 is inside the 15-minute buffer after 09:00-10:00
      expect(free).toContain(at(monday, 10, 30));
      expect(free).toHaveLength(13);
      // The long type's next slot (10:15) starts exactly at the end of the buffer: still free. (Asked
      // before the next booking: a listing at `after` may already include it, and 10:30 overlaps 10:15.)
      expect((await slots(studio, scheduleId, date(monday), date(monday), { sessionTypeId: long, after })).map((s) => s.start)).toContain(at(monday, 10, 15));
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId: short, start: at(monday, 10) }), 409, 'slot_unavailable');
      await book(studio, { clientId, scheduleId, sessionTypeId: short, start: at(monday, 10, 30) }).expect(201);
    });

    it('a group session shows the seats left as they are booked', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, {}, { name: 'Group', capacity: 4 });
      const monday = nextMonday();
      let after: string | undefined;
      for (const seatsLeft of [4, 3, 2]) {
        const listed = await slots(studio, scheduleId, date(monday), date(monday), after ? { after } : {});
        expect(listed[0]).toMatchObject({ start: at(monday, 9), seatsLeft, capacity: 4 });
        const clientId = await studio.createClient();
        const pkg = await sell(studio, offeringId, clientId);
        after = positionOf(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9), packageId: pkg.id }).expect(201));
      }
      expect((await slots(studio, scheduleId, date(monday), date(monday), { after: after! }))[0]).toMatchObject({ start: at(monday, 9), seatsLeft: 1 });
    });

    it('a date override day off has no slots and cannot be booked', async () => {
      const sessionTypeId = await createSessionType(studio);
      const monday = nextMonday();
      const tuesday = monday.plus({ days: 1 });
      const scheduleId = await createSchedule(studio, [sessionTypeId], {
        overrides: [
          { date: date(tuesday), hours: [] },
          { date: date(monday.plus({ days: 5 })), hours: [{ start: '10:00', end: '12:00' }] }, // an extra Saturday morning
        ],
      });
      const offeringId = await studio.createOffering({ sessionCount: 3 });
      const clientId = await studio.createClient();
      await sell(studio, offeringId, clientId);
      const listed = await slots(studio, scheduleId, date(monday), date(monday.plus({ days: 6 })));
      const perDay: Record<string, number> = {};
      for (const slot of listed) {
        const day = DateTime.fromISO(slot.localStart, { setZone: true }).toISODate()!;
        perDay[day] = (perDay[day] ?? 0) + 1;
      }
      expect(perDay).toEqual({
        [date(monday)]: 8,
        [date(monday.plus({ days: 2 }))]: 8,
        [date(monday.plus({ days: 3 }))]: 8,
        [date(monday.plus({ days: 4 }))]: 8,
        [date(monday.plus({ days: 5 }))]: 2,
      });
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(tuesday, 9) }), 409, 'slot_not_offered');
      await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday.plus({ days: 5 }), 10) }).expect(201);
    });

    it('a daily cap (maxSessionsPerDay) hides the day once reached and refuses more (daily_limit_reached)', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, { sessionCount: 5 }, { maxSessionsPerDay: 2 });
      const clientId = await studio.createClient();
      const pkg = await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      const base = { clientId, scheduleId, sessionTypeId, packageId: pkg.id };
      await book(studio, { ...base, start: at(monday, 9) }).expect(201);
      const second = await book(studio, { ...base, start: at(monday, 13) }).expect(201);
      const after = positionOf(second);
      expect(await slots(studio, scheduleId, date(monday), date(monday), { after })).toEqual([]);
      expect(await slots(studio, scheduleId, date(monday.plus({ days: 1 })), date(monday.plus({ days: 1 })), { after })).toHaveLength(8);
      expectProblem(await book(studio, { ...base, start: at(monday, 15) }), 409, 'daily_limit_reached');
      await book(studio, { ...base, start: at(monday.plus({ days: 1 }), 15) }).expect(201);
    });

    it('a maximum lead time (maxLeadDays) hides later slots and refuses them (too_far_ahead)', async () => {
      const sessionTypeId = await createSessionType(studio, { maxLeadDays: 5 });
      const scheduleId = await createSchedule(studio, [sessionTypeId], { weeklyHours: EVERY_DAY_HOURS });
      const clientId = await studio.createClient();
      await sell(studio, await studio.createOffering({ sessionCount: 3 }), clientId);
      const now = DateTime.fromJSDate(t.clock.now(), { zone: NY });
      const listed = await slots(studio, scheduleId, date(now), date(now.plus({ days: 10 })));
      expect(listed.length).toBeGreaterThan(0);
      for (const slot of listed) expect(Date.parse(slot.start)).toBeLessThanOrEqual(now.toMillis() + 5 * 24 * HOUR);
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(now.plus({ days: 8 }).startOf('day'), 9) }), 409, 'too_far_ahead');
      await book(studio, { clientId, scheduleId, sessionTypeId, start: at(now.plus({ days: 2 }).startOf('day'), 9) }).expect(201);
    });

    it('a session at or after the package’s expiry is refused (session_after_expiry), whichever way the package is chosen', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, { validityDays: 1 });
      const clientId = await studio.createClient();
      const pkg = await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      expect(Date.parse(pkg.expiresAt!)).toBeLessThan(Date.parse(at(monday, 9)));
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9), packageId: pkg.id }), 409, 'session_after_expiry');
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9) }), 409, 'session_after_expiry');
    });

    it('weekly caps count weeks in the client’s time zone', async () => {
      const sessionTypeId = await createSessionType(studio);
      const scheduleId = await createSchedule(studio, [sessionTypeId], { weeklyHours: EVERY_DAY_HOURS });
      const offeringId = await studio.createOffering({ sessionCount: 5, maxSessionsPerWeek: 1 });
      const monday = nextMonday();
      const sunday = monday.minus({ days: 1 }); // 11:00 Sunday in New York is 01:00 Monday in Tokyo
      expect(DateTime.fromISO(at(sunday, 11)).setZone('Asia/Tokyo').weekNumber).toBe(monday.weekNumber);
      const inTokyo = (await t.http.post('/v1/clients').set(studio.auth).send({ name: 'Kenji', email: `kenji-${Date.now()}@example.com`, timezone: 'Asia/Tokyo' }).expect(201)).body.id;
      const inNewYork = await studio.createClient(); // no zone: the tenant's (New York)
      for (const clientId of [inTokyo, inNewYork]) {
        const pkg = await sell(studio, offeringId, clientId);
        await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, clientId === inTokyo ? 9 : 10), packageId: pkg.id }).expect(201);
      }
      expectProblem(await book(studio, { clientId: inTokyo, scheduleId, sessionTypeId, start: at(sunday, 11) }), 409, 'weekly_limit_reached');
      const tokyoPkg = (await t.http.get('/v1/packages').query({ clientId: inTokyo }).set(studio.auth).expect(200)).body.items[0].id;
      expectProblem(await book(studio, { clientId: inTokyo, scheduleId, sessionTypeId, start: at(sunday, 11), packageId: tokyoPkg }), 409, 'weekly_limit_reached');
      await book(studio, { clientId: inNewYork, scheduleId, sessionTypeId, start: at(sunday, 11) }).expect(201);
    });

    it('an inactive schedule offers no slots and refuses bookings (schedule_inactive)', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clientId = await studio.createClient();
      await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      expect(await slots(studio, scheduleId, date(monday), date(monday))).toHaveLength(8);

      const paused = await t.http.patch(`/v1/schedules/${scheduleId}`).set(studio.auth).send({ active: false }).expect(200);
      const after = positionOf(paused);
      expect(await slots(studio, scheduleId, date(monday), date(monday), { after })).toEqual([]);
      const bySessionType = await t.http.get(`/v1/session-types/${sessionTypeId}/slots`).query({ from: date(monday), to: date(monday), after }).set(studio.auth).expect(200);
      expect(bySessionType.body.slots).toEqual([]);
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9) }), 409, 'schedule_inactive');

      const resumed = await t.http.patch(`/v1/schedules/${scheduleId}`).set(studio.auth).send({ active: true }).expect(200);
      expect(await slots(studio, scheduleId, date(monday), date(monday), { after: positionOf(resumed) })).toHaveLength(8);
      await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9) }).expect(201);
    });

    it('the timezone parameter shows local times and picks the dates in the viewer’s zone', async () => {
      const { sessionTypeId, scheduleId, after } = await setupStudio(studio);
      const monday = nextMonday();
      const inNewYork = await slots(studio, scheduleId, date(monday), date(monday));
      const inBerlin = await slots(studio, scheduleId, date(monday), date(monday), { timezone: 'Europe/Berlin' });
      expect(inNewYork).toHaveLength(8);
      expect(inBerlin.map((s) => s.start)).toEqual(inNewYork.map((s) => s.start)); // Berlin's Monday holds all of New York's Monday hours
      for (const [ny, berlin] of inNewYork.map((s, i) => [s, inBerlin[i]])) {
        expect(ny.localStart).toBe(DateTime.fromISO(ny.start).setZone(NY).toISO({ suppressMilliseconds: true }));
        expect(berlin.localStart).toBe(DateTime.fromISO(ny.start).setZone('Europe/Berlin').toISO({ suppressMilliseconds: true }));
        expect(berlin.localStart).not.toBe(ny.localStart);
        expect(berlin.localEnd).toBe(DateTime.fromISO(ny.end).setZone('Europe/Berlin').toISO({ suppressMilliseconds: true }));
      }
      expect(inNewYork[0].localStart).toMatch(/T09:00:00-0[45]:00$/);

      // Tokyo's Tuesday holds the later part of New York's Monday (and New York's Tuesday morning is Tokyo's Tuesday night).
      const tuesday = monday.plus({ days: 1 });
      const inTokyo = await slots(studio, scheduleId, date(tuesday), date(tuesday), { timezone: 'Asia/Tokyo' });
      const expected = [monday, tuesday]
        .flatMap((day) => [9, 10, 11, 12, 13, 14, 15, 16].map((h) => at(day, h)))
        .filter((start) => DateTime.fromISO(start).setZone('Asia/Tokyo').toISODate() === date(tuesday));
      expect(expected.length).toBeGreaterThan(0);
      expect(inTokyo.map((s) => s.start)).toEqual(expected);
      for (const slot of inTokyo) expect(slot.localStart).toMatch(new RegExp(`^${date(tuesday)}T.*\\+09:00$`));

      // Across schedules by session type (UTC by default).
      const bySessionType = await t.http.get(`/v1/session-types/${sessionTypeId}/slots`).query({ from: date(monday), to: date(monday), timezone: NY, after }).set(studio.auth).expect(200);
      expect(bySessionType.body.slots).toEqual(inNewYork);
      const bySessionTypeUtc = await t.http.get(`/v1/session-types/${sessionTypeId}/slots`).query({ from: date(monday), to: date(monday) }).set(studio.auth).expect(200);
      expect(bySessionTypeUtc.body.timezone).toBe('UTC');
      expect(bySessionTypeUtc.body.slots.map((s: any) => s.start)).toEqual(inNewYork.map((s) => s.start));
      for (const slot of bySessionTypeUtc.body.slots) expect(slot.localStart).toMatch(new RegExp(`^${date(monday)}T.*(Z|\\+00:00)$`));
    });
  });

  // ---------------------------------------------------------------- 7. tenancy

  it('keeps bookings, schedules and slots to their tenant', async () => {
    const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
    const clientId = await studio.createClient();
    await sell(studio, offeringId, clientId);
    const monday = nextMonday();
    const booked = await book(studio, { clientId, scheduleId, sessionTypeId, start: at(monday, 9) }).expect(201);
    const after = await settle(studio, booked);

    const intruder = await t.newTenant();
    const own = await setupStudio(intruder);
    const intruderClient = await intruder.createClient();
    const intruderPkg = await sell(intruder, own.offeringId, intruderClient);

    expectProblem(await t.http.get(`/v1/bookings/${booked.body.id}`).query({ after }).set(intruder.auth), 404, 'booking_not_found');
    expectProblem(await cancel(intruder, booked.body.id), 404, 'booking_not_found');
    expectProblem(await attendance(intruder, booked.body.id, 'attended'), 404, 'booking_not_found');
    expectProblem(await reschedule(intruder, booked.body.id, { start: at(monday, 10) }), 404, 'booking_not_found');
    expect((await t.http.get('/v1/bookings').query({ scheduleId, after }).set(intruder.auth).expect(200)).body.items).toEqual([]);

    // Ids in a body that name nothing of this tenant: 422 unknown_<x> (issue 16: one rule for body references).
    expectProblem(await book(intruder, { clientId: intruderClient, scheduleId, sessionTypeId: own.sessionTypeId, start: at(monday, 10) }), 422, 'unknown_schedule');
    expectProblem(
      await book(intruder, { clientId: intruderClient, scheduleId, sessionTypeId: own.sessionTypeId, start: at(monday, 10), packageId: intruderPkg.id }),
      422,
      'unknown_schedule',
    );
    expectProblem(await book(intruder, { clientId: intruderClient, scheduleId: own.scheduleId, sessionTypeId, start: at(monday, 10) }), 422, 'unknown_session_type');
    expectProblem(await book(intruder, { clientId, scheduleId, sessionTypeId, start: at(monday, 10) }), 422, 'unknown_client');
    expectProblem(await t.http.get(`/v1/schedules/${scheduleId}/slots`).query({ from: date(monday), to: date(monday) }).set(intruder.auth), 404, 'schedule_not_found');
    expectProblem(await t.http.get(`/v1/session-types/${sessionTypeId}/slots`).query({ from: date(monday), to: date(monday) }).set(intruder.auth), 404, 'session_type_not_found');

    // Nothing of the intruder's attempts reached the studio's streams.
    expect((await t.infrastructure.system.eventStore.readStream(`booking-${booked.body.id}`)).map((e) => e.type)).toEqual(['BookingPlaced']);
    expect(await eventCounts(intruder.tenantId, ['BookingPlaced', 'SlotReserved', 'SessionRedeemed'])).toEqual({ BookingPlaced: 0, SlotReserved: 0, SessionRedeemed: 0 });
  });

  describe('issue 16: caps across packages, past sessions, visibility on sale, body references', () => {
    it('the weekly cap counts every package of the client and offering, also when two bookings on different packages race', async () => {
      const race = await t.newTenant({ timezone: NY });
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(race, { sessionCount: 10, maxSessionsPerWeek: 1 });
      const clientId = await race.createClient();
      const first = await sell(race, offeringId, clientId);
      const second = await sell(race, offeringId, clientId);
      const monday = nextMonday();

      // One after the other: the second package cannot add a second session to the week.
      await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday, 9), packageId: first.id }).expect(201);
      expectProblem(await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday, 11), packageId: second.id }), 409, 'weekly_limit_reached');
      expectProblem(await book(race, { clientId, scheduleId, sessionTypeId, start: at(monday, 11) }), 409, 'weekly_limit_reached');

      // At once, in each of the next weeks: exactly one of two bookings on different packages wins.
      for (let week = 1; week <= 4; week++) {
        const day = monday.plus({ weeks: week });
        const responses = await Promise.all([
          book(race, { clientId, scheduleId, sessionTypeId, start: at(day, 9), packageId: first.id }),
          book(race, { clientId, scheduleId, sessionTypeId, start: at(day.plus({ days: 1 }), 9), packageId: second.id }),
        ]);
        expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
        expect(responses.find((r) => r.status === 409)!.body.code).toBe('weekly_limit_reached');
      }
      expect(await eventCounts(race.tenantId, ['BookingPlaced'])).toEqual({ BookingPlaced: 5 });
    });

    it('staff record a past session: booked and attended at once, a credit taken, who and when recorded', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio, { sessionCount: 3 });
      const clientId = await studio.createClient();
      const pkg = await sell(studio, offeringId, clientId);
      const monday = nextMonday();
      const request = { clientId, scheduleId, sessionTypeId, start: at(monday, 9) };
      // Not yet happened: it is booked, not recorded.
      expectProblem(await t.http.post('/v1/bookings/past-sessions').set(studio.auth).send(request), 409, 'session_not_in_past');

      moveClockTo(at(monday, 18)); // the evening after
      const recorded = await t.http.post('/v1/bookings/past-sessions').set(studio.auth).send(request).expect(201);
      expect(recorded.headers.location).toBe(`/v1/bookings/${recorded.body.id}`);
      expect(Date.parse(recorded.body.pastSession.recordedAt)).toBeGreaterThanOrEqual(Date.parse(at(monday, 18)));
      expect(recorded.body).toMatchObject({
        status: 'attended',
        creditOutcome: 'used',
        rule: 'attended',
        packageId: pkg.id,
        start: at(monday, 9),
        pastSession: { recordedBy: expect.stringMatching(/^api-key:/), recordedAt: expect.any(String) },
        package: { creditsUsed: 1, creditsRemaining: 2 },
      });
      const shown = await t.http.get(`/v1/bookings/${recorded.body.id}`).query({ after: positionOf(recorded) }).set(studio.auth).expect(200);
      expect(shown.body).toMatchObject({ status: 'attended', creditOutcome: 'used' });
      // The seat is taken in the past too; a normal booking of a past slot is still refused.
      expectProblem(await t.http.post('/v1/bookings/past-sessions').set(studio.auth).send(request), 409, 'slot_full');
      expectProblem(await book(studio, { ...request, start: at(monday, 10) }), 409, 'too_late_to_book');
      const entries = await ledger(studio, pkg.id, positionOf(recorded));
      expect(entries.map((e: any) => [e.type, e.bookingId])).toContainEqual(['SessionRedeemed', recorded.body.id]);
    });

    it('a sale outside the offering’s groups is refused unless staff override it with a reason, recorded on the event', async () => {
      const offeringId = await studio.createOffering({ visibility: { kind: 'groups', groups: ['VIP'] } });
      const clientId = await studio.createClient();
      const sale = { offeringId, clientId, payment: { method: 'cash' } };
      expectProblem(await t.http.post('/v1/packages').set(studio.auth).send(sale), 409, 'offering_not_visible');
      expect((await t.http.post('/v1/packages').set(studio.auth).send({ ...sale, visibilityOverrideReason: ' ' })).status).toBe(400);
      const sold = await t.http.post('/v1/packages').set(studio.auth).send({ ...sale, visibilityOverrideReason: 'Trial month before joining' }).expect(201);
      const [purchased] = await t.infrastructure.system.eventStore.readStream(`package-${sold.body.id}`);
      expect(purchased).toMatchObject({ type: 'PackagePurchased', schemaVersion: 2, data: { visibilityOverride: { reason: 'Trial month before joining' } } });
      expect(purchased.metadata.actor.role).toBe('admin');
      // A member buys without one, and nothing is recorded.
      await t.http.patch(`/v1/clients/${clientId}`).set(studio.auth).send({ groups: ['VIP'] }).expect(200);
      const member = await t.http.post('/v1/packages').set(studio.auth).send(sale).expect(201);
      expect((await t.infrastructure.system.eventStore.readStream(`package-${member.body.id}`))[0].data).toMatchObject({ visibilityOverride: null });
    });

    it('an unknown id in a body is 422 unknown_<x>; an unknown id in the path is 404 <x>_not_found', async () => {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clientId = await studio.createClient();
      const nobody = '01890000-0000-7000-8000-000000000000';
      const start = at(nextMonday(), 9);
      expectProblem(await book(studio, { clientId, scheduleId, sessionTypeId, start, packageId: nobody }), 422, 'unknown_package');
      expectProblem(await book(studio, { clientId: nobody, scheduleId, sessionTypeId, start }), 422, 'unknown_client');
      expectProblem(await t.http.post('/v1/packages').set(studio.auth).send({ offeringId: nobody, clientId, payment: { method: 'cash' } }), 422, 'unknown_offering');
      expectProblem(await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId: nobody, payment: { method: 'cash' } }), 422, 'unknown_client');
      const pkg = await sell(studio, offeringId, clientId);
      const booked = await book(studio, { clientId, scheduleId, sessionTypeId, start, packageId: pkg.id }).expect(201);
      expectProblem(await reschedule(studio, booked.body.id, { start: at(nextMonday(), 10), scheduleId: nobody }), 422, 'unknown_schedule');
      expectProblem(await cancel(studio, nobody), 404, 'booking_not_found');
    });
  });

  // Last: everything above left a varied booking history (cancellations, reschedules, attendance, races).
  it('rebuilds every read model from the first event into exactly the documents the live run wrote', async () => {
    await t.infrastructure.runner.stop();
    await t.infrastructure.runner.catchUpAll();
    const snapshot = async () => (await t.db.pool.query('SELECT collection, tenant_id, id, data FROM read_documents ORDER BY collection, tenant_id, id')).rows;
    const live = await snapshot();
    expect(live.filter((row) => row.collection === 'bookings').length).toBeGreaterThan(30);
    expect(live.filter((row) => row.collection === 'schedule-days').length).toBeGreaterThan(10);
    for (const projection of ALL_PROJECTIONS) await t.infrastructure.runner.rebuild(projection);
    expect(await snapshot()).toEqual(live);
    t.infrastructure.runner.start();
  });
});

describe('Automatic package choice with the projections stopped (issue 16)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ runProjections: false });
  });
  afterAll(() => t.close());

  it('finds a package sold a moment ago from the streams, without waiting for any read model', async () => {
    const tenant = await t.newTenant({ timezone: NY });
    const post = async (path: string, body: object) => (await t.http.post(path).set(tenant.auth).send(body).expect(201)).body;
    const sessionTypeId = (await post('/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } })).id;
    const scheduleId = (await post('/v1/schedules', { host: 'Coach Ada', timezone: NY, weeklyHours: WEEKDAY_HOURS, sessionTypeIds: [sessionTypeId] })).id;
    const offeringId = (await post('/v1/offerings', { name: '3 sessions', sessionCount: 3, price: { amount: 27000, currency: 'USD' }, scheduleId, sessionTypeIds: [sessionTypeId] })).id;
    const clientId = (await post('/v1/clients', { name: 'Ada', email: `ada-${Date.now()}@example.com` })).id;
    const sold = await post('/v1/packages', { offeringId, clientId, payment: { method: 'cash' } });
    const monday = DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
    const start = monday.set({ hour: 10 }).toUTC().toISO()!;

    const booked = await post('/v1/bookings', { clientId, scheduleId, sessionTypeId, start });
    expect(booked).toMatchObject({ packageId: sold.id, package: { creditsRemaining: 2 } });
    // Nothing was projected: the choice did not come from (or wait for) the packages read model.
    const checkpoints = await t.db.pool.query('SELECT count(*)::int AS n FROM projection_checkpoints');
    expect(checkpoints.rows[0].n).toBe(0);
  });
});
