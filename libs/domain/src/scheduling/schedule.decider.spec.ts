import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codesRaisedIn, exercisedCodes, givenWhenThen } from '../testing/given-when-then';
import { decideSchedule, evolveSchedule, initialScheduleState, ScheduleCommand } from './schedule.decider';
import { ScheduleEvent } from './schedule.events';
import { DateOverride, ScheduleFields, TimeRange, WeeklyHours } from './scheduling.types';

const given = givenWhenThen({
  initialState: initialScheduleState,
  decide: (command: ScheduleCommand, state) => decideSchedule(command, state),
  evolve: evolveSchedule,
});
const noCtx = undefined;

const r = (start: string, end: string): TimeRange => ({ start, end });
const nineToFive = [r('09:00', '12:00'), r('13:00', '17:00')];
const week = (days: Partial<WeeklyHours> = {}): WeeklyHours => ({
  monday: nineToFive,
  tuesday: nineToFive,
  wednesday: nineToFive,
  thursday: nineToFive,
  friday: [r('09:00', '13:00')],
  saturday: [],
  sunday: [],
  ...days,
});
const fields: ScheduleFields = {
  host: 'Coach Ada',
  timezone: 'Europe/Berlin',
  weeklyHours: week(),
  overrides: [
    { date: '2026-12-24', hours: [] },
    { date: '2026-12-27', hours: [r('10:00', '14:00')] },
  ],
  sessionTypeIds: ['st-1', 'st-2'],
  active: true,
};
const created = (overrides: Partial<ScheduleFields> = {}): ScheduleEvent => ({
  type: 'ScheduleCreated',
  data: { scheduleId: 'sch-1', ...fields, ...overrides },
});
const create = (overrides: Partial<ScheduleFields> = {}): ScheduleCommand => ({ type: 'CreateSchedule', scheduleId: 'sch-1', fields: { ...fields, ...overrides } });
const update = (changes: Partial<ScheduleFields>): ScheduleCommand => ({ type: 'UpdateSchedule', changes });
const updated = (changes: Partial<ScheduleFields>): ScheduleEvent => ({ type: 'ScheduleUpdated', data: { scheduleId: 'sch-1', changes } });
const overridesOn = (count: number, hours: TimeRange[] = []): DateOverride[] =>
  Array.from({ length: count }, (_, i) => ({ date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), hours }));

describe('CreateSchedule', () => {
  it('creates a schedule', () => {
    const state = given([]).when(create(), noCtx).then([created()]);
    expect(state).toEqual({ exists: true, scheduleId: 'sch-1', ...fields });
  });

  it.each<[string, Partial<ScheduleFields>]>([
    ['no hours at all, inactive, no session types', { weeklyHours: week({ monday: [], tuesday: [], wednesday: [], thursday: [], friday: [] }), overrides: [], sessionTypeIds: [], active: false }],
    ['the whole day', { weeklyHours: week({ sunday: [r('00:00', '24:00')] }) }],
    ['touching ranges', { weeklyHours: week({ monday: [r('09:00', '10:00'), r('10:00', '11:00')] }) }],
    ['ranges out of order', { weeklyHours: week({ monday: [r('14:00', '15:00'), r('08:00', '09:30')] }) }],
    ['the last minute of the day', { weeklyHours: week({ monday: [r('23:59', '24:00')] }) }],
    ['12 ranges a day', { weeklyHours: week({ monday: Array.from({ length: 12 }, (_, i) => r(`${String(i + 8).padStart(2, '0')}:00`, `${String(i + 8).padStart(2, '0')}:30`)) }) }],
    ['500 overrides', { overrides: overridesOn(500, [r('10:00', '11:00')]) }],
    ['100 session types', { sessionTypeIds: Array.from({ length: 100 }, (_, i) => `st-${i}`) }],
    ['UTC', { timezone: 'UTC' }],
    ['a zone with three parts', { timezone: 'America/Argentina/Buenos_Aires' }],
    ['a leap-day override', { overrides: [{ date: '2028-02-29', hours: [] }] }],
  ])('accepts %s', (_, overrides) => {
    given([]).when(create(overrides), noCtx).then([created(overrides)]);
  });

  it('refuses to create a schedule twice: schedule_already_exists', () => {
    given([created()]).when(create(), noCtx).thenFails('schedule_already_exists');
  });

  const { sunday: _, ...sixDays } = week();
  it.each<[string, Partial<ScheduleFields>]>([
    ['an empty host', { host: '' }],
    ['a blank host', { host: '   ' }],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }],
    ['the "local" zone', { timezone: 'local' }],
    ['an offset instead of a zone', { timezone: 'UTC+2' }],
    ['active not a boolean', { active: 'yes' as unknown as boolean }],
    ['a missing weekday', { weeklyHours: sixDays as WeeklyHours }],
    ['an extra day', { weeklyHours: { ...week(), holiday: [] } as WeeklyHours }],
    ['weekly hours as a list', { weeklyHours: [] as unknown as WeeklyHours }],
    ['a day that is not a list', { weeklyHours: week({ monday: r('09:00', '10:00') as unknown as TimeRange[] }) }],
    ['a start of 25:00', { weeklyHours: week({ monday: [r('25:00', '26:00')] }) }],
    ['an end of 25:00', { weeklyHours: week({ monday: [r('09:00', '25:00')] }) }],
    ['a start of 24:00', { weeklyHours: week({ monday: [r('24:00', '24:00')] }) }],
    ['minute 60', { weeklyHours: week({ monday: [r('09:60', '10:00')] }) }],
    ['a single-digit hour', { weeklyHours: week({ monday: [r('9:00', '10:00')] }) }],
    ['seconds', { weeklyHours: week({ monday: [r('09:00:00', '10:00:00')] }) }],
    ['an end before the start', { weeklyHours: week({ monday: [r('09:00', '08:00')] }) }],
    ['an empty range', { weeklyHours: week({ monday: [r('09:00', '09:00')] }) }],
    ['a range ending at 00:00', { weeklyHours: week({ monday: [r('22:00', '00:00')] }) }],
    ['overlapping ranges', { weeklyHours: week({ monday: [r('09:00', '12:00'), r('11:00', '13:00')] }) }],
    ['overlapping ranges given out of order', { weeklyHours: week({ tuesday: [r('11:00', '13:00'), r('09:00', '12:00')] }) }],
    ['a range inside another', { weeklyHours: week({ monday: [r('09:00', '17:00'), r('10:00', '11:00')] }) }],
    ['the same range twice', { weeklyHours: week({ monday: [r('09:00', '10:00'), r('09:00', '10:00')] }) }],
    ['13 ranges a day', { weeklyHours: week({ monday: Array.from({ length: 13 }, (_, i) => r(`${String(i + 8).padStart(2, '0')}:00`, `${String(i + 8).padStart(2, '0')}:30`)) }) }],
    ['a range with an extra field', { weeklyHours: week({ monday: [{ ...r('09:00', '10:00'), capacity: 3 } as TimeRange] }) }],
    ['a range that is not an object', { weeklyHours: week({ monday: ['09:00-10:00' as unknown as TimeRange] }) }],
    ['an override date that does not exist', { overrides: [{ date: '2026-02-30', hours: [] }] }],
    ['an override date in another format', { overrides: [{ date: '24.12.2026', hours: [] }] }],
    ['an override date with a time', { overrides: [{ date: '2026-12-24T00:00:00Z', hours: [] }] }],
    ['the same override date twice', { overrides: [{ date: '2026-12-24', hours: [] }, { date: '2026-12-24', hours: [r('10:00', '11:00')] }] }],
    ['501 overrides', { overrides: overridesOn(501) }],
    ['an override with overlapping hours', { overrides: [{ date: '2026-12-24', hours: [r('10:00', '12:00'), r('11:59', '13:00')] }] }],
    ['an override ending before it starts', { overrides: [{ date: '2026-12-24', hours: [r('18:00', '08:00')] }] }],
    ['an override with a bad time', { overrides: [{ date: '2026-12-24', hours: [r('10:00', '24:01')] }] }],
    ['an override without hours', { overrides: [{ date: '2026-12-24' } as DateOverride] }],
    ['an override with an extra field', { overrides: [{ date: '2026-12-24', hours: [], note: 'x' } as DateOverride] }],
    ['a session type twice', { sessionTypeIds: ['st-1', 'st-1'] }],
    ['an empty session type id', { sessionTypeIds: [''] }],
    ['101 session types', { sessionTypeIds: Array.from({ length: 101 }, (_, i) => `st-${i}`) }],
  ])('refuses %s: invalid_schedule', (_, overrides) => {
    given([]).when(create(overrides), noCtx).thenFails('invalid_schedule');
  });
});

