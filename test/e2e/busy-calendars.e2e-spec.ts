import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { Config } from '@punchcard/platform';
import { withTenant } from '@punchcard/postgres';
import { BusyCalendarScheduler } from '../../apps/api/src/busy-calendars/busy-calendar-scheduler';
import { BusyCalendarStore } from '../../apps/api/src/busy-calendars/busy-calendar-store';
import { CalendarRefresher } from '../../apps/api/src/busy-calendars/calendar-refresher';
import { APP_CONFIG } from '../../apps/api/src/tokens';
import { ics, IcsServer } from '../support/ics-server';
import { createTestApp, TestApp } from '../support/test-app';

const NY = 'America/New_York';
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAY_HOURS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };

/**
 * Busy times from a host's external calendars (issue 14, ADR 0026), against a real local HTTP server
 * serving .ics files. The app allows http and loopback here (configuration); the job is off and its
 * rounds are run by the test.
 */
describe('Busy calendars', () => {
  let t: TestApp;
  let server: IcsServer;
  let settings: Config['calendars'];
  let path = 0;

  beforeAll(async () => {
    server = await IcsServer.start();
    t = await createTestApp({
      poolSize: 20,
      config: { calendars: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000, maxBytes: 5 * 1024 * 1024, intervalMs: 15 * 60_000, horizonDays: 60 } },
    });
    settings = t.app.get<Config>(APP_CONFIG).calendars;
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  /** The Monday (New York) of the week after the one two days from now. */
  const nextMonday = () => DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
  const at = (day: DateTime, hour: number, minute = 0) => day.set({ hour, minute, second: 0, millisecond: 0 }).toUTC().toISO()!;
  const date = (day: DateTime) => day.toISODate()!;

  /** A weekday 9-to-5 New York schedule with a 60-minute session type, an offering for it, a client with a package. */
  const setup = async (zone = NY) => {
    const tenant = await t.newTenant({ timezone: zone });
    const sessionTypeId = (
      await t.http.post('/v1/session-types').set(tenant.auth).send({ name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } }).expect(201)
    ).body.id;
    const scheduleId = (await t.http.post('/v1/schedules').set(tenant.auth).send({ host: 'Coach Ada', timezone: zone, weeklyHours: WEEKDAY_HOURS, sessionTypeIds: [sessionTypeId] }).expect(201))
      .body.id;
    const offeringId = await tenant.createOffering({ sessionCount: 50, scheduleId, sessionTypeIds: [sessionTypeId] });
    const clientId = await tenant.createClient();
    const pkg = await tenant.sellPackage(offeringId, clientId);
    return { tenant, sessionTypeId, scheduleId, clientId, packageId: pkg.id as string };
  };
  type Studio = Awaited<ReturnType<typeof setup>>;

  const addCalendar = async (s: Studio, url: string, name = 'Work') =>
    (await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).send({ name, url }).expect(201)).body;
  const refresh = async (s: Studio, id: string) => (await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars/${id}/refresh`).set(s.tenant.auth).expect(200)).body;
  const list = async (s: Studio) => (await t.http.get(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).expect(200)).body.items;
  const slotStarts = async (s: Studio, day: DateTime): Promise<string[]> =>
    (await t.http.get(`/v1/schedules/${s.scheduleId}/slots`).query({ from: date(day), to: date(day) }).set(s.tenant.auth).expect(200)).body.slots.map((x: any) => x.start);
  const book = (s: Studio, start: string) =>
    t.http.post('/v1/bookings').set(s.tenant.auth).send({ clientId: s.clientId, scheduleId: s.scheduleId, sessionTypeId: s.sessionTypeId, start, packageId: s.packageId });
  const newPath = (name: string) => `/${name}-${++path}.ics`;

  /** Monday 10:00–11:00 busy; 14:00 transparent; 15:00 cancelled; every Tuesday 13:00–14:00 (recurring). */
  const workCalendar = (monday: DateTime) =>
    ics([
      { uid: 'busy-1', start: at(monday, 10), end: at(monday, 11), summary: 'Dentist (private)' },
      { uid: 'free-1', start: at(monday, 14), end: at(monday, 15), transparent: true },
      { uid: 'gone-1', start: at(monday, 15), end: at(monday, 16), cancelled: true },
      { uid: 'weekly', start: at(monday.plus({ days: 1 }), 13), end: at(monday.plus({ days: 1 }), 14), rrule: 'FREQ=WEEKLY;COUNT=4' },
    ]);

  it('adds a calendar (URL masked), refreshes it: its busy times leave the listing and booking them is refused 409 slot_busy', async () => {
    const s = await setup();
    const monday = nextMonday();
    const url = server.serve(newPath('work'), { body: workCalendar(monday) });
    const created = await addCalendar(s, url);
    expect(created).toMatchObject({ scheduleId: s.scheduleId, name: 'Work', host: new URL(url).host, lastFetchedAt: null, lastSuccessAt: null, lastError: null, eventCount: 0 });
    expect(JSON.stringify(created)).not.toContain(new URL(url).pathname);

    // Before any fetch nothing blocks.
    expect(await slotStarts(s, monday)).toContain(at(monday, 10));

    const status = await refresh(s, created.id);
    expect(status.lastFetchedAt).not.toBeNull();
    expect(status.lastSuccessAt).not.toBeNull();
    expect(status.lastError).toBeNull();
    expect(status.eventCount).toBe(5); // busy-1 and four Tuesdays
    expect((await list(s)).map((c: any) => c.id)).toEqual([created.id]);

    const mondaySlots = await slotStarts(s, monday);
    expect(mondaySlots).not.toContain(at(monday, 10));
    expect(mondaySlots).toEqual(expect.arrayContaining([at(monday, 9), at(monday, 11), at(monday, 14), at(monday, 15)])); // transparent and cancelled do not block
    const tuesday = monday.plus({ days: 1 });
    expect(await slotStarts(s, tuesday)).not.toContain(at(tuesday, 13));
    expect(await slotStarts(s, tuesday.plus({ weeks: 1 }))).not.toContain(at(tuesday.plus({ weeks: 1 }), 13));

    // A stale listing (or none) cannot book over the busy time.
    const refused = await book(s, at(monday, 10));
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'slot_busy' });
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    await book(s, at(monday, 14)).expect(201); // transparent
    const booked = await book(s, at(monday, 12)).expect(201);

    // Rescheduling onto a busy time is refused too.
    const moved = await t.http.post(`/v1/bookings/${booked.body.id}/reschedules`).set(s.tenant.auth).send({ start: at(tuesday, 13) });
    expect({ status: moved.status, code: moved.body.code }).toEqual({ status: 409, code: 'slot_busy' });

    // No private text is stored.
    const { rows } = await t.db.pool.query('SELECT * FROM busy_intervals WHERE calendar_id = $1', [created.id]);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(rows)).not.toContain('Dentist');

    // The busy times a listing and a booking read: each distinct interval once, as toISOString() writes it (PostgreSQL formats them).
    const read = await withTenant(s.tenant.tenantId, () => t.app.get(BusyCalendarStore).busyBetween(s.tenant.tenantId, s.scheduleId, '2000-01-01', '2100-01-01'));
    const distinct = [...new Set(rows.map((r) => `${r.starts_at.toISOString()}/${r.ends_at.toISOString()}`))].sort();
    expect(read).toEqual(distinct.map((interval) => ({ start: interval.split('/')[0], end: interval.split('/')[1] })));
  });

  it('an unchanged calendar answers 304 to the ETag: the stored busy times stay', async () => {
    const s = await setup();
    const monday = nextMonday();
    const p = newPath('etag');
    const url = server.serve(p, { body: workCalendar(monday) });
    const { id } = await addCalendar(s, url);
    const first = await refresh(s, id);
    t.clock.advance(60_000);
    const second = await refresh(s, id);
    const calls = server.requests.filter((r) => r.path === p);
    expect(calls.map((c) => c.status)).toEqual([200, 304]);
    expect(calls[1].ifNoneMatch).toMatch(/^".+"$/);
    expect(Date.parse(second.lastFetchedAt)).toBeGreaterThan(Date.parse(first.lastFetchedAt));
    expect(second.eventCount).toBe(5);
    expect(await slotStarts(s, monday)).not.toContain(at(monday, 10));
    // A day after the last expansion the body is fetched unconditionally (the window moves).
    t.clock.advance(25 * 3_600_000);
    await refresh(s, id);
    expect(server.requests.filter((r) => r.path === p).at(-1)).toMatchObject({ ifNoneMatch: null, status: 200 });
  });

  it('the job refreshes every due calendar; failing ones (500, timeout, not iCalendar) record their error and the others still refresh', async () => {
    const s = await setup();
    const monday = nextMonday();
    const good = server.serve(newPath('good'), { body: workCalendar(monday) });
    const broken = await addCalendar(s, server.serve(newPath('500'), { status: 500 }), 'Broken');
    const slow = await addCalendar(s, server.serve(newPath('slow'), { body: workCalendar(monday), delayMs: 1500 }), 'Slow');
    const junk = await addCalendar(s, server.serve(newPath('junk'), { body: '<html>not a calendar</html>' }), 'Junk');
    const ok = await addCalendar(s, good, 'Good');

    const outcomes = await t.app.get(BusyCalendarScheduler).runOnce();
    expect(outcomes.failed).toBeGreaterThanOrEqual(3);
    const byId = new Map((await list(s)).map((c: any) => [c.id, c]));
    expect((byId.get(broken.id) as any).lastError).toMatchObject({ code: expect.stringMatching(/http/) });
    expect((byId.get(slow.id) as any).lastError).toMatchObject({ code: expect.stringMatching(/timeout/) });
    expect((byId.get(junk.id) as any).lastError).toMatchObject({ code: expect.any(String) });
    for (const failing of [broken, slow, junk]) {
      expect((byId.get(failing.id) as any).lastSuccessAt).toBeNull();
      expect((byId.get(failing.id) as any).lastFetchedAt).not.toBeNull();
    }
    expect(byId.get(ok.id)).toMatchObject({ lastError: null, eventCount: 5 });
    expect(await slotStarts(s, monday)).not.toContain(at(monday, 10));

    // Not due again until the interval has passed.
    expect(await t.app.get(BusyCalendarScheduler).runOnce()).toEqual({ replaced: 0, not_modified: 0, failed: 0, gone: 0, superseded: 0 });
  });

  it('refuses at save: a private address when private networks are not allowed, http when not allowed (422, stable codes); unknown schedule or calendar 404', async () => {
    const s = await setup();
    const post = (url: string) => t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).send({ name: 'x', url });
    settings.allowPrivateNetworks = false;
    try {
      for (const url of ['https://127.0.0.1/cal.ics', 'https://[::1]/cal.ics', 'https://169.254.169.254/latest', 'https://localhost/cal.ics']) {
        const res = await post(url);
        expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 422, code: 'calendar_address_not_allowed' });
      }
      settings.allowHttp = false;
      expect((await post('http://calendar.example.com/cal.ics')).body).toMatchObject({ status: 422, code: 'calendar_url_not_allowed' });
      expect((await post('ftp://calendar.example.com/cal.ics')).body.code).toBe('validation_failed');
      expect((await post('https://user:pw@calendar.example.com/cal.ics')).body.code).toBe('calendar_url_not_allowed');
      expect((await post('not a url')).body.code).toBe('validation_failed');
    } finally {
      settings.allowPrivateNetworks = true;
      settings.allowHttp = true;
    }
    expect((await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).send({ name: 'x' })).status).toBe(400);
    expect((await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).send({ name: 'x', url: 'https://a.example/x', extra: 1 })).status).toBe(400);
    const unknown = '018f0000-0000-7000-8000-000000000000';
    expect((await t.http.post(`/v1/schedules/${unknown}/busy-calendars`).set(s.tenant.auth).send({ name: 'x', url: 'https://a.example/x' })).body.code).toBe('schedule_not_found');
    expect((await t.http.get(`/v1/schedules/${unknown}/busy-calendars`).set(s.tenant.auth)).body.code).toBe('schedule_not_found');
    expect((await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars/${unknown}/refresh`).set(s.tenant.auth)).body.code).toBe('busy_calendar_not_found');
    expect((await t.http.delete(`/v1/schedules/${s.scheduleId}/busy-calendars/${unknown}`).set(s.tenant.auth)).body.code).toBe('busy_calendar_not_found');
    // Another business sees none of it.
    const { id } = await addCalendar(s, 'https://calendar.example.com/private-abcd/basic.ics');
    const other = await t.newTenant();
    expect((await t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars/${id}/refresh`).set(other.auth)).status).toBe(404);
    expect((await t.http.delete(`/v1/schedules/${s.scheduleId}/busy-calendars/${id}`).set(other.auth)).status).toBe(404);
  });

  it('an Idempotency-Key replays the add', async () => {
    const s = await setup();
    const url = server.serve(newPath('idem'), { body: ics([]) });
    const send = () => t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).set('Idempotency-Key', `busy-${path}`).send({ name: 'Once', url });
    const [a, b] = [await send(), await send()];
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(await list(s)).toHaveLength(1);
  });

  it('deleting a calendar removes its busy times: the slot is listed and bookable again', async () => {
    const s = await setup();
    const monday = nextMonday();
    const { id } = await addCalendar(s, server.serve(newPath('del'), { body: workCalendar(monday) }));
    await refresh(s, id);
    expect((await book(s, at(monday, 10))).body.code).toBe('slot_busy');
    await t.http.delete(`/v1/schedules/${s.scheduleId}/busy-calendars/${id}`).set(s.tenant.auth).expect(204);
    expect((await t.db.pool.query('SELECT count(*)::int AS n FROM busy_intervals WHERE calendar_id = $1', [id])).rows[0].n).toBe(0);
    expect(await slotStarts(s, monday)).toContain(at(monday, 10));
    await book(s, at(monday, 10)).expect(201);
  });

  it('a booking racing refreshes of an unchanged busy calendar is always refused: the intervals are replaced atomically, never absent', async () => {
    const s = await setup();
    const monday = nextMonday();
    // No ETag: every refresh fetches, expands and replaces the rows.
    const { id } = await addCalendar(s, server.serve(newPath('race'), { body: workCalendar(monday), etag: null }));
    await refresh(s, id);
    const outcomes: number[] = [];
    for (let i = 0; i < 15; i++) {
      t.clock.advance(61_000); // past the refresh cooldown
      const [, ...bookings] = await Promise.all([refresh(s, id), book(s, at(monday, 10)), book(s, at(monday, 10)), book(s, at(monday, 10))]);
      outcomes.push(...bookings.map((b) => b.status));
      for (const b of bookings) expect(b.body.code).toBe('slot_busy');
    }
    expect(outcomes.every((status) => status === 409)).toBe(true);
  });

  it('an on-demand refresh within a minute of the last fetch, or while one runs, answers 429 busy_calendar_refresh_cooldown with Retry-After and fetches nothing', async () => {
    const s = await setup();
    const monday = nextMonday();
    const p = newPath('cooldown');
    const { id } = await addCalendar(s, server.serve(p, { body: workCalendar(monday), etag: null }));
    const post = () => t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars/${id}/refresh`).set(s.tenant.auth);
    await post().expect(200);
    const fetches = () => server.requests.filter((r) => r.path === p).length;
    expect(fetches()).toBe(1);

    const refused = await post();
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 429, code: 'busy_calendar_refresh_cooldown' });
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    t.clock.advance(30_000);
    const later = await post();
    expect(later.status).toBe(429);
    expect(Number(later.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(fetches()).toBe(1);

    t.clock.advance(31_000);
    await post().expect(200);
    expect(fetches()).toBe(2);

    // While a refresh of the calendar runs, a second one is refused at once (a never-fetched calendar).
    const slow = newPath('cooldown-slow');
    const other = await addCalendar(s, server.serve(slow, { body: workCalendar(monday), delayMs: 400 }), 'Slow');
    const both = await Promise.all([0, 1].map(() => t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars/${other.id}/refresh`).set(s.tenant.auth)));
    expect(both.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(both.find((r) => r.status === 429)!.body.code).toBe('busy_calendar_refresh_cooldown');
    expect(server.requests.filter((r) => r.path === slow)).toHaveLength(1);
  });

  it('a slower refresh that started earlier does not overwrite a later one (the job\'s slow fetch finishing after an admin\'s refresh)', async () => {
    const s = await setup();
    const monday = nextMonday();
    const p = newPath('stale');
    // The job's fetch gets the old calendar (busy 10:00) slowly; meanwhile the host moved it to 12:00.
    const old = ics([{ uid: 'meeting', start: at(monday, 10), end: at(monday, 11) }]);
    const moved = ics([{ uid: 'meeting', start: at(monday, 12), end: at(monday, 13) }]);
    const { id } = await addCalendar(s, server.serve(p, { body: old, etag: null, delayMs: 1500 }));
    const row = (await t.app.get(BusyCalendarStore).due(new Date(8.64e15), 10_000)).find((r) => r.id === id)!;
    const timeout = settings.timeoutMs;
    settings.timeoutMs = 10_000;
    try {
      const slowRefresh = t.app.get(CalendarRefresher).refresh(row);
      for (let i = 0; i < 200 && !server.arrivals.includes(p); i++) await new Promise((r) => setTimeout(r, 10));
      expect(server.arrivals).toContain(p); // the slow request holds the old body
      server.serve(p, { body: moved, etag: null });
      t.clock.advance(1_000);
      const admin = await refresh(s, id);
      expect(admin.lastError).toBeNull();
      expect(await slowRefresh).toBe('superseded');
      const [calendar] = await list(s);
      expect(calendar.lastFetchedAt).toBe(admin.lastFetchedAt);
      const slots = await slotStarts(s, monday);
      expect(slots).toContain(at(monday, 10));
      expect(slots).not.toContain(at(monday, 12));
    } finally {
      settings.timeoutMs = timeout;
    }
  });

  it('12 concurrent adds to one schedule create exactly 10 calendars; the others answer 409 busy_calendar_limit_reached', async () => {
    const s = await setup();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.http.post(`/v1/schedules/${s.scheduleId}/busy-calendars`).set(s.tenant.auth).send({ name: `Cal ${i}`, url: `https://calendar.example.com/private-${i}/basic.ics` }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(10).fill(201), 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('busy_calendar_limit_reached');
    expect(await list(s)).toHaveLength(10);
  });

  it('reads the Google, Outlook and iCloud shapes (fixtures of @punchcard/calendars): a Google weekly meeting blocks its Berlin Monday slot', async () => {
    const fixture = (name: string) => readFileSync(join(__dirname, '../../libs/calendars/src/fixtures', `${name}.ics`), 'utf8');
    // The fixtures hold March-April 2025: the clock goes back there for this test.
    const back = Date.parse('2025-03-10T07:00:00Z') - t.clock.now().getTime();
    t.clock.advance(back);
    try {
      const s = await setup('Europe/Berlin');
      const ids: Record<string, string> = {};
      for (const name of ['google', 'outlook', 'icloud']) ids[name] = (await addCalendar(s, server.serve(newPath(name), { body: fixture(name) }), name)).id;
      await t.app.get(BusyCalendarScheduler).runOnce(); // other tests' never-fetched calendars are due too
      for (const calendar of await list(s)) expect({ name: calendar.name, error: calendar.lastError, some: calendar.eventCount > 0 }).toEqual({ name: calendar.name, error: null, some: true });
      // Google: every Monday 10:00-11:00 Berlin from 17 March 2025.
      const monday = DateTime.fromISO('2025-03-17', { zone: 'Europe/Berlin' });
      expect(await slotStarts(s, monday)).not.toContain(at(monday, 10));
      expect((await book(s, at(monday, 10))).body.code).toBe('slot_busy');
    } finally {
      t.clock.advance(-back);
    }
  });
});
