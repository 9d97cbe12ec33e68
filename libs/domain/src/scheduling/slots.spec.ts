import { DateTime } from 'luxon';
import { seededRandom } from '../testing/given-when-then';
import { DateOverride, ScheduleFields, TimeRange, WeeklyHours, WEEKDAYS } from './scheduling.types';
import { datesBetween, hoursOn, localDateOf, Slot, slotsOn } from './slots';
import { parseTimeOfDay } from './time-range';

type ScheduleHours = Pick<ScheduleFields, 'timezone' | 'weeklyHours' | 'overrides'>;

const r = (start: string, end: string): TimeRange => ({ start, end });
const closed: WeeklyHours = { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };
/** The same hours every day of the week (or only on the days given). */
const everyDay = (...ranges: TimeRange[]): WeeklyHours => Object.fromEntries(WEEKDAYS.map((day) => [day, ranges])) as WeeklyHours;
const schedule = (timezone: string, weeklyHours: WeeklyHours, overrides: DateOverride[] = []): ScheduleHours => ({ timezone, weeklyHours, overrides });
const timing = (durationMinutes: number, bufferMinutes = 0) => ({ durationMinutes, bufferMinutes });

/** A local wall-clock time in a zone as the normalised UTC instant (luxon moves a skipped time forward). */
const utc = (localIso: string, zone: string) => DateTime.fromISO(localIso, { zone }).toUTC().toISO()!;
/** "HH:mm" on the wall clock of `zone` at a UTC instant. */
const wall = (instant: string, zone: string) => DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toFormat('HH:mm');
const offset = (instant: string, zone: string) => DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toFormat('ZZ');
/** A slot as slotsOn gives it: the instants as text and as epoch ms. */
const slotOn = (date: string, start: string, end: string): Slot => ({ start, end, date, startMs: Date.parse(start), endMs: Date.parse(end) });
const starts = (slots: readonly Slot[]) => slots.map((s) => s.start);
const walls = (slots: readonly Slot[], zone: string) => slots.map((s) => wall(s.start, zone));
const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;
const UTC_ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/;

describe('hoursOn', () => {
  const week: WeeklyHours = { ...closed, monday: [r('09:00', '12:00')], saturday: [r('10:00', '11:00')] };
  it('uses the weekday of the calendar date', () => {
    expect(hoursOn({ weeklyHours: week, overrides: [] }, '2026-06-01')).toEqual([r('09:00', '12:00')]); // a Monday
    expect(hoursOn({ weeklyHours: week, overrides: [] }, '2026-06-06')).toEqual([r('10:00', '11:00')]); // a Saturday
    expect(hoursOn({ weeklyHours: week, overrides: [] }, '2026-06-07')).toEqual([]); // a Sunday
  });

  it('an override replaces that date’s weekday hours (a day off, or other hours), and only that date', () => {
    const overrides = [
      { date: '2026-06-01', hours: [] },
      { date: '2026-06-08', hours: [r('14:00', '15:00')] },
    ];
    expect(hoursOn({ weeklyHours: week, overrides }, '2026-06-01')).toEqual([]);
    expect(hoursOn({ weeklyHours: week, overrides }, '2026-06-08')).toEqual([r('14:00', '15:00')]);
    expect(hoursOn({ weeklyHours: week, overrides }, '2026-06-15')).toEqual([r('09:00', '12:00')]);
  });
});

