import { evolveSchedule, initialScheduleState, ScheduleEvent, scheduleFieldsOf, ScheduleState } from '@punchcard/domain';
import { StreamDecider } from '../write-side/stream-executor';

export const scheduleStreamId = (scheduleId: string) => `schedule-${scheduleId}`;

export const scheduleDecider: StreamDecider<ScheduleState, ScheduleEvent> = {
  initialState: initialScheduleState,
  evolve: evolveSchedule,
};

export function toScheduleView(state: Extract<ScheduleState, { exists: true }>) {
  return { id: state.scheduleId, ...scheduleFieldsOf(state) };
}
