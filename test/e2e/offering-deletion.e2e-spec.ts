import { DateTime } from 'luxon';
import type { Response } from 'supertest';
import type { EventStore } from '@punchcard/event-store';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Deleting an offering (ADR 0008): the preview counts what it would cancel; the deletion stops sales
 * and bookings from its packages, cancels its upcoming bookings with rule offering_deleted (credits
 * return) and leaves the past alone. And the status badge on GET /v1/offerings/{id}.
 */

const NY = 'America/New_York';
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY]));

let t: TestApp;
let studio: TenantSession;
let rival: TenantSession; // another tenant

beforeAll(async () => {
  t = await createTestApp();
  studio = await t.newTenant({ timezone: NY });
  rival = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
});
afterAll(() => t?.close());

// ------------------------------------------------------------------------------------------------
// Helpers

const positionOf = (res: Response): string => {
  const position = res.headers['punchcard-position'];
  expect(position).toMatch(/^\d+-\d+$/);
  return position;
};

const expectProblem = (res: Response, status: number, code: string) => {
  expect({ status: res.status, code: res.body.code, contentType: res.headers['content-type'] }).toEqual({
    status,
    code,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
};

/** The first whole hour at least `ms` from the test clock's now (a slot start on an all-day UTC schedule). */
const hourAfter = (ms: number) => new Date(Math.ceil((t.clock.now().getTime() + ms) / HOUR) * HOUR).toISOString();
/** Moves the test clock to `instant` (+ `offsetMs`). */
const moveClockTo = (instant: string, offsetMs = 0) => t.clock.advance(Date.parse(instant) + offsetMs - t.clock.now().getTime());
/** A local date `days` from the test clock's now, in `zone`. */
const dateIn = (days: number, zone = 'UTC') => DateTime.fromJSDate(t.clock.now(), { zone }).plus({ days }).toISODate()!;

const createSessionType = async (tenant: TenantSession, currency = 'USD'): Promise<string> =>
  (await t.http.post('/v1/session-types').set(tenant.auth).send({ name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency } }).expect(201)).body.id;

/** A UTC schedule; open every hour of every day unless `body` says otherwise. */
const createSchedule = async (tenant: TenantSession, sessionTypeIds: string[], body: Record<string, unknown> = {}): Promise<string> =>
  (await t.http.post('/v1/schedules').set(tenant.auth).send({ host: 'Coach Ada', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds, ...body }).expect(201)).body.id;

/** An offering booking exactly the schedule and session type; `after` is the position of its creation. */
const createOffering = async (tenant: TenantSession, scheduleId: string | null, sessionTypeId: string | null, body: Record<string, unknown> = {}) => {
  const res = await t.http
    .post('/v1/offerings')
    .set(tenant.auth)
    .send({
      name: '10 sessions',
      sessionCount: 10,
      price: { amount: 90000, currency: 'USD' },
      validityDays: 90,
      ...(scheduleId ? { scheduleId } : {}),
      ...(sessionTypeId ? { sessionTypeIds: [sessionTypeId] } : {}),
      ...body,
    })
    .expect(201);
  return { offeringId: res.body.id as string, after: positionOf(res) };
};

/** A session type, an all-day UTC schedule offering it, and an offering booking them. */
const setupStudio = async (tenant: TenantSession, offering: Record<string, unknown> = {}, schedule: Record<string, unknown> = {}) => {
  const sessionTypeId = await createSessionType(tenant);
  const scheduleId = await createSchedule(tenant, [sessionTypeId], schedule);
  return { sessionTypeId, scheduleId, ...(await createOffering(tenant, scheduleId, sessionTypeId, offering)) };
};

/** Sells a package and waits until the read models have it (auto-pick reads candidates there). */
const sell = async (tenant: TenantSession, offeringId: string, clientId: string) => {
  const res = await t.http.post('/v1/packages').set(tenant.auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
  await t.http.get(`/v1/packages/${res.body.id}`).query({ after: positionOf(res) }).set(tenant.auth).expect(200);
  return res.body.id as string;
};

const book = (tenant: TenantSession, body: { clientId: string; scheduleId: string; sessionTypeId: string; start: string; packageId?: string }) =>
  t.http.post('/v1/bookings').set(tenant.auth).send(body);

const getBooking = async (tenant: TenantSession, id: string, after: string) => (await t.http.get(`/v1/bookings/${id}`).query({ after }).set(tenant.auth).expect(200)).body;
const getPackage = async (tenant: TenantSession, id: string, after: string) => (await t.http.get(`/v1/packages/${id}`).query({ after }).set(tenant.auth).expect(200)).body;
const getOffering = async (tenant: TenantSession, id: string, after: string) => (await t.http.get(`/v1/offerings/${id}`).query({ after }).set(tenant.auth).expect(200)).body;
const badgeOf = async (id: string, after: string) => (await getOffering(studio, id, after)).badge;
const preview = async (tenant: TenantSession, id: string, after: string) =>
  (await t.http.get(`/v1/offerings/${id}/deletion-preview`).query({ after }).set(tenant.auth).expect(200)).body;
const deleteOffering = (tenant: TenantSession, id: string, body: Record<string, unknown> = {}) => t.http.post(`/v1/offerings/${id}/deletion`).set(tenant.auth).send(body);

// ------------------------------------------------------------------------------------------------
// Deletion

describe('Deleting an offering', () => {
  it('previews, then cancels exactly the upcoming bookings with their credits returned, and leaves the past alone', async () => {
    const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
    const other = await createOffering(studio, scheduleId, sessionTypeId, { name: 'Other offering' });
    const ada = await studio.createClient('Ada Lovelace');
    const grace = await studio.createClient('Grace Hopper');
    const adaPackage = await sell(studio, offeringId, ada);
    const gracePackage = await sell(studio, offeringId, grace);
    const adaOtherPackage = await sell(studio, other.offeringId, ada);
    const alan = await studio.createClient('Alan Turing');
    const alanPackage = await sell(studio, offeringId, alan);
    const slot = { scheduleId, sessionTypeId };

    // A past session: booked, then the clock moves past it and it is marked attended. Alan's session
    // an hour later has started when the clock stops, and is not marked yet: not upcoming either.
    const pastStart = hourAfter(1000);
    const past = (await book(studio, { ...slot, clientId: ada, packageId: adaPackage, start: pastStart }).expect(201)).body;
    const started = (await book(studio, { ...slot, clientId: alan, packageId: alanPackage, start: new Date(Date.parse(pastStart) + HOUR).toISOString() }).expect(201)).body;
    moveClockTo(pastStart, 70 * MINUTE);
    await t.http.post(`/v1/bookings/${past.id}/attendance`).set(studio.auth).send({ attendance: 'attended' }).expect(201);

    // Upcoming: two for Ada, one for Grace; one more of Ada's that she cancelled herself; one of Ada's from another offering.
    const day2 = hourAfter(2 * DAY);
    const upcoming = [
      (await book(studio, { ...slot, clientId: ada, packageId: adaPackage, start: day2 }).expect(201)).body,
      (await book(studio, { ...slot, clientId: ada, packageId: adaPackage, start: new Date(Date.parse(day2) + DAY).toISOString() }).expect(201)).body,
      (await book(studio, { ...slot, clientId: grace, packageId: gracePackage, start: new Date(Date.parse(day2) + HOUR).toISOString() }).expect(201)).body,
    ];
    const selfCancelled = (await book(studio, { ...slot, clientId: ada, packageId: adaPackage, start: new Date(Date.parse(day2) + 2 * HOUR).toISOString() }).expect(201)).body;
    await t.http.post(`/v1/bookings/${selfCancelled.id}/cancellations`).set(studio.auth).send({ reason: 'Holiday' }).expect(201);
    const otherWrite = await book(studio, { ...slot, clientId: ada, packageId: adaOtherPackage, start: new Date(Date.parse(day2) + 3 * HOUR).toISOString() }).expect(201);
    const otherBooking = otherWrite.body;
    let after = positionOf(otherWrite);

    // Preview: 3 upcoming bookings (the past, the cancelled and the other offering's are not counted), 2 distinct clients.
    const events = await t.eventCount();
    expect(await preview(studio, offeringId, after)).toEqual({ offeringId, upcomingBookings: 3, clientsAffected: 2 });
    expect(await t.eventCount()).toBe(events); // a preview changes nothing
    expect(await getPackage(studio, adaPackage, after)).toMatchObject({ creditsUsed: 3, creditsRemaining: 7 });
    expect(await getPackage(studio, gracePackage, after)).toMatchObject({ creditsUsed: 1, creditsRemaining: 9 });

    const deleted = await deleteOffering(studio, offeringId, { reason: 'Coach moved away' }).expect(201);
    expect(deleted.body).toMatchObject({ offering: { id: offeringId, deleted: true }, cancelledBookings: 3, clientsAffected: 2 });
    after = positionOf(deleted);

    const offering = await getOffering(studio, offeringId, after);
    expect(offering).toMatchObject({ id: offeringId, deleted: true, badge: null });

    for (const booking of upcoming) {
      expect(await getBooking(studio, booking.id, after)).toMatchObject({
        status: 'cancelled',
        creditOutcome: 'returned',
        rule: 'offering_deleted',
        reason: 'Coach moved away',
        start: booking.start,
      });
    }
    // The past, the already cancelled and the other offering's bookings are untouched.
    expect(await getBooking(studio, past.id, after)).toMatchObject({ status: 'attended', creditOutcome: 'used', rule: 'attended' });
    expect(await getBooking(studio, selfCancelled.id, after)).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', rule: 'cancelled_within_notice', reason: 'Holiday' });
    expect(await getBooking(studio, otherBooking.id, after)).toMatchObject({ status: 'booked', creditOutcome: null });
    expect(await getBooking(studio, started.id, after)).toMatchObject({ status: 'booked', creditOutcome: null });
    expect(await getPackage(studio, alanPackage, after)).toMatchObject({ creditsUsed: 1, creditsRemaining: 9 });

    // Every booked credit came back; the attended one stays used.
    expect(await getPackage(studio, adaPackage, after)).toMatchObject({ creditsTotal: 10, creditsUsed: 1, creditsRemaining: 9 });
    expect(await getPackage(studio, gracePackage, after)).toMatchObject({ creditsTotal: 10, creditsUsed: 0, creditsRemaining: 10 });
    expect(await getPackage(studio, adaOtherPackage, after)).toMatchObject({ creditsUsed: 1, creditsRemaining: 9 });

    const ledger = (await t.http.get(`/v1/packages/${adaPackage}/ledger`).query({ after }).set(studio.auth).expect(200)).body;
    expect(ledger.balance).toBe(9);
    const reversals = ledger.entries.filter((e: any) => e.type === 'RedemptionReversed');
    expect(reversals.map((e: any) => [e.redemptionId, e.rule, e.delta]).sort()).toEqual(
      [[upcoming[0].id, 'offering_deleted', 1], [upcoming[1].id, 'offering_deleted', 1], [selfCancelled.id, 'cancelled_within_notice', 1]].sort(),
    );
    expect(reversals.find((e: any) => e.redemptionId === upcoming[0].id)).toMatchObject({ reason: 'Coach moved away' });
    const graceLedger = (await t.http.get(`/v1/packages/${gracePackage}/ledger`).query({ after }).set(studio.auth).expect(200)).body;
    expect(graceLedger.entries.map((e: any) => [e.type, e.rule, e.delta, e.balance])).toEqual([
      ['PackagePurchased', null, 10, 10],
      ['SessionRedeemed', null, -1, 9],
      ['RedemptionReversed', 'offering_deleted', 1, 10],
    ]);

    // The cancelled sessions' seats are free again.
    const slots = (await t.http.get(`/v1/schedules/${scheduleId}/slots`).query({ from: day2.slice(0, 10), to: day2.slice(0, 10), after }).set(studio.auth).expect(200)).body.slots;
    expect(slots.map((s: any) => s.start)).toContain(upcoming[0].start);

    // Nothing more is sold or booked from it.
    expectProblem(await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId: grace, payment: { method: 'cash' } }), 409, 'offering_deleted');
    const freeSlot = new Date(Date.parse(day2) + 10 * HOUR).toISOString();
    expectProblem(await book(studio, { ...slot, clientId: ada, packageId: adaPackage, start: freeSlot }), 409, 'package_not_usable');
    expectProblem(await book(studio, { ...slot, clientId: grace, start: freeSlot }), 409, 'no_usable_package'); // Grace's only package is the deleted offering's
    // Ada's other package still books (the automatic pick skips the deleted offering's package).
    const rebooked = await book(studio, { ...slot, clientId: ada, start: freeSlot }).expect(201);
    expect(rebooked.body.packageId).toBe(adaOtherPackage);
    after = positionOf(rebooked);

    // Deleting again is harmless: nothing left to cancel, nothing written.
    const before = await t.eventCount();
    const again = await deleteOffering(studio, offeringId, { reason: 'Coach moved away' }).expect(201);
    expect(again.body).toMatchObject({ offering: { id: offeringId, deleted: true }, cancelledBookings: 0, clientsAffected: 0 });
    expect(await t.eventCount()).toBe(before);
    expect(await preview(studio, offeringId, after)).toEqual({ offeringId, upcomingBookings: 0, clientsAffected: 0 });
  });

  it('racing bookings: none placed around the deletion is left booked (a booking that read the offering before OfferingDeleted conflicts)', async () => {
    for (let round = 0; round < 3; round++) {
      const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
      const clients = await Promise.all(Array.from({ length: 6 }, () => studio.createClient()));
      const packages = await Promise.all(clients.map((clientId) => sell(studio, offeringId, clientId)));
      const first = hourAfter(2 * DAY);
      const [deletion, ...bookings] = await Promise.all([
        deleteOffering(studio, offeringId, { reason: 'Discontinued' }),
        ...clients.map((clientId, i) => book(studio, { clientId, scheduleId, sessionTypeId, start: new Date(Date.parse(first) + i * HOUR).toISOString(), packageId: packages[i] })),
      ]);
      expect(deletion.status).toBe(201);
      expect(bookings.filter((b) => b.status >= 500)).toEqual([]);
      for (const refused of bookings.filter((b) => b.status !== 201)) expect(refused.body.code).toBe('package_not_usable');
      const after = positionOf(deletion);
      for (const placed of bookings.filter((b) => b.status === 201)) {
        expect(await getBooking(studio, placed.body.id, after)).toMatchObject({ status: 'cancelled', rule: 'offering_deleted' });
      }
    }
  });

  it('without a reason, and with nothing booked', async () => {
    const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
    const bare = await createOffering(studio, null, null, { name: 'Never booked' });
    const client = await studio.createClient();
    const pkg = await sell(studio, offeringId, client);
    const booked = await book(studio, { scheduleId, sessionTypeId, clientId: client, packageId: pkg, start: hourAfter(3 * DAY) }).expect(201);

    expect(await preview(studio, bare.offeringId, bare.after)).toEqual({ offeringId: bare.offeringId, upcomingBookings: 0, clientsAffected: 0 });
    const deletedBare = await t.http.post(`/v1/offerings/${bare.offeringId}/deletion`).set(studio.auth).expect(201);
    expect(deletedBare.body).toMatchObject({ offering: { deleted: true }, cancelledBookings: 0, clientsAffected: 0 });

    const deleted = await deleteOffering(studio, offeringId).expect(201);
    expect(deleted.body).toMatchObject({ cancelledBookings: 1, clientsAffected: 1 });
    expect(await getBooking(studio, booked.body.id, positionOf(deleted))).toMatchObject({ status: 'cancelled', rule: 'offering_deleted', creditOutcome: 'returned' });
    // A deleted offering is left out of the list, unless asked for.
    const listed = (await t.http.get('/v1/offerings').query({ after: positionOf(deleted), limit: 100 }).set(studio.auth).expect(200)).body.items.map((o: any) => o.id);
    expect(listed).not.toContain(offeringId);
    const all = (await t.http.get('/v1/offerings').query({ includeDeleted: 'true', limit: 100 }).set(studio.auth).expect(200)).body.items.map((o: any) => o.id);
    expect(all).toEqual(expect.arrayContaining([offeringId, bare.offeringId]));
  });

  it("is not another tenant's to preview or make: 404, and nothing changes", async () => {
    const { sessionTypeId, scheduleId, offeringId } = await setupStudio(studio);
    const client = await studio.createClient();
    const pkg = await sell(studio, offeringId, client);
    const booked = await book(studio, { scheduleId, sessionTypeId, clientId: client, packageId: pkg, start: hourAfter(3 * DAY) }).expect(201);
    const after = positionOf(booked);
    const before = await t.eventCount();

    expectProblem(await t.http.get(`/v1/offerings/${offeringId}/deletion-preview`).query({ after }).set(rival.auth), 404, 'offering_not_found');
    expectProblem(await deleteOffering(rival, offeringId, { reason: 'Not mine' }), 404, 'offering_not_found');
    expectProblem(await deleteOffering(rival, offeringId), 404, 'offering_not_found');
    // As unknown as an id that never existed.
    const unknown = await deleteOffering(rival, '0190a9b2-0000-7000-8000-000000000000');
    expectProblem(unknown, 404, 'offering_not_found');

    expect(await t.eventCount()).toBe(before);
    expect(await getOffering(studio, offeringId, after)).toMatchObject({ deleted: false });
    expect(await getBooking(studio, booked.body.id, after)).toMatchObject({ status: 'booked' });
    expect(await preview(studio, offeringId, after)).toEqual({ offeringId, upcomingBookings: 1, clientsAffected: 1 });
  });
});

