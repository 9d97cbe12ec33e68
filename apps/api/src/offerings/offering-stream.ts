import { evolveOffering, initialOfferingState, OfferingEvent, OfferingState } from '../../../../libs/domain/src';
import { StreamDecider } from '../write-side/stream-executor';

export const offeringStreamId = (offeringId: string) => `offering-${offeringId}`;

export const offeringDecider: StreamDecider<OfferingState, OfferingEvent> = {
  initialState: initialOfferingState,
  evolve: evolveOffering,
};

export function toOfferingView(state: Extract<OfferingState, { exists: true }>) {
  const { offeringId, name, description, sessionCount, price, validity, status, deleted } = state;
  const { scheduleId, sessionTypeIds, maxSessionsPerWeek, visibility, reminders, feedbackRequest, cancellationPolicy } = state;
  return {
    id: offeringId,
    name,
    description,
    sessionCount,
    price,
    validity,
    scheduleId,
    sessionTypeIds,
    maxSessionsPerWeek,
    visibility,
    reminders,
    feedbackRequest,
    cancellationPolicy,
    status,
    deleted,
  };
}
