import { evolveSchedule, initialScheduleState, isScheduleEvent, ScheduleEvent, ScheduleFields, scheduleFieldsOf, ScheduleState } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { SCHEDULES } from '../collections';

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
  keys: (event) => (isScheduleEvent(event) ? [scheduleKey(event)] : []),
  apply(stored, documents) {
    if (!isScheduleEvent(stored)) return;
    const key = scheduleKey(stored);
    const current = documents.get<ScheduleDocument>(key);
    const before: ScheduleState = current ? { exists: true, scheduleId: current.id, ...scheduleFieldsOf(current) } : initialScheduleState;
    const state = evolveSchedule(before, stored);
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

function scheduleKey(event: StoredEvent & ScheduleEvent) {
  return { collection: SCHEDULES, tenantId: event.metadata.tenantId, id: event.data.scheduleId };
}
