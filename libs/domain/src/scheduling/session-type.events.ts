import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';
import { CatalogStatus, SessionTypeFields } from './scheduling.types';

/** Stream `session-type-{id}`: one bookable kind of session and its booking rules. */
export type SessionTypeCreated = {
  type: 'SessionTypeCreated';
  data: SessionTypeFields & { sessionTypeId: string; status: CatalogStatus };
};
/** Only the fields that changed. */
export type SessionTypeUpdated = {
  type: 'SessionTypeUpdated';
  data: { sessionTypeId: string; changes: Partial<SessionTypeFields> };
};
export type SessionTypeStatusChanged = {
  type: 'SessionTypeStatusChanged';
  data: { sessionTypeId: string; from: CatalogStatus; to: CatalogStatus };
};

export type SessionTypeEvent = SessionTypeCreated | SessionTypeUpdated | SessionTypeStatusChanged;

export type SessionTypeEventType = SessionTypeEvent['type'];

/** Current schema version of every session type event type; a new type fails the build until it is listed. */
export const SESSION_TYPE_SCHEMA_VERSIONS = {
  SessionTypeCreated: 1,
  SessionTypeUpdated: 1,
  SessionTypeStatusChanged: 1,
} satisfies SchemaVersions<SessionTypeEventType>;

export const SESSION_TYPE_EVENT_TYPES = eventTypeSet(SESSION_TYPE_SCHEMA_VERSIONS);
export const isSessionTypeEvent = eventGuard<SessionTypeEvent>(SESSION_TYPE_EVENT_TYPES);
