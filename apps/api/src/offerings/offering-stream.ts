import { evolveOffering, offeringFieldsOf, initialOfferingState, OfferingEvent, OfferingState } from '@punchcard/domain';
import { StreamDecider } from '../write-side/stream-executor';

export const offeringStreamId = (offeringId: string) => `offering-${offeringId}`;

export const offeringDecider: StreamDecider<OfferingState, OfferingEvent> = {
  initialState: initialOfferingState,
  evolve: evolveOffering,
};

export function toOfferingView(state: Extract<OfferingState, { exists: true }>) {
  return { id: state.offeringId, ...offeringFieldsOf(state), status: state.status, deleted: state.deleted };
}