// ------------------------------------------------------------------------------------------------
// Badge

describe('The badge on GET /v1/offerings/{id}', () => {
  it('is null for an offering that books any schedule, and for one whose schedule has free slots', async () => {
    const anySchedule = await createOffering(studio, null, null);
    expect(await badgeOf(anySchedule.offeringId, anySchedule.after)).toBeNull();
    const { offeringId, after } = await setupStudio(studio);
    expect(await badgeOf(offeringId, after)).toBeNull();
    // Packages sold with credits left change nothing.
    await sell(studio, offeringId, await studio.createClient());
    expect(await badgeOf(offeringId, after)).toBeNull();
  });

  it("is 'no_availability' while its schedule is inactive, and clears when it is active again", async () => {
    const { scheduleId, offeringId, after } = await setupStudio(studio);
    expect(await badgeOf(offeringId, after)).toBeNull();
    await t.http.patch(`/v1/schedules/${scheduleId}`).set(studio.auth).send({ active: false }).expect(200);
    expect(await badgeOf(offeringId, after)).toBe('no_availability');
    await t.http.patch(`/v1/schedules/${scheduleId}`).set(studio.auth).send({ active: true }).expect(200);
    expect(await badgeOf(offeringId, after)).toBeNull();
  });

  it("is 'no_availability' when its schedule has no hours (no weekly hours, no upcoming override with hours)", async () => {
    const noHours = await setupStudio(studio, {}, { weeklyHours: undefined }); // created without hours: closed every day
    expect(await badgeOf(noHours.offeringId, noHours.after)).toBe('no_availability');

    const onlyDaysOff = await setupStudio(studio, {}, { weeklyHours: undefined, overrides: [{ date: dateIn(3), hours: [] }] });
    expect(await badgeOf(onlyDaysOff.offeringId, onlyDaysOff.after)).toBe('no_availability');

    // Hours on an override date: available again.
    await t.http
      .patch(`/v1/schedules/${noHours.scheduleId}`)
      .set(studio.auth)
      .send({ overrides: [{ date: dateIn(3), hours: [{ start: '09:00', end: '12:00' }] }] })
      .expect(200);
    expect(await badgeOf(noHours.offeringId, noHours.after)).toBeNull();
  });

  it("is 'fully_booked' when every credit sold is booked, and clears when one returns", async () => {
    const { sessionTypeId, scheduleId, offeringId, after } = await setupStudio(studio, { name: 'Single session', sessionCount: 1 });
    const client = await studio.createClient();
    const pkg = await sell(studio, offeringId, client); // waits until the read models have the sale
    expect(await getOffering(studio, offeringId, after)).toMatchObject({ packagesSold: 1, creditsGranted: 1, creditsUsed: 0, badge: null });

    const booked = await book(studio, { scheduleId, sessionTypeId, clientId: client, packageId: pkg, start: hourAfter(3 * DAY) }).expect(201);
    expect(booked.body.package).toMatchObject({ creditsRemaining: 0 });
    expect(await badgeOf(offeringId, positionOf(booked))).toBe('fully_booked');

    const cancelled = await t.http.post(`/v1/bookings/${booked.body.id}/cancellations`).set(studio.auth).send({}).expect(201);
    expect(cancelled.body).toMatchObject({ creditOutcome: 'returned' });
    expect(await badgeOf(offeringId, positionOf(cancelled))).toBeNull();
  });

  it("is 'fully_booked' when its schedule has no free slot in the next 28 days", async () => {
    // Open only 10:00–11:00 UTC on one date five days ahead: a single 60-minute slot.
    const date = dateIn(5);
    const { sessionTypeId, scheduleId, offeringId, after } = await setupStudio(studio, {}, { weeklyHours: undefined, overrides: [{ date, hours: [{ start: '10:00', end: '11:00' }] }] });
    const slots = (await t.http.get(`/v1/schedules/${scheduleId}/slots`).query({ from: dateIn(0), to: dateIn(28) }).set(studio.auth).expect(200)).body.slots;
    expect(slots.map((s: any) => s.start)).toEqual([`${date}T10:00:00.000Z`]);
    const client = await studio.createClient();
    const pkg = await sell(studio, offeringId, client);
    expect(await badgeOf(offeringId, after)).toBeNull();

    const booked = await book(studio, { scheduleId, sessionTypeId, clientId: client, packageId: pkg, start: `${date}T10:00:00Z` }).expect(201);
    expect(booked.body.package).toMatchObject({ creditsRemaining: 9 }); // credits are left: it is the schedule that is full
    expect(await badgeOf(offeringId, positionOf(booked))).toBe('fully_booked');
  });

  it("is 'expired' once its fixed expiration date has passed, whatever its schedule", async () => {
    const lastDay = dateIn(1, NY);
    const plain = await createOffering(studio, null, null, { validityDays: undefined, expiresOn: lastDay });
    const withSchedule = await setupStudio(studio, { validityDays: undefined, expiresOn: lastDay });
    expect(await badgeOf(plain.offeringId, withSchedule.after)).toBeNull();
    expect(await badgeOf(withSchedule.offeringId, withSchedule.after)).toBeNull();
    // The schedule goes inactive too: before the date passes that shows as no availability.
    await t.http.patch(`/v1/schedules/${withSchedule.scheduleId}`).set(studio.auth).send({ active: false }).expect(200);
    expect(await badgeOf(withSchedule.offeringId, withSchedule.after)).toBe('no_availability');

    // The last day ends at midnight in the tenant's zone (New York).
    const end = DateTime.fromISO(lastDay, { zone: NY }).plus({ days: 1 }).toUTC().toISO()!;
    moveClockTo(end, -MINUTE);
    expect(await badgeOf(plain.offeringId, withSchedule.after)).toBeNull();
    moveClockTo(end);
    expect(await badgeOf(plain.offeringId, withSchedule.after)).toBe('expired');
    expect(await badgeOf(withSchedule.offeringId, withSchedule.after)).toBe('expired');
    expectProblem(
      await t.http.post('/v1/packages').set(studio.auth).send({ offeringId: plain.offeringId, clientId: await studio.createClient(), payment: { method: 'cash' } }),
      409,
      'offering_expired',
    );
  });
});

