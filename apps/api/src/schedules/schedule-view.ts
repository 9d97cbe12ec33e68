import { scheduleFieldsOf, ScheduleState } from '@punchcard/domain';

export function toScheduleView(state: Extract<ScheduleState, { exists: true }>) {
  return { id: state.scheduleId, ...scheduleFieldsOf(state) };
}
