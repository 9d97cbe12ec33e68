import { evolveScheduleDay, isScheduleDayEvent, Reservation, ScheduleDayEvent } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { SCHEDULE_DAYS } from '../collections';

/**
 * A schedule's reservations on one local date, for slot listing. Only listing reads it: whether a
 * booking fits is decided by the schedule-day stream itself, never by this copy.
 */
export interface ScheduleDayDocument {
  scheduleId: string;
  date: string;
  reservations: Reservation[];
}

/** `${scheduleId}:${date}`: ids sort by date within a schedule, so a date range is one index range. */
export const scheduleDayDocumentId = (scheduleId: string, date: string) => `${scheduleId}:${date}`;

export const scheduleDaysProjection: Projection = {
  name: 'schedule-days-v1',
  collections: [SCHEDULE_DAYS],
  indexes: [{ collection: SCHEDULE_DAYS, field: 'scheduleId' }],
  keys: (event) => (isScheduleDayEvent(event) ? [dayKey(event)] : []),
  apply(stored, documents) {
    if (!isScheduleDayEvent(stored)) return;
    const key = dayKey(stored);
    const { scheduleId, date } = stored.data;
    const current = documents.get<ScheduleDayDocument>(key) ?? { scheduleId, date, reservations: [] };
    const { reservations } = evolveScheduleDay(current, stored);
    documents.put(key, { scheduleId, date, reservations } satisfies ScheduleDayDocument);
  },
};

function dayKey(event: StoredEvent & ScheduleDayEvent) {
  const { scheduleId, date } = event.data;
  return { collection: SCHEDULE_DAYS, tenantId: event.metadata.tenantId, id: scheduleDayDocumentId(scheduleId, date) };
}
