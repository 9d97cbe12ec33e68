import { evolveSchedule, initialScheduleState, ScheduleEvent, ScheduleFields, scheduleFieldsOf, ScheduleState } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { SCHEDULE_EVENT_TYPES, SCHEDULES } from '../collections';

/** One document per schedule: what the command answered, plus when it was created and last changed. */
export type ScheduleDocument = ScheduleFields & {
  id: string;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
};

export const schedulesProjection: Projection = {
  name: 'schedules-v1',
  collections: [SCHEDULES],
  indexes: [{ collection: SCHEDULES, field: 'active' }],
  keys: (event) => (SCHEDULE_EVENT_TYPES.has(event.type) ? [scheduleKey(event)] : []),
  apply(stored, documents) {
    const key = scheduleKey(stored);
    const current = documents.get<ScheduleDocument>(key);
    const before: ScheduleState = current ? { exists: true, scheduleId: current.id, ...scheduleFieldsOf(current) } : initialScheduleState;
    const state = evolveSchedule(before, stored as unknown as ScheduleEvent);
    if (!state.exists) return;
    documents.put(key, {
      id: state.scheduleId,
      tenantId: stored.metadata.tenantId,
      ...scheduleFieldsOf(state),
      createdAt: current?.createdAt ?? stored.metadata.occurredAt,
      updatedAt: stored.metadata.occurredAt,
    } satisfies ScheduleDocument);
  },
};

function scheduleKey(event: StoredEvent) {
  return { collection: SCHEDULES, tenantId: event.metadata.tenantId, id: (event.data as { scheduleId: string }).scheduleId };
}
