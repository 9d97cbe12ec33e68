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