describe('slotsOn: the grid on an ordinary day', () => {
  const berlin = schedule('Europe/Berlin', { ...closed, wednesday: [r('09:00', '12:00')] });
  const WED = '2026-06-03';

  it('steps from the range start by the duration, in the schedule’s zone, as normalised UTC instants on the local date', () => {
    const slots = slotsOn(berlin, timing(60), WED);
    expect(slots).toEqual([
      slotOn(WED, '2026-06-03T07:00:00.000Z', '2026-06-03T08:00:00.000Z'),
      slotOn(WED, '2026-06-03T08:00:00.000Z', '2026-06-03T09:00:00.000Z'),
      slotOn(WED, '2026-06-03T09:00:00.000Z', '2026-06-03T10:00:00.000Z'),
    ]);
  });

  it('step = duration + buffer', () => {
    expect(walls(slotsOn(berlin, timing(45, 15), WED), 'Europe/Berlin')).toEqual(['09:00', '10:00', '11:00']);
    expect(walls(slotsOn(berlin, timing(30, 10), WED), 'Europe/Berlin')).toEqual(['09:00', '09:40', '10:20', '11:00']);
    expect(walls(slotsOn(berlin, timing(60, 30), WED), 'Europe/Berlin')).toEqual(['09:00', '10:30']);
    expect(walls(slotsOn(berlin, timing(120, 60), WED), 'Europe/Berlin')).toEqual(['09:00']);
  });

  it('a session may end exactly at the range end but not after it (the buffer may run past the range)', () => {
    const s = schedule('Europe/Berlin', { ...closed, wednesday: [r('09:00', '10:30')] });
    expect(walls(slotsOn(s, timing(45), WED), 'Europe/Berlin')).toEqual(['09:00', '09:45']);
    expect(walls(slotsOn(s, timing(60), WED), 'Europe/Berlin')).toEqual(['09:00']);
    expect(walls(slotsOn(s, timing(45, 60), WED), 'Europe/Berlin')).toEqual(['09:00']);
    expect(walls(slotsOn(s, timing(105), WED), 'Europe/Berlin')).toEqual([]);
  });

  it('every range restarts the grid at its own start; the result is in time order whatever the order of the ranges', () => {
    const s = schedule('Europe/Berlin', { ...closed, wednesday: [r('14:10', '15:30'), r('09:00', '10:00')] });
    expect(walls(slotsOn(s, timing(30), WED), 'Europe/Berlin')).toEqual(['09:00', '09:30', '14:10', '14:40']);
  });

  it('a closed weekday offers nothing', () => {
    expect(slotsOn(berlin, timing(30), '2026-06-04')).toEqual([]);
  });

  it('an override with no hours is a day off', () => {
    const s = schedule('Europe/Berlin', berlin.weeklyHours, [{ date: WED, hours: [] }]);
    expect(slotsOn(s, timing(30), WED)).toEqual([]);
    expect(slotsOn(s, timing(30), '2026-06-10')).toHaveLength(6); // the next Wednesday keeps its hours
  });

  it('an override with hours replaces the weekday’s hours (it does not add to them)', () => {
    const s = schedule('Europe/Berlin', berlin.weeklyHours, [{ date: WED, hours: [r('16:00', '18:00')] }]);
    expect(walls(slotsOn(s, timing(60), WED), 'Europe/Berlin')).toEqual(['16:00', '17:00']);
  });

  it('an override opens extra hours on a closed day', () => {
    const s = schedule('Europe/Berlin', berlin.weeklyHours, [{ date: '2026-06-06', hours: [r('10:00', '12:00')] }]);
    const slots = slotsOn(s, timing(60), '2026-06-06');
    expect(walls(slots, 'Europe/Berlin')).toEqual(['10:00', '11:00']);
    expect(slots.every((slot) => slot.date === '2026-06-06')).toBe(true);
  });

  it('a "24:00" range end lets the last session end at the next local midnight', () => {
    const s = schedule('Europe/Berlin', { ...closed, wednesday: [r('22:00', '24:00')] });
    expect(slotsOn(s, timing(60), WED)).toEqual([
      slotOn(WED, '2026-06-03T20:00:00.000Z', '2026-06-03T21:00:00.000Z'),
      slotOn(WED, '2026-06-03T21:00:00.000Z', '2026-06-03T22:00:00.000Z'),
    ]);
  });

  it('a session and its buffer on both sides fit within the local day', () => {
    const lateNight = schedule('Europe/Berlin', { ...closed, wednesday: [r('23:00', '24:00')] });
    expect(walls(slotsOn(lateNight, timing(60), WED), 'Europe/Berlin')).toEqual(['23:00']);
    expect(slotsOn(lateNight, timing(60, 5), WED)).toEqual([]); // its buffer would run past midnight
    expect(walls(slotsOn(lateNight, timing(45, 15), WED), 'Europe/Berlin')).toEqual(['23:00']); // the buffer ends exactly at midnight

    const earlyMorning = schedule('Europe/Berlin', { ...closed, wednesday: [r('00:00', '03:00')] });
    expect(walls(slotsOn(earlyMorning, timing(60), WED), 'Europe/Berlin')).toEqual(['00:00', '01:00', '02:00']);
    // 00:00 would need a buffer before midnight; the next grid time (01:15) fits.
    expect(walls(slotsOn(earlyMorning, timing(60, 15), WED), 'Europe/Berlin')).toEqual(['01:15']);
  });

  it('the whole day "00:00"-"24:00" offers 24 hourly sessions on an ordinary day', () => {
    const s = schedule('Asia/Tokyo', everyDay(r('00:00', '24:00')));
    const slots = slotsOn(s, timing(60), '2026-06-03');
    expect(slots).toHaveLength(24);
    expect(slots[0].start).toBe('2026-06-02T15:00:00.000Z'); // local midnight is the previous UTC day
    expect(slots[23].end).toBe('2026-06-03T15:00:00.000Z');
  });

  it('the slot date is the schedule-local date, whatever the UTC date', () => {
    const sydney = schedule('Australia/Sydney', everyDay(r('07:00', '09:00')));
    const slots = slotsOn(sydney, timing(60), '2026-06-03');
    expect(slots.map((s) => [s.start, s.date])).toEqual([
      ['2026-06-02T21:00:00.000Z', '2026-06-03'],
      ['2026-06-02T22:00:00.000Z', '2026-06-03'],
    ]);
    expect(slots.map((s) => localDateOf(s.start, 'Australia/Sydney'))).toEqual(['2026-06-03', '2026-06-03']);
  });
});

