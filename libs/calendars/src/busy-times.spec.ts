import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusyInterval, BusyTimes, expandBusyTimes, intervalsByLocalDay, pinFloatingTimes } from '@punchcard/calendars';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', `${name}.ics`), 'utf8');
const SPRING = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-05-01T00:00:00Z') };
/** Intervals as "start/end" ISO pairs, for readable expectations. */
const spans = (intervals: BusyInterval[]) => intervals.map((i) => `${i.start.toISOString()}/${i.end.toISOString()}`);
const calendar = (...events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const vevent = (uid: string, ...lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20250101T000000Z', ...lines, 'END:VEVENT'].join('\r\n');

describe('expandBusyTimes: Google Calendar export (Europe/Berlin)', () => {
  let result: BusyTimes;
  beforeAll(async () => {
    result = await expandBusyTimes(fixture('google'), { ...SPRING, floatingZone: 'Europe/Berlin' });
  });

  it('reads every series and single event, without warnings', () => {
    expect(result.events).toBe(6);
    expect(result.warnings).toEqual([]);
  });

  it('expands the weekly series across the DST change, without the EXDATE, with the moved instance', () => {
    const therapy = result.intervals.filter((i) => i.uid === '7kukuqrfedlm2f9t0vr42q2d6a@google.com');
    expect(spans(therapy)).toEqual([
      '2025-03-17T09:00:00.000Z/2025-03-17T10:00:00.000Z', // 10:00 CET
      '2025-03-24T09:00:00.000Z/2025-03-24T10:00:00.000Z',
      '2025-03-31T08:00:00.000Z/2025-03-31T09:00:00.000Z', // 10:00 CEST (DST began 30 March)
      // 7 April: EXDATE; 14 April: moved to 15 April 14:00
      '2025-04-15T12:00:00.000Z/2025-04-15T13:00:00.000Z',
      '2025-04-21T08:00:00.000Z/2025-04-21T09:00:00.000Z',
      '2025-04-28T08:00:00.000Z/2025-04-28T09:00:00.000Z',
    ]);
  });

  it('blocks an all-day event for the whole local day, ignores the transparent one and the cancelled one', () => {
    expect(spans(result.intervals.filter((i) => i.uid === '0a1b2c3d4e5f6g7h8i9j@google.com'))).toEqual(['2025-03-27T23:00:00.000Z/2025-03-28T23:00:00.000Z']);
    expect(result.intervals.some((i) => i.uid === 'birthday-anna@google.com')).toBe(false);
    expect(result.intervals.some((i) => i.uid === 'cancelled-lunch@google.com')).toBe(false);
  });

  it('merges overlapping events (UTC times) into one interval', () => {
    expect(spans(result.intervals.filter((i) => i.start.toISOString().startsWith('2025-03-26')))).toEqual(['2025-03-26T15:00:00.000Z/2025-03-26T17:00:00.000Z']);
    expect(result.intervals).toHaveLength(8);
  });

  it('keeps no personal data: only start, end and uid', () => {
    for (const interval of result.intervals) expect(Object.keys(interval).sort()).toEqual(['end', 'start', 'uid']);
    expect(JSON.stringify(result)).not.toMatch(/Therapy|Dentist|Praxis|birthday/i);
  });
});

describe('expandBusyTimes: Outlook/Exchange published calendar (Windows zone names)', () => {
  let result: BusyTimes;
  beforeAll(async () => {
    result = await expandBusyTimes(fixture('outlook'), { ...SPRING, floatingZone: 'Europe/Berlin' });
  });
  const byUid = (prefix: string) => spans(result.intervals.filter((i) => i.uid.startsWith(prefix)));

  it('maps "W. Europe Standard Time" (node-ical windowsZones) across DST, and drops the cancelled instance', () => {
    expect(byUid('040000008200E00074C5B7101A82E00800000000D0A1B2C3D4E5')).toEqual([
      '2025-03-19T08:00:00.000Z/2025-03-19T08:30:00.000Z',
      '2025-03-26T08:00:00.000Z/2025-03-26T08:30:00.000Z',
      // 2 April: RECURRENCE-ID override with STATUS:CANCELLED
      '2025-04-09T07:00:00.000Z/2025-04-09T07:30:00.000Z',
    ]);
  });

  it('maps "Pacific Standard Time" (after the US DST change) and "GMT Standard Time" (BST); tentative and out of office block', () => {
    expect(byUid('040000008200E00074C5B7101A82E008000000001122')).toEqual(['2025-03-10T17:00:00.000Z/2025-03-10T18:00:00.000Z']);
    expect(byUid('040000008200E00074C5B7101A82E00800000000AABB')).toEqual(['2025-03-31T09:00:00.000Z/2025-03-31T10:00:00.000Z']);
  });

  it('treats X-MICROSOFT-CDO-BUSYSTATUS:FREE as not busy, even without TRANSP', () => {
    expect(byUid('040000008200E00074C5B7101A82E0080000000099887766')).toEqual([]);
  });

  it('blocks the all-day event for the schedule zone day', () => {
    expect(byUid('040000008200E00074C5B7101A82E00800000000ABCDEF')).toEqual(['2025-03-20T23:00:00.000Z/2025-03-21T23:00:00.000Z']);
  });

  it('reads a "Customized Time Zone" by its VTIMEZONE (+11/+10, Sydney rules) across the April DST end', () => {
    expect(byUid('040000008200E00074C5B7101A82E00800000000SYDNEY')).toEqual([
      '2025-04-04T22:00:00.000Z/2025-04-04T22:30:00.000Z', // 5 April 09:00 +11
      '2025-04-05T23:00:00.000Z/2025-04-05T23:30:00.000Z', // 6 April 09:00 +10 (DST ended that night)
      '2025-04-06T23:00:00.000Z/2025-04-06T23:30:00.000Z',
    ]);
  });
});

describe('expandBusyTimes: Apple iCloud public calendar (America/New_York)', () => {
  let result: BusyTimes;
  beforeAll(async () => {
    result = await expandBusyTimes(fixture('icloud'), { ...SPRING, floatingZone: 'America/New_York' });
  });
  const byUid = (prefix: string) => spans(result.intervals.filter((i) => i.uid.startsWith(prefix)));

  it('expands DURATION instead of DTEND across the US DST change', () => {
    expect(byUid('6C1E7B2A')).toEqual([
      '2025-03-04T23:00:00.000Z/2025-03-05T00:30:00.000Z', // 18:00 EST
      '2025-03-11T22:00:00.000Z/2025-03-11T23:30:00.000Z', // 18:00 EDT
      '2025-03-18T22:00:00.000Z/2025-03-18T23:30:00.000Z',
    ]);
  });

  it('reads floating times in the floating zone, also for a daily series across DST', () => {
    expect(byUid('A3F0C2D1')).toEqual(['2025-03-12T12:00:00.000Z/2025-03-12T13:00:00.000Z']);
    expect(byUid('B4E1D3C2')).toEqual([
      '2025-03-08T12:00:00.000Z/2025-03-08T12:30:00.000Z', // 07:00 EST
      '2025-03-09T11:00:00.000Z/2025-03-09T11:30:00.000Z', // 07:00 EDT (DST began that night)
      '2025-03-10T11:00:00.000Z/2025-03-10T11:30:00.000Z',
    ]);
  });

  it('moves floating times and all-day dates with the floating zone (the VTIMEZONE in the file does not capture them)', async () => {
    const berlin = await expandBusyTimes(fixture('icloud'), { ...SPRING, floatingZone: 'Europe/Berlin' });
    const byUidBerlin = (prefix: string) => spans(berlin.intervals.filter((i) => i.uid.startsWith(prefix)));
    expect(byUidBerlin('A3F0C2D1')).toEqual(['2025-03-12T07:00:00.000Z/2025-03-12T08:00:00.000Z']);
    expect(byUidBerlin('D6A3F5E4')).toEqual(['2025-03-13T23:00:00.000Z/2025-03-14T23:00:00.000Z']);
    expect(byUidBerlin('6C1E7B2A')).toEqual(byUid('6C1E7B2A')); // TZID times do not move
  });

  it('ignores a DATE-TIME start without end or duration (zero length), makes an all-day start without end one day', () => {
    expect(byUid('C5F2E4D3')).toEqual([]);
    expect(byUid('D6A3F5E4')).toEqual(['2025-03-14T04:00:00.000Z/2025-03-15T04:00:00.000Z']);
    expect(byUid('E7B4A6F5')).toEqual(['2025-03-20T04:00:00.000Z/2025-03-22T04:00:00.000Z']);
  });
});

describe('expandBusyTimes: window, DST and limits', () => {
  it('returns only intervals overlapping the window, clipped to it (including instances begun before it)', async () => {
    const ics = calendar(vevent('long', 'DTSTART:20250301T220000Z', 'DTEND:20250302T020000Z'), vevent('outside', 'DTSTART:20250305T100000Z', 'DTEND:20250305T110000Z'));
    const result = await expandBusyTimes(ics, { from: new Date('2025-03-02T00:00:00Z'), to: new Date('2025-03-03T00:00:00Z'), floatingZone: 'UTC' });
    expect(spans(result.intervals)).toEqual(['2025-03-02T00:00:00.000Z/2025-03-02T02:00:00.000Z']);
  });

  it('Australia/Sydney: a daily 09:00 series keeps its wall clock across both DST changes', async () => {
    const ics = calendar(vevent('syd', 'DTSTART;TZID=Australia/Sydney:20250405T090000', 'DTEND;TZID=Australia/Sydney:20250405T100000', 'RRULE:FREQ=DAILY', 'EXDATE;TZID=Australia/Sydney:20250406T090000'));
    const april = await expandBusyTimes(ics, { from: new Date('2025-04-04T00:00:00Z'), to: new Date('2025-04-07T12:00:00Z'), floatingZone: 'Australia/Sydney' });
    expect(spans(april.intervals)).toEqual(['2025-04-04T22:00:00.000Z/2025-04-04T23:00:00.000Z', '2025-04-06T23:00:00.000Z/2025-04-07T00:00:00.000Z']);
    const october = await expandBusyTimes(ics, { from: new Date('2025-10-03T12:00:00Z'), to: new Date('2025-10-05T12:00:00Z'), floatingZone: 'Australia/Sydney' });
    expect(spans(october.intervals)).toEqual(['2025-10-03T23:00:00.000Z/2025-10-04T00:00:00.000Z', '2025-10-04T22:00:00.000Z/2025-10-04T23:00:00.000Z']);
  });

  it('caps a hostile FREQ=SECONDLY series without expanding it, with a warning', async () => {
    const ics = calendar(vevent('hostile', 'DTSTART:20200101T000000Z', 'DURATION:PT1S', 'RRULE:FREQ=SECONDLY'), vevent('fine', 'DTSTART:20250310T100000Z', 'DTEND:20250310T110000Z'));
    const started = Date.now();
    const result = await expandBusyTimes(ics, { ...SPRING, floatingZone: 'UTC' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(spans(result.intervals)).toEqual(['2025-03-10T10:00:00.000Z/2025-03-10T11:00:00.000Z']);
    expect(result.warnings).toEqual([expect.stringMatching(/^event hostile: recurs up to 86400 times a day/)]);
  });

  it('refuses a series whose BYxxx lists make it dense (86,400 candidates a day) before the library generates them', async () => {
    const all = (n: number) => Array.from({ length: n }, (_, i) => i).join(',');
    const ics = calendar(vevent('dense', 'DTSTART:20250101T000000Z', 'DURATION:PT1S', `RRULE:FREQ=DAILY;BYHOUR=${all(24)};BYMINUTE=${all(60)};BYSECOND=${all(60)}`));
    const started = Date.now();
    const result = await expandBusyTimes(ics, { ...SPRING, floatingZone: 'UTC' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.intervals).toEqual([]);
    expect(result.warnings[0]).toMatch(/^event dense: recurs up to 86400 times a day/);
  });

  it('expands a series only up to its per-series cap, and stops at the total cap, with warnings', async () => {
    const hourly = calendar(vevent('hourly', 'DTSTART:20250301T000000Z', 'DURATION:PT30M', 'RRULE:FREQ=HOURLY'));
    const capped = await expandBusyTimes(hourly, { ...SPRING, floatingZone: 'UTC' }, { perSeries: 100, total: 1000, maxPerDay: 96 });
    expect(capped.intervals.length).toBeGreaterThan(40);
    expect(capped.intervals.length).toBeLessThanOrEqual(100);
    expect(capped.warnings[0]).toMatch(/^event hourly: more than 100 instances, expanded only until /);

    const many = calendar(...Array.from({ length: 20 }, (_, i) => vevent(`e${i}`, `DTSTART:202503${String(i + 2).padStart(2, '0')}T100000Z`, 'DURATION:PT1H')));
    const total = await expandBusyTimes(many, { ...SPRING, floatingZone: 'UTC' }, { perSeries: 100, total: 5, maxPerDay: 96 });
    expect(total.intervals).toHaveLength(5);
    expect(total.events).toBe(20);
    expect(total.warnings).toEqual(['more than 5 instances in the calendar: later events were ignored']);
  });

  it('reads an unknown TZID as the floating zone, with a warning', async () => {
    const ics = calendar(vevent('weird', 'DTSTART;TZID=Somewhere/Else:20250310T100000', 'DTEND;TZID=Somewhere/Else:20250310T110000'));
    const result = await expandBusyTimes(ics, { ...SPRING, floatingZone: 'Europe/Berlin' });
    expect(spans(result.intervals)).toEqual(['2025-03-10T09:00:00.000Z/2025-03-10T10:00:00.000Z']);
    expect(result.warnings).toEqual(['event weird: unknown time zone "Somewhere/Else", read as Europe/Berlin']);
  });

  it('reads an Outlook "Customized Time Zone" without VTIMEZONE in the floating zone, not the server\'s, with a warning', async () => {
    const ics = calendar(
      vevent('custom', 'DTSTART;TZID=Customized Time Zone:20250310T100000', 'DTEND;TZID=Customized Time Zone:20250310T110000'),
      vevent('ms', 'DTSTART;TZID="tzone://Microsoft/Custom":20250311T100000', 'DTEND;TZID="tzone://Microsoft/Custom":20250311T110000'),
    );
    const result = await expandBusyTimes(ics, { ...SPRING, floatingZone: 'Asia/Tokyo' });
    expect(spans(result.intervals)).toEqual(['2025-03-10T01:00:00.000Z/2025-03-10T02:00:00.000Z', '2025-03-11T01:00:00.000Z/2025-03-11T02:00:00.000Z']);
    expect(result.warnings).toEqual([
      'unknown time zone "Customized Time Zone" (no VTIMEZONE), read as Asia/Tokyo',
      'unknown time zone "tzone://Microsoft/Custom" (no VTIMEZONE), read as Asia/Tokyo',
    ]);
  });

  it('skips Punchcard\'s own bookings (UID @punchcard.bookings): a host importing the feed does not block their own seats', async () => {
    const ics = calendar(
      vevent('0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee@punchcard.bookings', 'DTSTART:20250310T100000Z', 'DTEND:20250310T110000Z'),
      vevent('dentist@google.com', 'DTSTART:20250310T120000Z', 'DTEND:20250310T130000Z'),
    );
    const result = await expandBusyTimes(ics, { ...SPRING, floatingZone: 'UTC' });
    expect(spans(result.intervals)).toEqual(['2025-03-10T12:00:00.000Z/2025-03-10T13:00:00.000Z']);
  });

  it('keeps the event loop turning while it parses and expands a large calendar (~23,000 events, a 5 MiB file)', async () => {
    const day = (i: number) => new Date(Date.UTC(2025, 2, 1) + (i % 60) * 86_400_000 + (i % 10) * 3_600_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const big = calendar(...Array.from({ length: 23_000 }, (_, i) => vevent(`big-${i}`, `DTSTART:${day(i)}`, 'DURATION:PT30M', `SUMMARY:${'x'.repeat(120)}`)));
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    // A chain of setImmediate callbacks: each one runs only when the event loop gets a turn.
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const pending = expandBusyTimes(big, { ...SPRING, floatingZone: 'UTC' }, { perSeries: 2000, total: 50_000, maxPerDay: 96 });
    const turnsWhenCalled = turns; // a synchronous parse would have finished here, with no turn in between
    const result = await pending;
    running = false;
    expect(result.events).toBe(23_000);
    expect(turnsWhenCalled).toBe(0);
    // node-ical parses 2,000 lines a batch (~170,000 lines here) and the expansion yields every 100 events.
    expect(turns).toBeGreaterThan(50);
  }, 60_000);

  it('answers garbage with no intervals rather than an exception', async () => {
    const result = await expandBusyTimes('this is not a calendar', { ...SPRING, floatingZone: 'UTC' });
    expect(result.intervals).toEqual([]);
  });

  it('pins floating DTSTART/DTEND/EXDATE (CRLF too), never inside VTIMEZONE', () => {
    const text = ['BEGIN:VTIMEZONE', 'DTSTART:19700329T020000', 'END:VTIMEZONE', 'DTSTART:20250101T100000', 'EXDATE:20250102T100000,20250103T100000', 'DTEND:20250101T110000Z', ''].join('\r\n');
    expect(pinFloatingTimes(text, 'Europe/Berlin').split('\r\n')).toEqual([
      'BEGIN:VTIMEZONE', 'DTSTART:19700329T020000', 'END:VTIMEZONE',
      'DTSTART;TZID=Europe/Berlin:20250101T100000', 'EXDATE;TZID=Europe/Berlin:20250102T100000,20250103T100000', 'DTEND:20250101T110000Z', '',
    ]);
  });
});

describe('intervalsByLocalDay', () => {
  const interval = (start: string, end: string): BusyInterval => ({ start: new Date(start), end: new Date(end), uid: 'u' });
  const days = (map: Map<string, BusyInterval[]>) => Object.fromEntries([...map].map(([day, list]) => [day, spans(list)]));

  it('cuts at local midnights; the spring-forward day in Berlin is 23 hours', () => {
    // 29 March 12:00 CET to 31 March 12:00 CEST
    const map = intervalsByLocalDay([interval('2025-03-29T11:00:00Z', '2025-03-31T10:00:00Z')], 'Europe/Berlin');
    expect(days(map)).toEqual({
      '2025-03-29': ['2025-03-29T11:00:00.000Z/2025-03-29T23:00:00.000Z'],
      '2025-03-30': ['2025-03-29T23:00:00.000Z/2025-03-30T22:00:00.000Z'], // 23 h
      '2025-03-31': ['2025-03-30T22:00:00.000Z/2025-03-31T10:00:00.000Z'],
    });
  });

  it('the fall-back day in New York is 25 hours', () => {
    const map = intervalsByLocalDay([interval('2025-11-02T04:00:00Z', '2025-11-03T05:00:00Z')], 'America/New_York');
    expect(days(map)).toEqual({ '2025-11-02': ['2025-11-02T04:00:00.000Z/2025-11-03T05:00:00.000Z'] });
  });

  it('keys by the zone’s date (Sydney is a day ahead of UTC) and keeps several intervals of a day in order', () => {
    const map = intervalsByLocalDay([interval('2025-04-05T23:00:00Z', '2025-04-06T00:00:00Z'), interval('2025-04-05T20:00:00Z', '2025-04-05T21:00:00Z')], 'Australia/Sydney');
    expect(days(map)).toEqual({ '2025-04-06': ['2025-04-05T20:00:00.000Z/2025-04-05T21:00:00.000Z', '2025-04-05T23:00:00.000Z/2025-04-06T00:00:00.000Z'] });
  });
});
