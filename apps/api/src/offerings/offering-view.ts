import { offeringFieldsOf, OfferingState } from '@punchcard/domain';

export function toOfferingView(state: Extract<OfferingState, { exists: true }>) {
  return { id: state.offeringId, ...offeringFieldsOf(state), status: state.status, deleted: state.deleted };
}
