import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';
import { ScheduleFields } from './scheduling.types';

/** Stream `schedule-{id}`: when a host is available, in which zone, for which session types. */
export type ScheduleCreated = {
  type: 'ScheduleCreated';
  data: ScheduleFields & { scheduleId: string };
};
/** Only the fields that changed; a changed field carries its whole new value (e.g. all seven weekdays). */
export type ScheduleUpdated = {
  type: 'ScheduleUpdated';
  data: { scheduleId: string; changes: Partial<ScheduleFields> };
};

export type ScheduleEvent = ScheduleCreated | ScheduleUpdated;

export type ScheduleEventType = ScheduleEvent['type'];

/** Current schema version of every schedule event type; a new type fails the build until it is listed. */
export const SCHEDULE_SCHEMA_VERSIONS = {
  ScheduleCreated: 1,
  ScheduleUpdated: 1,
} satisfies SchemaVersions<ScheduleEventType>;

export const SCHEDULE_EVENT_TYPES = eventTypeSet(SCHEDULE_SCHEMA_VERSIONS);
export const isScheduleEvent = eventGuard<ScheduleEvent>(SCHEDULE_EVENT_TYPES);
