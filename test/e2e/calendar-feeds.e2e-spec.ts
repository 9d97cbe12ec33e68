import { DateTime } from 'luxon';
import * as nodeIcal from 'node-ical';
import type { Response } from 'supertest';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * iCalendar feeds of bookings (issue 14, ADR 0025, docs/calendars.md) on real PostgreSQL: each feed is
 * parsed back with node-ical and checked event by event, across a DST change in three zones.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney'] as const;
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, ALL_DAY]));
const REMINDERS = [{ amount: 1, unit: 'days' }, { amount: 90, unit: 'minutes' }];

let t: TestApp;
let a: TenantSession;
let b: TenantSession;

/** The first local date after `after` on which the zone's UTC offset changes (the next DST switch). */
function nextTransition(zone: string, after: Date): DateTime {
  let day = DateTime.fromJSDate(after, { zone }).startOf('day');
  for (let i = 0; i < 400; i++) {
    const next = day.plus({ days: 1 });
    if (next.offset !== day.offset) return next;
    day = next;
  }
  throw new Error(`no DST change in ${zone} within 400 days`);
}

const feedPath = (url: string) => new URL(url).pathname;
const events = (ics: string) => Object.values(nodeIcal.sync.parseICS(ics)).filter((c): c is nodeIcal.VEvent => c?.type === 'VEVENT');
const byUid = (ics: string) => new Map(events(ics).map((e) => [e.uid, e]));
const getFeed = (path: string) => t.http.get(path).buffer(true).parse((res, done) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
});
const expectProblem = (res: Response, status: number, code: string) => {
  expect({ status: res.status, code: res.body.code, type: res.headers['content-type'] }).toEqual({ status, code, type: expect.stringContaining('application/problem+json') });
};

interface Fixture {
  zone: string;
  scheduleId: string;
  offeringId: string;
  packageId: string;
  /** Two bookings at 10:00 local: three days before the zone's next DST change, and three days after. */
  bookings: { id: string; start: string; end: string }[];
}
const fixtures: Fixture[] = [];
let sessionTypeId: string;
let clientId: string;
let clientToken: string;

const post = async (path: string, body: object, tenant = a) => (await t.http.post(path).set(tenant.auth).send(body).expect(201)).body;
const settle = async (res: Response) => {
  await t.http.get('/v1/bookings').query({ after: res.headers['punchcard-position'], limit: 1 }).set(a.auth).expect(200);
};

beforeAll(async () => {
  t = await createTestApp();
  [a, b] = [await t.newTenant({ timezone: 'Europe/Berlin' }), await t.newTenant()];
  sessionTypeId = (await post('/v1/session-types', { name: 'Yoga, slow', durationMinutes: 60, price: { amount: 2000, currency: 'USD' }, location: 'Studio A; 2nd floor' })).id;
  clientId = await a.createClient('Lea');
  clientToken = (await post(`/v1/clients/${clientId}/tokens`, {})).token;
  for (const zone of ZONES) {
    const scheduleId = (await post('/v1/schedules', { host: `Coach ${zone}`, timezone: zone, weeklyHours: EVERY_DAY, sessionTypeIds: [sessionTypeId] })).id;
    const offeringId = await a.createOffering({ name: `Yoga ${zone}`, sessionCount: 10, validityDays: 365, scheduleId, sessionTypeIds: [sessionTypeId], reminders: REMINDERS });
    const packageId = (await a.sellPackage(offeringId, clientId)).id;
    const change = nextTransition(zone, new Date(t.clock.now().getTime() + 5 * DAY));
    const bookings = [];
    for (const day of [change.minus({ days: 3 }), change.plus({ days: 3 })]) {
      const start = day.set({ hour: 10 }).toUTC().toISO()!;
      const res = await t.http.post('/v1/bookings').set(a.auth).send({ clientId, scheduleId, sessionTypeId, start, packageId }).expect(201);
      await settle(res);
      bookings.push({ id: res.body.id ?? res.body.bookingId, start: new Date(start).toISOString(), end: new Date(Date.parse(start) + HOUR).toISOString() });
    }
    fixtures.push({ zone, scheduleId, offeringId, packageId, bookings });
  }
});
afterAll(() => t?.close());

