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
