import { sessionTypeDecider, sessionTypeStreamId } from '@punchcard/domain';
import { ApiError } from '../http/problem';
import { StreamExecutor } from '../write-side/stream-executor';

/**
 * Every id must name a session type of this tenant (another tenant's reads as missing). Checked
 * against the streams, not a read model, so one created a moment ago counts. Session types are never
 * deleted, so the answer cannot go stale before the schedule is appended.
 */
export async function assertSessionTypesExist(streams: StreamExecutor, tenantId: string, sessionTypeIds: string[]): Promise<void> {
  const unknown = await missingSessionTypes(streams, tenantId, sessionTypeIds);
  if (unknown.length) {
    throw new ApiError(422, 'unknown_session_type', `No session type ${unknown.join(', ')} in this business.`, {
      errors: [{ field: 'sessionTypeIds', messages: unknown.map((id) => `${id} is not a session type of this business`) }],
    });
  }
}

/** The ids among `sessionTypeIds` that name no session type of this tenant. */
export async function missingSessionTypes(streams: StreamExecutor, tenantId: string, sessionTypeIds: string[]): Promise<string[]> {
  const loaded = await Promise.all(sessionTypeIds.map((id) => streams.load(sessionTypeStreamId(id), tenantId, sessionTypeDecider)));
  return sessionTypeIds.filter((_, i) => !loaded[i].state.exists);
}