describe('a schedule feed', () => {
  it('lists the bookings in the schedule zone with its VTIMEZONE, across a DST change, with UID, SEQUENCE, STATUS, LOCATION, URL and the reminders as alarms', async () => {
    for (const f of fixtures) {
      const created = await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201);
      expect(created.body).toEqual({ url: expect.stringMatching(/\/v1\/calendar-feeds\/pcf_[A-Za-z0-9_-]{43}\.ics$/), webcalUrl: expect.stringMatching(/^webcal:\/\//), createdAt: expect.any(String), rotated: false });
      const res = await getFeed(feedPath(created.body.url)).expect(200);
      expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
      expect(res.headers['cache-control']).toMatch(/^private/);
      const ics: string = res.body;
      expect(ics).toContain('METHOD:PUBLISH');
      expect(ics).toMatch(/X-WR-CALNAME:Coach /);
      expect(ics).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT1H');
      expect(ics).toContain('X-PUBLISHED-TTL:PT1H');
      expect(ics).toContain(`BEGIN:VTIMEZONE\r\nTZID:${f.zone}`);
      const found = byUid(ics);
      expect(found.size).toBe(2);
      const offsets = new Set<number>();
      for (const booking of f.bookings) {
        const event = found.get(`${booking.id}@punchcard.bookings`)!;
        expect(event).toBeDefined();
        expect(Number(event.sequence)).toBe(0);
        expect(event.start.toISOString()).toBe(booking.start);
        expect(event.end!.toISOString()).toBe(booking.end);
        expect((event.start as nodeIcal.DateWithTimeZone).tz).toBe(f.zone);
        expect(event.status).toBe('CONFIRMED');
        expect(event.summary).toBe('Yoga, slow');
        expect(event.location).toBe('Studio A; 2nd floor');
        expect(event.url).toBeDefined();
        const alarms = (event as unknown as { alarms: { action: string; trigger: string }[] }).alarms;
        expect(alarms.map((al) => [al.action, al.trigger])).toEqual([['DISPLAY', '-P1D'], ['DISPLAY', '-PT1H30M']]);
        // 10:00 wall-clock on both sides of the change, written with the zone's TZID
        const local = DateTime.fromISO(booking.start, { zone: f.zone });
        expect(local.hour).toBe(10);
        expect(ics).toContain(`DTSTART;TZID=${f.zone}:${local.toFormat("yyyyMMdd'T'HHmmss")}`);
        offsets.add(local.offset);
      }
      expect(offsets.size).toBe(2); // the two bookings really lie on both sides of a DST change
    }
  });

  it('answers 304 to If-None-Match with its ETag, 200 to another tag', async () => {
    const f = fixtures[0];
    const { url } = (await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201)).body;
    const first = await getFeed(feedPath(url)).expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^".+"$/);
    const again = await getFeed(feedPath(url)).set('If-None-Match', etag).expect(304);
    expect(again.headers.etag).toBe(etag);
    expect(again.text ?? '').toBe('');
    await getFeed(feedPath(url)).set('If-None-Match', '"something-else"').expect(200);
  });

  it('a rescheduled booking keeps its UID with a higher SEQUENCE (the same number as its emails); the old ETag no longer matches', async () => {
    const f = fixtures[1];
    const { url } = (await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201)).body;
    const before = await getFeed(feedPath(url)).expect(200);
    const moved = f.bookings[1];
    const later = new Date(Date.parse(moved.start) + 2 * HOUR).toISOString();
    await settle(await t.http.post(`/v1/bookings/${moved.id}/reschedules`).set(a.auth).send({ start: later }).expect(201));
    const after = await getFeed(feedPath(url)).set('If-None-Match', before.headers.etag).expect(200);
    const event = byUid(after.body).get(`${moved.id}@punchcard.bookings`)!;
    expect(Number(event.sequence)).toBe(1);
    expect(event.start.toISOString()).toBe(later);
    expect(byUid(after.body).size).toBe(2);
    const doc = (await t.http.get(`/v1/bookings/${moved.id}`).set(a.auth).expect(200)).body;
    expect(doc).toMatchObject({ sequence: 1, cancelledAt: null });
    moved.start = later;
    moved.end = new Date(Date.parse(later) + HOUR).toISOString();
  });

  it('rotating answers a new URL and the old one 404; revoking makes it 404; GET tells whether one exists, never the token', async () => {
    const f = fixtures[2];
    const first = (await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201)).body;
    await getFeed(feedPath(first.url)).expect(200);
    const second = (await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201)).body;
    expect(second.rotated).toBe(true);
    expect(second.url).not.toBe(first.url);
    expectProblem(await t.http.get(feedPath(first.url)), 404, 'calendar_feed_not_found');
    await getFeed(feedPath(second.url)).expect(200);

    const shown = (await t.http.get(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(200)).body;
    expect(shown).toEqual({ exists: true, createdAt: second.createdAt });
    await t.http.delete(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(204);
    expectProblem(await t.http.get(feedPath(second.url)), 404, 'calendar_feed_not_found');
    expect((await t.http.get(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(200)).body).toEqual({ exists: false, createdAt: null });
    await t.http.delete(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(204); // nothing left to revoke: still 204

    // unknown and malformed tokens answer the same
    expectProblem(await t.http.get(`/v1/calendar-feeds/pcf_${'A'.repeat(43)}.ics`), 404, 'calendar_feed_not_found');
    expectProblem(await t.http.get('/v1/calendar-feeds/nonsense.ics'), 404, 'calendar_feed_not_found');
    // only the hash is stored
    const { rows } = await t.db.pool.query('SELECT * FROM calendar_feed_tokens WHERE owner_id = $1', [f.scheduleId]);
    const token = new URL(second.url).pathname.split('/').pop()!.replace(/\.ics$/, '');
    expect(rows.length).toBeGreaterThanOrEqual(2); // the first test's token, the two of this one
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
  });

  it('under an Idempotency-Key a retry answers without the URL (shown once)', async () => {
    const f = fixtures[0];
    const key = `feed-${Date.now()}`;
    const first = await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).set('Idempotency-Key', key).expect(201);
    expect(first.body.url).toBeDefined();
    const replay = await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).set('Idempotency-Key', key).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.url).toBeUndefined();
    await getFeed(feedPath(first.body.url)).expect(200); // the replay did not rotate
  });
});

