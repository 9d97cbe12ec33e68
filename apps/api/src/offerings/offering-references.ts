import { DomainEvent, OfferingFields } from '../../../../libs/domain/src';
import { ApiError } from '../http/problem';
import { StreamDecider, StreamExecutor } from '../write-side/stream-executor';

/** Any event at all means the stream exists; StreamExecutor.load shows another tenant's stream as empty. */
const existence: StreamDecider<boolean, DomainEvent> = { initialState: false, evolve: () => true };

export const scheduleStreamId = (scheduleId: string) => `schedule-${scheduleId}`;
export const sessionTypeStreamId = (sessionTypeId: string) => `session-type-${sessionTypeId}`;

/**
 * The refusal for a schedule or session type the fields name but the tenant does not have (422),
 * or null. Returned rather than thrown so the handler can let the offering's own refusals
 * (not found, deleted, archived, invalid) come first.
 */
export async function unknownReference(streams: StreamExecutor, tenantId: string, fields: Partial<OfferingFields>): Promise<ApiError | null> {
  const exists = async (streamId: string) => (await streams.load(streamId, tenantId, existence)).state;
  if (typeof fields.scheduleId === 'string' && !(await exists(scheduleStreamId(fields.scheduleId)))) {
    return new ApiError(422, 'unknown_schedule', `Schedule ${fields.scheduleId} does not exist.`);
  }
  const typeIds = fields.sessionTypeIds ?? [];
  const found = await Promise.all(typeIds.map((id) => exists(sessionTypeStreamId(id))));
  const missing = typeIds.filter((_, i) => !found[i]);
  if (missing.length) {
    return new ApiError(422, 'unknown_session_type', `Session type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist.`);
  }
  return null;
}
