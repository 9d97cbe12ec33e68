import { CatalogStatus, evolveSessionType, initialSessionTypeState, isSessionTypeEvent, SessionTypeEvent, SessionTypeFields, sessionTypeFieldsOf, SessionTypeState } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { SESSION_TYPES } from '../collections';

/** One document per session type: what the command answered, plus when it was created and last changed. */
export type SessionTypeDocument = SessionTypeFields & {
  id: string;
  tenantId: string;
  status: CatalogStatus;
  createdAt: string;
  updatedAt: string;
};

export const sessionTypesProjection: Projection = {
  name: 'session-types-v1',
  collections: [SESSION_TYPES],
  indexes: [{ collection: SESSION_TYPES, field: 'status' }],
  keys: (event) => (isSessionTypeEvent(event) ? [sessionTypeKey(event)] : []),
  apply(stored, documents) {
    if (!isSessionTypeEvent(stored)) return;
    const key = sessionTypeKey(stored);
    const current = documents.get<SessionTypeDocument>(key);
    const before: SessionTypeState = current
      ? { exists: true, sessionTypeId: current.id, status: current.status, ...sessionTypeFieldsOf(current) }
      : initialSessionTypeState;
    const state = evolveSessionType(before, stored);
    if (!state.exists) return;
    documents.put(key, {
      id: state.sessionTypeId,
      tenantId: stored.metadata.tenantId,
      ...sessionTypeFieldsOf(state),
      status: state.status,
      createdAt: current?.createdAt ?? stored.metadata.occurredAt,
      updatedAt: stored.metadata.occurredAt,
    } satisfies SessionTypeDocument);
  },
};

function sessionTypeKey(event: StoredEvent & SessionTypeEvent) {
  return { collection: SESSION_TYPES, tenantId: event.metadata.tenantId, id: event.data.sessionTypeId };
}