describe('a client feed', () => {
  it("the client's own feed (/v1/me) lists every booking of theirs across the three zones, each with its zone", async () => {
    const me = { Authorization: `Bearer ${clientToken}` };
    expect((await t.http.get('/v1/me/calendar-feed').set(me).expect(200)).body).toEqual({ exists: false, createdAt: null });
    const { url } = (await t.http.post('/v1/me/calendar-feed').set(me).expect(201)).body;
    expect((await t.http.get('/v1/me/calendar-feed').set(me).expect(200)).body.exists).toBe(true);
    const ics: string = (await getFeed(feedPath(url)).expect(200)).body;
    for (const zone of ZONES) expect(ics).toContain(`TZID:${zone}\r\n`);
    const found = byUid(ics);
    expect(found.size).toBe(6);
    for (const f of fixtures) {
      for (const booking of f.bookings) {
        const event = found.get(`${booking.id}@punchcard.bookings`)!;
        expect({ start: event.start.toISOString(), tz: (event.start as nodeIcal.DateWithTimeZone).tz }).toEqual({ start: booking.start, tz: f.zone });
      }
    }
    // the business's staff see the same feed exists, and can revoke it
    expect((await t.http.get(`/v1/clients/${clientId}/calendar-feed`).set(a.auth).expect(200)).body.exists).toBe(true);
    await t.http.delete(`/v1/clients/${clientId}/calendar-feed`).set(a.auth).expect(204);
    expectProblem(await t.http.get(feedPath(url)), 404, 'calendar_feed_not_found');
    await t.http.delete('/v1/me/calendar-feed').set(me).expect(204);
  });

  it('a client erased from the directory has no feed any more', async () => {
    const gone = await a.createClient('Erased');
    const { url } = (await t.http.post(`/v1/clients/${gone}/calendar-feed`).set(a.auth).expect(201)).body;
    expect(events((await getFeed(feedPath(url)).expect(200)).body)).toEqual([]);
    await t.db.pool.query('DELETE FROM clients WHERE id = $1', [gone]);
    expectProblem(await t.http.get(feedPath(url)), 404, 'calendar_feed_not_found');
  });

  it("another tenant's keys reach none of A's feeds, and B's feed holds none of A's bookings", async () => {
    const f = fixtures[0];
    expectProblem(await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(b.auth).send({}), 404, 'schedule_not_found');
    expectProblem(await t.http.get(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(b.auth), 404, 'schedule_not_found');
    expectProblem(await t.http.delete(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(b.auth), 404, 'schedule_not_found');
    expectProblem(await t.http.post(`/v1/clients/${clientId}/calendar-feed`).set(b.auth).send({}), 404, 'client_not_found');
    const bSchedule = (await post('/v1/schedules', { host: 'B coach', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [] }, b)).id;
    const { url } = (await t.http.post(`/v1/schedules/${bSchedule}/calendar-feed`).set(b.auth).expect(201)).body;
    const ics: string = (await getFeed(feedPath(url)).expect(200)).body;
    expect(events(ics)).toEqual([]);
    for (const fx of fixtures) for (const booking of fx.bookings) expect(ics).not.toContain(booking.id);
  });
});

describe('cancelled bookings', () => {
  it(`stay in the feed as STATUS:CANCELLED for 30 days after the cancellation, then leave it`, async () => {
    const f = fixtures[0];
    const { url } = (await t.http.post(`/v1/schedules/${f.scheduleId}/calendar-feed`).set(a.auth).expect(201)).body;
    const cancelled = f.bookings[1];
    await settle(await t.http.post(`/v1/bookings/${cancelled.id}/cancellations`).set(a.auth).send({ reason: 'ill' }).expect(201));
    const now = await getFeed(feedPath(url)).expect(200);
    const event = byUid(now.body).get(`${cancelled.id}@punchcard.bookings`)!;
    expect(event.status).toBe('CANCELLED');
    expect(Number(event.sequence)).toBe(1);
    expect((event as unknown as { alarms?: unknown[] }).alarms ?? []).toEqual([]);

    t.clock.advance(29 * DAY);
    expect(byUid((await getFeed(feedPath(url)).expect(200)).body).get(`${cancelled.id}@punchcard.bookings`)?.status).toBe('CANCELLED');
    t.clock.advance(2 * DAY);
    const later = byUid((await getFeed(feedPath(url)).expect(200)).body);
    expect(later.has(`${cancelled.id}@punchcard.bookings`)).toBe(false);
    expect(later.has(`${f.bookings[0].id}@punchcard.bookings`)).toBe(true);
  });
});
