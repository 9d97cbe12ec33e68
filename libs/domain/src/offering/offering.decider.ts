import { DomainError } from '../shared/domain-error';
import { isValidCurrency } from '../shared/money';
import { OfferingEvent, OfferingFields, OfferingStatus } from './offering.events';
import { isValidIsoDate } from './validity';

export type OfferingState =
  | { exists: false }
  | ({ exists: true; offeringId: string; status: OfferingStatus } & OfferingFields);

export type OfferingCommand =
  | { type: 'CreateOffering'; offeringId: string; fields: OfferingFields; status: OfferingStatus }
  | { type: 'UpdateOffering'; changes: Partial<OfferingFields> }
  | { type: 'ChangeOfferingStatus'; status: OfferingStatus };

export const initialOfferingState: OfferingState = { exists: false };

const ALLOWED_TRANSITIONS: Record<OfferingStatus, OfferingStatus[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export const MAX_SESSION_COUNT = 1000;
export const MAX_VALIDITY_DAYS = 3650;

export function decideOffering(command: OfferingCommand, state: OfferingState): OfferingEvent[] {
  if (command.type === 'CreateOffering') {
    if (state.exists) throw new DomainError('offering_already_exists', 'This offering already exists.');
    assertValidFields(command.fields);
    return [{ type: 'OfferingCreated', data: { offeringId: command.offeringId, ...command.fields, status: command.status } }];
  }
  if (!state.exists) throw new DomainError('offering_not_found', 'Offering not found.');
  if (state.status === 'archived') throw new DomainError('offering_archived', 'An archived offering cannot be changed.');

  switch (command.type) {
    case 'UpdateOffering': {
      assertValidFields({ ...pickFields(state), ...command.changes });
      const changes = Object.fromEntries(
        Object.entries(command.changes).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify((state as any)[key])),
      ) as Partial<OfferingFields>;
      if (Object.keys(changes).length === 0) return [];
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
      return { exists: true, offeringId, status, ...fields };
    }
    case 'OfferingUpdated':
      return state.exists ? { ...state, ...event.data.changes } : state;
    case 'OfferingStatusChanged':
      return state.exists ? { ...state, status: event.data.to } : state;
  }
}

function pickFields(state: OfferingFields): OfferingFields {
  const { name, description, sessionCount, price, validity } = state;
  return { name, description, sessionCount, price, validity };
}

function assertValidFields(fields: OfferingFields): void {
  const fail = (message: string) => {
    throw new DomainError('invalid_offering', message);
  };
  if (!fields.name || fields.name.trim().length === 0) fail('name must not be empty.');
  if (!Number.isInteger(fields.sessionCount) || fields.sessionCount < 1 || fields.sessionCount > MAX_SESSION_COUNT) {
    fail(`sessionCount must be a whole number from 1 to ${MAX_SESSION_COUNT}.`);
  }
  if (!Number.isSafeInteger(fields.price.amount) || fields.price.amount < 0) fail('price.amount must be a whole number of minor units, 0 or more.');
  if (!isValidCurrency(fields.price.currency)) fail('price.currency must be an ISO 4217 code such as USD.');
  const validity = fields.validity;
  if (validity.kind === 'days' && (!Number.isInteger(validity.days) || validity.days < 1 || validity.days > MAX_VALIDITY_DAYS)) {
    fail(`validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}.`);
  }
  if (validity.kind === 'fixed_date' && !isValidIsoDate(validity.date)) fail('expiresOn must be a calendar date (YYYY-MM-DD).');
}
