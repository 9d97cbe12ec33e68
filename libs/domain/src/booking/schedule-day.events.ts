import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';
import { ScheduleDayEvent } from './schedule-day';

// The schedule-day events themselves (SlotReserved, SlotReleased) are declared beside their decider in schedule-day.ts.

export type ScheduleDayEventType = ScheduleDayEvent['type'];

/** Current schema version of every schedule-day event type; a new type fails the build until it is listed. */
export const SCHEDULE_DAY_SCHEMA_VERSIONS = {
  SlotReserved: 1,
  SlotReleased: 1,
} satisfies SchemaVersions<ScheduleDayEventType>;

export const SCHEDULE_DAY_EVENT_TYPES = eventTypeSet(SCHEDULE_DAY_SCHEMA_VERSIONS);
export const isScheduleDayEvent = eventGuard<ScheduleDayEvent>(SCHEDULE_DAY_EVENT_TYPES);
