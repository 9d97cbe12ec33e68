import { Decider } from '../shared/decider';
import { isValidIsoDate, isValidTimezone } from '../offering/validity';
import { DomainError } from '../shared/domain-error';
import { changedFields } from '../shared/changes';
import { ScheduleEvent } from './schedule.events';
import { ScheduleFields, WEEKDAYS } from './scheduling.types';
import { timeRangesProblem } from './time-range';

export type ScheduleState = { exists: false } | ({ exists: true; scheduleId: string } & ScheduleFields);

export type ScheduleCommand =
  | { type: 'CreateSchedule'; scheduleId: string; fields: ScheduleFields }
  | { type: 'UpdateSchedule'; changes: Partial<ScheduleFields> };

export const initialScheduleState: ScheduleState = { exists: false };

/** Limits that keep one schedule's stream events and slot computations small. */
export const MAX_RANGES_PER_DAY = 12;
export const MAX_DATE_OVERRIDES = 500;
export const MAX_SCHEDULE_SESSION_TYPES = 100;

// A Record over every field, so a field added to ScheduleFields fails to compile until it is listed here.
const FIELD_KEYS = Object.keys({
  host: true,
  timezone: true,
  weeklyHours: true,
  overrides: true,
  sessionTypeIds: true,
  active: true,
} satisfies Record<keyof ScheduleFields, true>) as (keyof ScheduleFields)[];

export function decideSchedule(command: ScheduleCommand, state: ScheduleState): ScheduleEvent[] {
  switch (command.type) {
    case 'CreateSchedule': {
      if (state.exists) throw new DomainError('schedule_already_exists', 'This schedule already exists.');
      const fields = scheduleFieldsOf(command.fields);
      assertValidSchedule(fields);
      return [{ type: 'ScheduleCreated', data: { scheduleId: command.scheduleId, ...fields } }];
    }
    case 'UpdateSchedule': {
      if (!state.exists) throw new DomainError('schedule_not_found', 'Schedule not found.');
      const current = scheduleFieldsOf(state);
      const changes = changedFields(FIELD_KEYS, current, command.changes);
      if (Object.keys(changes).length === 0) return [];
      assertValidSchedule({ ...current, ...changes });
      // Bookings are filed in streams by the schedule's local date; another zone would file the same
      // instant under another day, where its seats would not be counted (create a new schedule instead).
      if (changes.timezone !== undefined) throw new DomainError('schedule_timezone_fixed', 'A schedule’s time zone cannot change once created; create a new schedule for another zone.');
      return [{ type: 'ScheduleUpdated', data: { scheduleId: state.scheduleId, changes } }];
    }
  }
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  switch (event.type) {
    case 'ScheduleCreated': {
      const { scheduleId, ...fields } = event.data;
      return { exists: true, scheduleId, ...fields };
    }
    case 'ScheduleUpdated':
      return state.exists ? { ...state, ...event.data.changes } : state;
  }
}

/** Just the ScheduleFields of a state, document or command (no id or anything else). */
export function scheduleFieldsOf(source: ScheduleFields): ScheduleFields {
  return Object.fromEntries(FIELD_KEYS.map((key) => [key, source[key]])) as unknown as ScheduleFields;
}

function assertValidSchedule(fields: ScheduleFields): void {
  const fail = (message: string): never => {
    throw new DomainError('invalid_schedule', message);
  };
  if (typeof fields.host !== 'string' || !/\S/.test(fields.host)) fail('host must not be empty.');
  if (typeof fields.timezone !== 'string' || !isValidTimezone(fields.timezone)) fail('timezone must be an IANA time zone such as Europe/Berlin.');
  if (typeof fields.active !== 'boolean') fail('active must be true or false.');

  const weekly = fields.weeklyHours;
  if (weekly === null || typeof weekly !== 'object' || Array.isArray(weekly) || Object.keys(weekly).sort().join() !== [...WEEKDAYS].sort().join()) {
    fail(`weeklyHours must have exactly the days ${WEEKDAYS.join(', ')}.`);
  }
  for (const day of WEEKDAYS) {
    const problem = timeRangesProblem(weekly[day], MAX_RANGES_PER_DAY);
    if (problem) fail(`weeklyHours.${day} ${problem}.`);
  }

  if (!Array.isArray(fields.overrides)) fail('overrides must be a list.');
  if (fields.overrides.length > MAX_DATE_OVERRIDES) fail(`overrides must hold at most ${MAX_DATE_OVERRIDES} dates.`);
  const dates = new Set<string>();
  for (const override of fields.overrides) {
    if (override === null || typeof override !== 'object' || Object.keys(override).sort().join() !== 'date,hours') {
      fail('overrides must hold only {date, hours} entries.');
    }
    const date: unknown = override.date;
    if (typeof date !== 'string' || !isValidIsoDate(date)) fail(`overrides must have calendar dates (YYYY-MM-DD): ${JSON.stringify(date)}.`);
    // Two overrides of one date would leave that day's hours ambiguous.
    if (dates.has(date as string)) fail(`overrides has the date ${date} twice.`);
    dates.add(date as string);
    const problem = timeRangesProblem(override.hours, MAX_RANGES_PER_DAY);
    if (problem) fail(`overrides ${date} ${problem}.`);
  }

  if (!Array.isArray(fields.sessionTypeIds)) fail('sessionTypeIds must be a list.');
  if (fields.sessionTypeIds.length > MAX_SCHEDULE_SESSION_TYPES) fail(`sessionTypeIds must hold at most ${MAX_SCHEDULE_SESSION_TYPES} ids.`);
  if (fields.sessionTypeIds.some((id) => typeof id !== 'string' || id.length === 0)) fail('sessionTypeIds must hold session type ids.');
  if (new Set(fields.sessionTypeIds).size !== fields.sessionTypeIds.length) fail('sessionTypeIds must not repeat an id.');
}

export const scheduleStreamId = (scheduleId: string) => `schedule-${scheduleId}`;

/** The `schedule-{id}` stream's decider (the schedule's configuration; its bookings live in day streams). */
export const scheduleDecider: Decider<ScheduleCommand, ScheduleState, ScheduleEvent> = {
  initialState: initialScheduleState,
  evolve: evolveSchedule,
  decide: decideSchedule,
};
