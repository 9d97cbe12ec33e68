import { evolveSessionType, initialSessionTypeState, SessionTypeEvent, sessionTypeFieldsOf, SessionTypeState } from '@punchcard/domain';
import { StreamDecider } from '../write-side/stream-executor';

export const sessionTypeStreamId = (sessionTypeId: string) => `session-type-${sessionTypeId}`;

export const sessionTypeDecider: StreamDecider<SessionTypeState, SessionTypeEvent> = {
  initialState: initialSessionTypeState,
  evolve: evolveSessionType,
};

export function toSessionTypeView(state: Extract<SessionTypeState, { exists: true }>) {
  return { id: state.sessionTypeId, ...sessionTypeFieldsOf(state), status: state.status };
}
