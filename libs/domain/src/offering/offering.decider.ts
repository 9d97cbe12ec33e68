import { Decider } from '../shared/decider';
import { deepEqual } from '../shared/changes';
import { DomainError } from '../shared/domain-error';
import { isValidCurrency } from '../shared/money';
import { CreditOutcome, OfferingEvent, OfferingFields, OfferingStatus, ReminderUnit } from './offering.events';
import { isValidIsoDate } from './validity';

export type OfferingState =
  | { exists: false }
  | ({ exists: true; offeringId: string; status: OfferingStatus; deleted: boolean } & OfferingFields);

export type OfferingCommand =
  | { type: 'CreateOffering'; offeringId: string; fields: OfferingFields; status: OfferingStatus }
  | { type: 'UpdateOffering'; changes: Partial<OfferingFields> }
  | { type: 'ChangeOfferingStatus'; status: OfferingStatus }
  | { type: 'DeleteOffering'; reason: string | null };

export const initialOfferingState: OfferingState = { exists: false };

const ALLOWED_TRANSITIONS: Record<OfferingStatus, OfferingStatus[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export const MAX_SESSION_COUNT = 1000;
export const MAX_VALIDITY_DAYS = 3650;
export const MAX_SESSION_TYPES_PER_OFFERING = 100;
export const MAX_SESSIONS_PER_WEEK = 50;
/** Limits of a group list, shared by offering visibility and the client directory's groups. */
export const MAX_GROUPS = 50;
export const MAX_GROUP_NAME_LENGTH = 100;
export const MAX_REMINDERS = 3;
export const MAX_REMINDER_AMOUNT = 1000;
export const REMINDER_UNITS: readonly ReminderUnit[] = ['minutes', 'hours', 'days', 'weeks'];
/** 30 days: a longer notice window would make every cancellation "late". */
export const MAX_NOTICE_HOURS = 720;
export const CREDIT_OUTCOMES: readonly CreditOutcome[] = ['return', 'forfeit'];
export const MAX_DELETION_REASON_LENGTH = 500;

/** Every field of an offering, in a fixed order: updates may only touch these. */
const FIELD_KEYS: readonly (keyof OfferingFields)[] = [
  'name',
  'description',
  'sessionCount',
  'price',
  'validity',
  'scheduleId',
  'sessionTypeIds',
  'maxSessionsPerWeek',
  'visibility',
  'reminders',
  'feedbackRequest',
  'cancellationPolicy',
];

export function decideOffering(command: OfferingCommand, state: OfferingState): OfferingEvent[] {
  if (command.type === 'CreateOffering') {
    if (state.exists) throw new DomainError('offering_already_exists', 'This offering already exists.');
    assertValidFields(command.fields);
    return [{ type: 'OfferingCreated', data: { offeringId: command.offeringId, ...offeringFieldsOf(command.fields), status: command.status } }];
  }
  if (!state.exists) throw new DomainError('offering_not_found', 'Offering not found.');
  if (state.deleted) {
    // Deleting again is a retry, not a conflict.
    if (command.type === 'DeleteOffering') return [];
    throw new DomainError('offering_deleted', 'This offering was deleted; it can no longer be changed.');
  }
  // Deletion is allowed from any status: an archived offering may still be cleaned out of the catalog.
  if (command.type === 'DeleteOffering') {
    const reason = command.reason;
    if (reason !== null && (typeof reason !== 'string' || !/\S/.test(reason) || reason.length > MAX_DELETION_REASON_LENGTH)) {
      throw new DomainError('invalid_offering', `reason must be null or 1 to ${MAX_DELETION_REASON_LENGTH} characters, not blank.`);
    }
    return [{ type: 'OfferingDeleted', data: { offeringId: state.offeringId, reason } }];
  }
  if (state.status === 'archived') throw new DomainError('offering_archived', 'An archived offering cannot be changed.');

  switch (command.type) {
    case 'UpdateOffering': {
      // Only known fields count: a stray key (say `deleted` or `status`) must never reach evolve.
      const requested = FIELD_KEYS.filter((key) => command.changes[key] !== undefined);
      assertValidFields({ ...offeringFieldsOf(state), ...Object.fromEntries(requested.map((key) => [key, command.changes[key]])) });
      const changed = requested.filter((key) => !deepEqual(command.changes[key], state[key]));
      if (changed.length === 0) return [];
      const changes = Object.fromEntries(changed.map((key) => [key, command.changes[key]])) as Partial<OfferingFields>;
      return [{ type: 'OfferingUpdated', data: { offeringId: state.offeringId, changes } }];
    }
    case 'ChangeOfferingStatus': {
      if (command.status === state.status) return [];
      if (!ALLOWED_TRANSITIONS[state.status].includes(command.status)) {
        throw new DomainError('invalid_status_transition', `An offering cannot go from ${state.status} to ${command.status}.`);
      }
      return [{ type: 'OfferingStatusChanged', data: { offeringId: state.offeringId, from: state.status, to: command.status } }];
    }
  }
}

export function evolveOffering(state: OfferingState, event: OfferingEvent): OfferingState {
  switch (event.type) {
    case 'OfferingCreated': {
      const { offeringId, status, ...fields } = event.data;
      return { exists: true, offeringId, status, deleted: false, ...offeringFieldsOf(fields) };
    }
    case 'OfferingUpdated':
      return state.exists ? { ...state, ...event.data.changes } : state;
    case 'OfferingStatusChanged':
      return state.exists ? { ...state, status: event.data.to } : state;
    case 'OfferingDeleted':
      return state.exists ? { ...state, deleted: true } : state;
  }
}

/** Exactly the offering's fields (no id, status or deletion flag): what events, views and documents carry. */
export function offeringFieldsOf(source: OfferingFields): OfferingFields {
  return Object.fromEntries(FIELD_KEYS.map((key) => [key, source[key]])) as unknown as OfferingFields;
}


const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIntIn = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

function assertValidFields(fields: OfferingFields): void {
  const fail = (message: string): never => {
    throw new DomainError('invalid_offering', message);
  };
  if (typeof fields.name !== 'string' || fields.name.trim().length === 0) fail('name must not be empty.');
  if (!isIntIn(fields.sessionCount, 1, MAX_SESSION_COUNT)) fail(`sessionCount must be a whole number from 1 to ${MAX_SESSION_COUNT}.`);
  if (!isObject(fields.price)) fail('price must be an object with amount and currency.');
  if (!Number.isSafeInteger(fields.price.amount) || fields.price.amount < 0) fail('price.amount must be a whole number of minor units, 0 or more.');
  if (typeof fields.price.currency !== 'string' || !isValidCurrency(fields.price.currency)) fail('price.currency must be an ISO 4217 code such as USD.');
  const validity = fields.validity;
  if (!isObject(validity)) fail('validity must be given.');
  if (validity.kind === 'days' && !isIntIn(validity.days, 1, MAX_VALIDITY_DAYS)) fail(`validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}.`);
  if (validity.kind === 'fixed_date' && !isValidIsoDate(validity.date)) fail('expiresOn must be a calendar date (YYYY-MM-DD).');

  if (fields.scheduleId !== null && (typeof fields.scheduleId !== 'string' || fields.scheduleId.length === 0)) fail('scheduleId must be an id or null.');
  const typeIds = fields.sessionTypeIds;
  if (!Array.isArray(typeIds) || typeIds.some((id) => typeof id !== 'string' || id.length === 0)) fail('sessionTypeIds must be a list of ids.');
  if (typeIds.length > MAX_SESSION_TYPES_PER_OFFERING) fail(`sessionTypeIds may hold at most ${MAX_SESSION_TYPES_PER_OFFERING} ids.`);
  if (new Set(typeIds).size !== typeIds.length) fail('sessionTypeIds must not repeat an id.');
  if (fields.maxSessionsPerWeek !== null && !isIntIn(fields.maxSessionsPerWeek, 1, MAX_SESSIONS_PER_WEEK)) {
    fail(`maxSessionsPerWeek must be null (no cap) or a whole number from 1 to ${MAX_SESSIONS_PER_WEEK}.`);
  }

  const visibility = fields.visibility as unknown;
  if (!isObject(visibility) || (visibility.kind !== 'all' && visibility.kind !== 'groups')) fail("visibility.kind must be 'all' or 'groups'.");
  if (isObject(visibility) && visibility.kind === 'all' && visibility.groups !== undefined) fail("visibility 'all' takes no groups.");
  if (isObject(visibility) && visibility.kind === 'groups') {
    const problem = groupListProblem(visibility.groups, 1);
    if (problem) fail(`visibility.groups ${problem}`);
  }

  const reminders = fields.reminders;
  if (!Array.isArray(reminders)) fail('reminders must be a list.');
  if (reminders.length > MAX_REMINDERS) fail(`At most ${MAX_REMINDERS} reminders.`);
  for (const reminder of reminders) {
    if (!isObject(reminder) || !isIntIn(reminder.amount, 1, MAX_REMINDER_AMOUNT) || !REMINDER_UNITS.includes(reminder.unit)) {
      fail(`Each reminder needs an amount from 1 to ${MAX_REMINDER_AMOUNT} and a unit (${REMINDER_UNITS.join(', ')}).`);
    }
  }
  // The same amount and unit twice would send the same reminder twice.
  if (new Set(reminders.map((r) => `${r.amount} ${r.unit}`)).size !== reminders.length) fail('reminders must not repeat the same amount and unit.');

  if (typeof fields.feedbackRequest !== 'boolean') fail('feedbackRequest must be true or false.');
  const policy = fields.cancellationPolicy;
  if (!isObject(policy)) fail('cancellationPolicy must be given.');
  if (!isIntIn(policy.noticeHours, 0, MAX_NOTICE_HOURS)) fail(`cancellationPolicy.noticeHours must be a whole number from 0 to ${MAX_NOTICE_HOURS}.`);
  if (!CREDIT_OUTCOMES.includes(policy.lateCancellation)) fail("cancellationPolicy.lateCancellation must be 'return' or 'forfeit'.");
  if (!CREDIT_OUTCOMES.includes(policy.noShow)) fail("cancellationPolicy.noShow must be 'return' or 'forfeit'.");
}

/**
 * Why a list of group names is not acceptable (null if it is): `min` to MAX_GROUPS distinct,
 * non-blank names of at most MAX_GROUP_NAME_LENGTH characters. Names compare exactly.
 */
export function groupListProblem(groups: unknown, min = 0): string | null {
  if (!Array.isArray(groups)) return 'must be a list of group names.';
  if (groups.length < min || groups.length > MAX_GROUPS) return `must hold ${min} to ${MAX_GROUPS} group names.`;
  if (groups.some((g) => typeof g !== 'string' || !/\S/.test(g) || g.length > MAX_GROUP_NAME_LENGTH)) {
    return `must hold non-blank names of at most ${MAX_GROUP_NAME_LENGTH} characters.`;
  }
  if (new Set(groups).size !== groups.length) return 'must not repeat a name.';
  return null;
}

export const offeringStreamId = (offeringId: string) => `offering-${offeringId}`;

/** The `offering-{id}` stream's decider. */
export const offeringDecider: Decider<OfferingCommand, OfferingState, OfferingEvent> = {
  initialState: initialOfferingState,
  evolve: evolveOffering,
  decide: decideOffering,
};