describe('A booking decided just before the deletion, appended just after it (issue 16)', () => {
  // Runs `between` once, after a booking has been decided and before its append reaches the store.
  let between: (() => Promise<void>) | null = null;
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      wrapEventStore: (store): EventStore => ({
        readStream: (streamId) => store.readStream(streamId),
        readStreams: (streamIds) => store.readStreams(streamIds),
        readAll: (after, limit) => store.readAll(after, limit),
        close: () => store.close(),
        async append(writes, receipt) {
          const run = between;
          if (run && writes.some((w) => w.streamId.startsWith('booking-') && w.events.length > 0)) {
            between = null;
            await run();
          }
          return store.append(writes, receipt);
        },
      }),
    });
  });
  afterAll(() => app?.close());

  it('conflicts on the offering it read, is decided again and refused; nothing is left booked', async () => {
    const tenant = await app.newTenant();
    const post = async (path: string, body: object) => (await app.http.post(path).set(tenant.auth).send(body).expect(201)).body;
    const sessionTypeId = (await post('/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } })).id;
    const scheduleId = (await post('/v1/schedules', { host: 'Coach Ada', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [sessionTypeId] })).id;
    const offeringId = (await post('/v1/offerings', { name: '10 sessions', sessionCount: 10, price: { amount: 90000, currency: 'USD' }, scheduleId, sessionTypeIds: [sessionTypeId] })).id;
    const clientId = await tenant.createClient();
    const packageId = (await post('/v1/packages', { offeringId, clientId, payment: { method: 'cash' } })).id;

    let deletion: { status: number; body: any } | null = null;
    between = async () => {
      deletion = await app.http.post(`/v1/offerings/${offeringId}/deletion`).set(tenant.auth).send({ reason: 'Discontinued' });
    };
    const start = new Date(Math.ceil((app.clock.now().getTime() + 2 * DAY) / HOUR) * HOUR).toISOString();
    const booking = await app.http.post('/v1/bookings').set(tenant.auth).send({ clientId, scheduleId, sessionTypeId, start, packageId });

    expect(deletion!.status).toBe(201);
    expect(deletion!.body).toMatchObject({ cancelledBookings: 0 });
    // Without the version check of the offering the booking would land after the deletion's cancellations, still booked.
    expect({ status: booking.status, code: booking.body.code }).toEqual({ status: 409, code: 'package_not_usable' });
    const { rows } = await app.db.pool.query(`SELECT count(*)::int AS n FROM events WHERE type = 'BookingPlaced'`);
    expect(rows[0].n).toBe(0);
  });
});