describe('UpdateSchedule', () => {
  it('records only the fields that actually change, each with its whole new value', () => {
    const weeklyHours = week({ saturday: [r('10:00', '12:00')] });
    const state = given([created()])
      .when(update({ host: fields.host, weeklyHours, sessionTypeIds: ['st-1', 'st-2'], active: false }), noCtx)
      .then([updated({ weeklyHours, active: false })]);
    expect(state).toMatchObject({ host: fields.host, weeklyHours, active: false });
  });

  it('records nothing when nothing changes (key order of nested values does not matter)', () => {
    const reordered = Object.fromEntries(Object.entries(week()).reverse().map(([day, ranges]) => [day, ranges.map(({ start, end }) => ({ end, start }))]));
    given([created()]).when(update({ weeklyHours: reordered as WeeklyHours, timezone: 'Europe/Berlin' }), noCtx).then([]);
    given([created()]).when(update({}), noCtx).then([]);
  });

  it('treats a reordered list as a change (order is kept as given)', () => {
    given([created()]).when(update({ sessionTypeIds: ['st-2', 'st-1'] }), noCtx).then([updated({ sessionTypeIds: ['st-2', 'st-1'] })]);
  });

  it('folds a series of updates', () => {
    given([created(), updated({ active: false }), updated({ host: 'Coach Grace' })])
      .when(update({ active: false, host: 'Coach Grace', overrides: [] }), noCtx)
      .then([updated({ overrides: [] })]);
  });

  it('validates the schedule as it would be after the change: invalid_schedule', () => {
    given([created()]).when(update({ timezone: 'Europe/Atlantis' }), noCtx).thenFails('invalid_schedule');
  });

  it('keeps its time zone: bookings are filed by local date, so a zone change is refused', () => {
    given([created()]).when(update({ timezone: 'America/New_York' }), noCtx).thenFails('schedule_timezone_fixed');
    given([created()]).when(update({ weeklyHours: week({ monday: [r('09:00', '08:00')] }) }), noCtx).thenFails('invalid_schedule');
    given([created()]).when(update({ host: '' }), noCtx).thenFails('invalid_schedule');
  });

  it('cannot update a missing schedule: schedule_not_found', () => {
    given([]).when(update({ host: 'x' }), noCtx).thenFails('schedule_not_found');
    given([]).when(update({}), noCtx).thenFails('schedule_not_found');
  });
});

describe('evolveSchedule', () => {
  it('ignores an update of a schedule it never saw created', () => {
    expect(evolveSchedule(initialScheduleState, updated({ active: false }))).toEqual(initialScheduleState);
  });
});

it('exercises every error code decideSchedule can raise', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'schedule.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
