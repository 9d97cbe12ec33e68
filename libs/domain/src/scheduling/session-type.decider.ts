import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { isValidCurrency, Money } from '../shared/money';
import { changedFields } from '../shared/changes';
import {
  BUFFER_MINUTES,
  CatalogStatus,
  MAX_CAPACITY,
  MAX_LEAD_DAYS,
  MAX_MIN_LEAD_HOURS,
  MAX_SESSIONS_PER_DAY,
  SESSION_DURATIONS,
  SessionTypeFields,
} from './scheduling.types';
import { SessionTypeEvent } from './session-type.events';

export type SessionTypeState =
  | { exists: false }
  | ({ exists: true; sessionTypeId: string; status: CatalogStatus } & SessionTypeFields);

export type SessionTypeCommand =
  | { type: 'CreateSessionType'; sessionTypeId: string; fields: SessionTypeFields; status: CatalogStatus }
  | { type: 'UpdateSessionType'; changes: Partial<SessionTypeFields> }
  | { type: 'ChangeSessionTypeStatus'; status: CatalogStatus };

export const initialSessionTypeState: SessionTypeState = { exists: false };

const ALLOWED_TRANSITIONS: Record<CatalogStatus, CatalogStatus[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

// A Record over every field, so a field added to SessionTypeFields fails to compile until it is listed here.
const FIELD_KEYS = Object.keys({
  name: true,
  description: true,
  coverImageUrl: true,
  durationMinutes: true,
  capacity: true,
  price: true,
  nonMemberPrice: true,
  location: true,
  bufferMinutes: true,
  minLeadHours: true,
  maxLeadDays: true,
  maxSessionsPerDay: true,
} satisfies Record<keyof SessionTypeFields, true>) as (keyof SessionTypeFields)[];

export function decideSessionType(command: SessionTypeCommand, state: SessionTypeState): SessionTypeEvent[] {
  if (command.type === 'CreateSessionType') {
    if (state.exists) throw new DomainError('session_type_already_exists', 'This session type already exists.');
    const fields = sessionTypeFieldsOf(command.fields);
    assertValidSessionType(fields);
    return [{ type: 'SessionTypeCreated', data: { sessionTypeId: command.sessionTypeId, ...fields, status: command.status } }];
  }
  if (!state.exists) throw new DomainError('session_type_not_found', 'Session type not found.');
  if (state.status === 'archived') throw new DomainError('session_type_archived', 'An archived session type cannot be changed.');

  switch (command.type) {
    case 'UpdateSessionType': {
      const current = sessionTypeFieldsOf(state);
      const changes = changedFields(FIELD_KEYS, current, command.changes);
      if (Object.keys(changes).length === 0) return [];
      assertValidSessionType({ ...current, ...changes });
      return [{ type: 'SessionTypeUpdated', data: { sessionTypeId: state.sessionTypeId, changes } }];
    }
    case 'ChangeSessionTypeStatus': {
      if (command.status === state.status) return [];
      if (!ALLOWED_TRANSITIONS[state.status].includes(command.status)) {
        throw new DomainError('invalid_status_transition', `A session type cannot go from ${state.status} to ${command.status}.`);
      }
      return [{ type: 'SessionTypeStatusChanged', data: { sessionTypeId: state.sessionTypeId, from: state.status, to: command.status } }];
    }
  }
}

export function evolveSessionType(state: SessionTypeState, event: SessionTypeEvent): SessionTypeState {
  switch (event.type) {
    case 'SessionTypeCreated': {
      const { sessionTypeId, status, ...fields } = event.data;
      return { exists: true, sessionTypeId, status, ...fields };
    }
    case 'SessionTypeUpdated':
      return state.exists ? { ...state, ...event.data.changes } : state;
    case 'SessionTypeStatusChanged':
      return state.exists ? { ...state, status: event.data.to } : state;
  }
}

/** Just the SessionTypeFields of a state, document or command (no id, status or anything else). */
export function sessionTypeFieldsOf(source: SessionTypeFields): SessionTypeFields {
  return Object.fromEntries(FIELD_KEYS.map((key) => [key, source[key]])) as unknown as SessionTypeFields;
}

/** An absolute http(s) URL with a host and no whitespace (what an <img src> can load). */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function isValidMoney(money: Money | null | undefined): money is Money {
  return (
    money !== null &&
    typeof money === 'object' &&
    Number.isSafeInteger(money.amount) &&
    money.amount >= 0 &&
    typeof money.currency === 'string' &&
    isValidCurrency(money.currency)
  );
}

const isIntegerIn = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

function assertValidSessionType(fields: SessionTypeFields): void {
  const fail = (message: string): never => {
    throw new DomainError('invalid_session_type', message);
  };
  if (typeof fields.name !== 'string' || !/\S/.test(fields.name)) fail('name must not be empty.');
  if (fields.description !== null && typeof fields.description !== 'string') fail('description must be text or null.');
  if (fields.location !== null && typeof fields.location !== 'string') fail('location must be text or null.');
  if (!(SESSION_DURATIONS as readonly unknown[]).includes(fields.durationMinutes)) {
    fail(`durationMinutes must be one of ${SESSION_DURATIONS.join(', ')}.`);
  }
  if (!isIntegerIn(fields.capacity, 1, MAX_CAPACITY)) fail(`capacity must be a whole number from 1 to ${MAX_CAPACITY}.`);
  if (!isValidMoney(fields.price)) fail('price must be a whole number of minor units (0 or more) in an ISO 4217 currency such as USD.');
  if (fields.nonMemberPrice !== null) {
    if (!isValidMoney(fields.nonMemberPrice)) {
      fail('nonMemberPrice must be null or a whole number of minor units (0 or more) in an ISO 4217 currency.');
    }
    // One session type is sold in one currency; a second one would make its prices incomparable.
    if (fields.nonMemberPrice!.currency !== fields.price.currency) fail('nonMemberPrice must be in the same currency as price.');
  }
  if (!(BUFFER_MINUTES as readonly unknown[]).includes(fields.bufferMinutes)) fail(`bufferMinutes must be one of ${BUFFER_MINUTES.join(', ')}.`);
  if (!isIntegerIn(fields.minLeadHours, 0, MAX_MIN_LEAD_HOURS)) fail(`minLeadHours must be a whole number from 0 to ${MAX_MIN_LEAD_HOURS}.`);
  if (fields.maxLeadDays !== null && !isIntegerIn(fields.maxLeadDays, 1, MAX_LEAD_DAYS)) {
    fail(`maxLeadDays must be null or a whole number from 1 to ${MAX_LEAD_DAYS}.`);
  }
  if (fields.maxSessionsPerDay !== null && !isIntegerIn(fields.maxSessionsPerDay, 1, MAX_SESSIONS_PER_DAY)) {
    fail(`maxSessionsPerDay must be null or a whole number from 1 to ${MAX_SESSIONS_PER_DAY}.`);
  }
  if (fields.coverImageUrl !== null && !isHttpUrl(fields.coverImageUrl)) fail('coverImageUrl must be null or an http(s) URL.');
}

export const sessionTypeStreamId = (sessionTypeId: string) => `session-type-${sessionTypeId}`;

/** The `session-type-{id}` stream's decider. */
export const sessionTypeDecider: Decider<SessionTypeCommand, SessionTypeState, SessionTypeEvent> = {
  initialState: initialSessionTypeState,
  evolve: evolveSessionType,
  decide: decideSessionType,
};
