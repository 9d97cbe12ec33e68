import { OfferingFields, scheduleDecider, scheduleStreamId } from '@punchcard/domain';
import { ApiError } from '../http/problem';
import { missingSessionTypes } from '../session-types';
import { StreamExecutor } from '../write-side/stream-executor';

/**
 * The refusal for a schedule or session type the fields name but the tenant does not have (422),
 * or null. Returned rather than thrown so the handler can let the offering's own refusals
 * (not found, deleted, archived, invalid) come first.
 */
export async function unknownReference(streams: StreamExecutor, tenantId: string, fields: Partial<OfferingFields>): Promise<ApiError | null> {
  // StreamExecutor.load shows another tenant's stream as missing.
  if (typeof fields.scheduleId === 'string' && !(await streams.load(scheduleStreamId(fields.scheduleId), tenantId, scheduleDecider)).state.exists) {
    return new ApiError(422, 'unknown_schedule', `Schedule ${fields.scheduleId} does not exist.`);
  }
  const missing = await missingSessionTypes(streams, tenantId, fields.sessionTypeIds ?? []);
  if (missing.length) {
    return new ApiError(422, 'unknown_session_type', `Session type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist.`);
  }
  return null;
}