/**
 * DST days in three zones (2026). Hourly sessions from 00:00 to 05:00 local; each expected start is
 * the UTC instant of a local wall-clock time. On a spring-forward day one hour does not exist; on an
 * autumn day one hour is repeated and is offered once, at its first occurrence.
 */
describe.each<{
  zone: string;
  spring: string;
  autumn: string;
  skipped: string;
  repeated: string;
  springStarts: string[];
  autumnStarts: string[];
  /** The repeated hour's half past, first occurrence (summer time) and second (standard time). */
  repeatedHalfPast: [string, string];
}>([
  {
    zone: 'America/New_York',
    spring: '2026-03-08', // 02:00 EST -> 03:00 EDT
    autumn: '2026-11-01', // 02:00 EDT -> 01:00 EST
    skipped: '02',
    repeated: '01',
    springStarts: ['2026-03-08T05:00:00.000Z', '2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z'],
    autumnStarts: ['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z', '2026-11-01T09:00:00.000Z'],
    repeatedHalfPast: ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z'],
  },
  {
    zone: 'Europe/Berlin',
    spring: '2026-03-29', // 02:00 CET -> 03:00 CEST
    autumn: '2026-10-25', // 03:00 CEST -> 02:00 CET
    skipped: '02',
    repeated: '02',
    springStarts: ['2026-03-28T23:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
    autumnStarts: ['2026-10-24T22:00:00.000Z', '2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z'],
    repeatedHalfPast: ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
  },
  {
    zone: 'Australia/Sydney',
    spring: '2026-10-04', // 02:00 AEST -> 03:00 AEDT
    autumn: '2026-04-05', // 03:00 AEDT -> 02:00 AEST
    skipped: '02',
    repeated: '02',
    springStarts: ['2026-10-03T14:00:00.000Z', '2026-10-03T15:00:00.000Z', '2026-10-03T16:00:00.000Z', '2026-10-03T17:00:00.000Z'],
    autumnStarts: ['2026-04-04T13:00:00.000Z', '2026-04-04T14:00:00.000Z', '2026-04-04T15:00:00.000Z', '2026-04-04T17:00:00.000Z', '2026-04-04T18:00:00.000Z'],
    repeatedHalfPast: ['2026-04-04T15:30:00.000Z', '2026-04-04T16:30:00.000Z'],
  },
])('slotsOn across DST in $zone', ({ zone, spring, autumn, skipped, repeated, springStarts, autumnStarts, repeatedHalfPast }) => {
  const night = schedule(zone, everyDay(r('00:00', '05:00')));

  it(`spring forward (${spring}): the skipped hour ${skipped}:xx offers nothing; the rest keep their wall-clock times`, () => {
    const slots = slotsOn(night, timing(60), spring);
    expect(starts(slots)).toEqual(springStarts);
    expect(walls(slots, zone)).toEqual(['00:00', '01:00', '03:00', '04:00']);
    expect(slots.every((s) => s.date === spring && minutesBetween(s.start, s.end) === 60)).toBe(true);
  });

  it(`spring forward (${spring}): a ${skipped}:30 start does not exist, so it is not offered (not moved to ${Number(skipped) + 1}:30 either)`, () => {
    const halfPast = schedule(zone, everyDay(r(`${skipped}:30`, `0${Number(skipped) + 2}:00`)));
    const slots = slotsOn(halfPast, timing(30), spring);
    expect(walls(slots, zone)).toEqual([`0${Number(skipped) + 1}:00`, `0${Number(skipped) + 1}:30`]);
    // A half-hour grid over the night: no start inside the skipped hour.
    const grid = walls(slotsOn(night, timing(30), spring), zone);
    expect(grid.filter((t) => t.startsWith(skipped))).toEqual([]);
    expect(grid).toHaveLength(8); // 10 half hours on the wall clock, 2 of them missing
  });

  it(`autumn (${autumn}): the repeated hour ${repeated}:xx is offered once, at its first occurrence`, () => {
    const slots = slotsOn(night, timing(60), autumn);
    expect(starts(slots)).toEqual(autumnStarts);
    expect(walls(slots, zone)).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00']);
    const halfHours = slotsOn(night, timing(30), autumn);
    const repeatedHalf = halfHours.filter((s) => wall(s.start, zone) === `${repeated}:30`);
    expect(repeatedHalf).toHaveLength(1);
    // Both instants read ${repeated}:30 on the wall clock; only the first (summer time) is offered.
    const [first, second] = repeatedHalfPast;
    expect([wall(first, zone), wall(second, zone)]).toEqual([`${repeated}:30`, `${repeated}:30`]);
    expect(repeatedHalf[0].start).toBe(first);
    expect(starts(halfHours)).not.toContain(second);
    expect(new Set(walls(halfHours, zone)).size).toBe(halfHours.length);
    expect(new Set(starts(halfHours)).size).toBe(halfHours.length);
  });

  it(`autumn (${autumn}): a session across the repeated hour lasts its duration in elapsed time`, () => {
    const slots = slotsOn(schedule(zone, everyDay(r(`0${Number(repeated) - 1}:30`, '05:00'))), timing(90), autumn);
    for (const s of slots) expect(minutesBetween(s.start, s.end)).toBe(90);
    const across = slots[0]; // starts half an hour before the repeated hour, ends 90 elapsed minutes later
    expect(wall(across.start, zone)).toBe(`0${Number(repeated) - 1}:30`);
    expect(wall(across.end, zone)).toBe(`${repeated}:00`); // the repeated one: 90 elapsed minutes, 30 on the wall clock
    expect(offset(across.start, zone)).not.toBe(offset(across.end, zone));
  });

  it(`spring forward (${spring}): a session ends in elapsed time by the range end, not in wall-clock time`, () => {
    const before = `0${Number(skipped) - 1}:30`; // 01:30
    const rangeEnd = `0${Number(skipped) + 1}:15`; // 03:15
    const s = schedule(zone, everyDay(r(before, rangeEnd)));
    // On an ordinary day 01:30 + 90 min = 03:00 fits; on the spring-forward day 90 elapsed minutes end at 04:00.
    const ordinaryDay = DateTime.fromISO(spring).plus({ days: 7 }).toISODate()!;
    expect(walls(slotsOn(s, timing(90), ordinaryDay), zone)).toEqual([before]);
    expect(slotsOn(s, timing(90), spring)).toEqual([]);
    // A session that does fit across the gap is offered, with the elapsed end.
    const fits = slotsOn(schedule(zone, everyDay(r(before, '05:00'))), timing(60), spring)[0];
    expect(wall(fits.start, zone)).toBe(before);
    expect(wall(fits.end, zone)).toBe(`0${Number(skipped) + 1}:30`);
    expect(minutesBetween(fits.start, fits.end)).toBe(60);
  });

  it('"24:00" and the day bounds follow the DST day’s real length', () => {
    const all = schedule(zone, everyDay(r('00:00', '24:00')));
    const springSlots = slotsOn(all, timing(60), spring);
    const autumnSlots = slotsOn(all, timing(60), autumn);
    expect(springSlots).toHaveLength(23);
    expect(autumnSlots).toHaveLength(24); // the repeated hour once: 24 wall-clock hours
    const nextMidnight = (date: string) => utc(`${DateTime.fromISO(date).plus({ days: 1 }).toISODate()}T00:00`, zone);
    expect(springSlots[springSlots.length - 1].end).toBe(nextMidnight(spring));
    expect(autumnSlots[autumnSlots.length - 1].end).toBe(nextMidnight(autumn));
    expect(wall(autumnSlots[autumnSlots.length - 1].start, zone)).toBe('23:00');
    // With a buffer, the last session must leave room for it before the next local midnight.
    const buffered = slotsOn(all, timing(45, 15), spring);
    expect(Date.parse(buffered[buffered.length - 1].end) + 15 * 60_000).toBeLessThanOrEqual(Date.parse(nextMidnight(spring)));
    expect(Date.parse(buffered[0].start) - 15 * 60_000).toBeGreaterThanOrEqual(Date.parse(utc(`${spring}T00:00`, zone)));
  });

  it('overrides replace the hours on DST days too', () => {
    const s = schedule(zone, everyDay(r('00:00', '05:00')), [
      { date: spring, hours: [] },
      { date: autumn, hours: [r('10:00', '11:00')] },
    ]);
    expect(slotsOn(s, timing(60), spring)).toEqual([]);
    expect(walls(slotsOn(s, timing(60), autumn), zone)).toEqual(['10:00']);
  });
});

describe('slotsOn: invariants over random schedules, zones and dates (seeded)', () => {
  const ZONES = [
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe', // a half-hour DST shift
    'America/Santiago', // DST changes at local midnight
    'Asia/Kolkata',
    'UTC',
  ];
  const DURATIONS = [15, 30, 45, 60, 75, 90, 105, 120];
  const BUFFERS = [0, 5, 10, 15, 30, 45, 60];
  /** DST days of 2026 in those zones (and their neighbours), plus ordinary days. */
  const DATES = [
    '2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25', '2026-04-05', '2026-10-04', '2026-04-04', '2026-09-06', '2026-09-05',
    '2026-01-01', '2026-06-15', '2026-12-31',
  ];

  function randomRanges(random: ReturnType<typeof seededRandom>): TimeRange[] {
    const cuts = new Set<number>();
    const count = random.int(1, 3) * 2;
    while (cuts.size < count) cuts.add(random.int(0, 96) * 15);
    const sorted = [...cuts].sort((a, b) => a - b);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const ranges: TimeRange[] = [];
    for (let i = 0; i < sorted.length; i += 2) ranges.push(r(hhmm(sorted[i]), hhmm(sorted[i + 1])));
    return ranges.filter((range) => range.start !== '24:00');
  }

  it('every slot is on its range’s wall-clock grid, inside the range and the local day, lasts its duration, and no local time is offered twice', () => {
    const random = seededRandom(2026);
    let slotsSeen = 0;
    for (let i = 0; i < 600; i++) {
      const zone = random.pick(ZONES);
      const date = random.pick(DATES);
      const ranges = randomRanges(random);
      const t = timing(random.pick(DURATIONS), random.pick(BUFFERS));
      const s = schedule(zone, closed, [{ date, hours: ranges }]);
      const slots = slotsOn(s, t, date);
      const where = `${zone} ${date} ${JSON.stringify(ranges)} ${JSON.stringify(t)}`;
      const dayStart = DateTime.fromISO(date, { zone }).startOf('day');
      const nextDay = dayStart.plus({ days: 1 });
      const localTimes = new Set<string>();
      slotsSeen += slots.length;
      for (let k = 0; k < slots.length; k++) {
        const slot = slots[k];
        const problems: string[] = [];
        if (!UTC_ISO_MS.test(slot.start) || !UTC_ISO_MS.test(slot.end)) problems.push('not normalised');
        if (slot.date !== date || localDateOf(slot.start, zone) !== date) problems.push('not on its local date');
        if (minutesBetween(slot.start, slot.end) !== t.durationMinutes) problems.push('does not last its duration');
        if (k > 0 && slots[k - 1].start >= slot.start) problems.push('not in strict time order');
        const local = DateTime.fromISO(slot.start, { zone: 'utc' }).setZone(zone);
        const minute = local.hour * 60 + local.minute;
        const range = ranges.find((rg) => minute >= parseTimeOfDay(rg.start) && minute < parseTimeOfDay(rg.end));
        if (!range) problems.push('starts outside every range');
        else {
          if ((minute - parseTimeOfDay(range.start)) % (t.durationMinutes + t.bufferMinutes) !== 0) problems.push('off the grid');
          const end = parseTimeOfDay(range.end);
          const rangeEnd = end === 1440 ? nextDay : dayStart.set({ hour: Math.floor(end / 60), minute: end % 60 });
          if (Date.parse(slot.end) > rangeEnd.toMillis()) problems.push('ends after its range (elapsed time)');
        }
        if (Date.parse(slot.start) - t.bufferMinutes * 60_000 < dayStart.toMillis()) problems.push('buffer before the local day');
        if (Date.parse(slot.end) + t.bufferMinutes * 60_000 > nextDay.toMillis()) problems.push('buffer after the local day');
        const label = local.toFormat('HH:mm');
        if (localTimes.has(label)) problems.push(`local time ${label} offered twice`);
        localTimes.add(label);
        if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')} in ${JSON.stringify(slot)}`);
      }
    }
    expect(slotsSeen).toBeGreaterThan(2000);
  });

  it('every wall-clock grid time that exists once and fits is offered (nothing is dropped on an ordinary day)', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 200; i++) {
      const zone = random.pick(ZONES);
      const date = random.pick(['2026-01-14', '2026-06-17', '2026-07-22']); // no DST change anywhere on these
      const ranges = randomRanges(random);
      const t = timing(random.pick(DURATIONS), random.pick(BUFFERS));
      const expected: string[] = [];
      for (const range of [...ranges].sort((a, b) => a.start.localeCompare(b.start))) {
        for (let m = parseTimeOfDay(range.start); m + t.durationMinutes <= parseTimeOfDay(range.end); m += t.durationMinutes + t.bufferMinutes) {
          if (m - t.bufferMinutes < 0 || m + t.durationMinutes + t.bufferMinutes > 1440) continue;
          expected.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
        }
      }
      expect(walls(slotsOn(schedule(zone, closed, [{ date, hours: ranges }]), t, date), zone)).toEqual(expected);
    }
  });
});

describe('datesBetween and localDateOf', () => {
  it('lists local dates inclusively, across month and year ends', () => {
    expect(datesBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(datesBetween('2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(datesBetween('2026-06-01', '2026-06-01')).toEqual(['2026-06-01']);
    expect(datesBetween('2026-06-02', '2026-06-01')).toEqual([]);
  });

  it('gives the date an instant falls on in a zone', () => {
    expect(localDateOf('2026-06-02T22:30:00.000Z', 'Europe/Berlin')).toBe('2026-06-03');
    expect(localDateOf('2026-06-02T22:30:00.000Z', 'America/New_York')).toBe('2026-06-02');
    expect(localDateOf('2026-06-02T14:00:00.000Z', 'Australia/Sydney')).toBe('2026-06-03');
  });
});
