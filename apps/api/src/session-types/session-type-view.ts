import { sessionTypeFieldsOf, SessionTypeState } from '@punchcard/domain';

export function toSessionTypeView(state: Extract<SessionTypeState, { exists: true }>) {
  return { id: state.sessionTypeId, ...sessionTypeFieldsOf(state), status: state.status };
}
