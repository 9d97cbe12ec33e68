import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codesRaisedIn, exercisedCodes, givenWhenThen } from '../testing/given-when-then';
import { decideOffering, evolveOffering, initialOfferingState, OfferingCommand } from './offering.decider';
import { OfferingEvent, OfferingFields, OfferingStatus } from './offering.events';

const given = givenWhenThen({
  initialState: initialOfferingState,
  decide: (command: OfferingCommand, state) => decideOffering(command, state),
  evolve: evolveOffering,
});
const noCtx = undefined;

const fields: OfferingFields = {
  name: '10 coaching sessions',
  description: 'Weekly 1:1 coaching',
  sessionCount: 10,
  price: { amount: 50_000, currency: 'EUR' },
  validity: { kind: 'days', days: 90 },
};
const created = (status: OfferingStatus = 'draft', overrides: Partial<OfferingFields> = {}): OfferingEvent => ({
  type: 'OfferingCreated',
  data: { offeringId: 'off-1', ...fields, ...overrides, status },
});
const create = (overrides: Partial<OfferingFields> = {}, status: OfferingStatus = 'draft'): OfferingCommand => ({
  type: 'CreateOffering',
  offeringId: 'off-1',
  fields: { ...fields, ...overrides },
  status,
});
const update = (changes: Partial<OfferingFields>): OfferingCommand => ({ type: 'UpdateOffering', changes });
const setStatus = (status: OfferingStatus): OfferingCommand => ({ type: 'ChangeOfferingStatus', status });
const statusChanged = (from: OfferingStatus, to: OfferingStatus): OfferingEvent => ({
  type: 'OfferingStatusChanged',
  data: { offeringId: 'off-1', from, to },
});

describe('CreateOffering', () => {
  it.each<OfferingStatus>(['draft', 'active'])('creates an offering in status %s', (status) => {
    const state = given([]).when(create({}, status), noCtx).then([created(status)]);
    expect(state).toEqual({ exists: true, offeringId: 'off-1', status, ...fields });
  });

  it('accepts the boundaries: 1 and 1000 sessions, price 0, 1 and 3650 validity days, a fixed date, no validity', () => {
    for (const overrides of [
      { sessionCount: 1 },
      { sessionCount: 1000 },
      { price: { amount: 0, currency: 'USD' } },
      { validity: { kind: 'days' as const, days: 1 } },
      { validity: { kind: 'days' as const, days: 3650 } },
      { validity: { kind: 'fixed_date' as const, date: '2028-02-29' } },
      { validity: { kind: 'none' as const } },
      { description: null },
    ]) {
      given([]).when(create(overrides), noCtx).then([created('draft', overrides)]);
    }
  });

  it('refuses to create an offering twice: offering_already_exists', () => {
    given([created()]).when(create(), noCtx).thenFails('offering_already_exists');
  });

  it.each<[string, Partial<OfferingFields>]>([
    ['empty name', { name: '' }],
    ['blank name', { name: '   ' }],
    ['0 sessions', { sessionCount: 0 }],
    ['1001 sessions', { sessionCount: 1001 }],
    ['fractional sessions', { sessionCount: 2.5 }],
    ['negative price', { price: { amount: -1, currency: 'EUR' } }],
    ['fractional price', { price: { amount: 10.5, currency: 'EUR' } }],
    ['unsafe price', { price: { amount: Number.MAX_SAFE_INTEGER + 1, currency: 'EUR' } }],
    ['lower-case currency', { price: { amount: 100, currency: 'eur' } }],
    ['unknown currency', { price: { amount: 100, currency: 'ABC' } }],
    ['0 validity days', { validity: { kind: 'days', days: 0 } }],
    ['3651 validity days', { validity: { kind: 'days', days: 3651 } }],
    ['fractional validity days', { validity: { kind: 'days', days: 1.5 } }],
    ['impossible fixed date', { validity: { kind: 'fixed_date', date: '2026-02-30' } }],
    ['fixed date not in YYYY-MM-DD', { validity: { kind: 'fixed_date', date: '31/12/2026' } }],
  ])('refuses an offering with %s: invalid_offering', (_, overrides) => {
    given([]).when(create(overrides), noCtx).thenFails('invalid_offering');
  });
});

describe('UpdateOffering', () => {
  it('records only the fields that actually change', () => {
    const state = given([created('active')])
      .when(update({ name: fields.name, sessionCount: 12, price: { amount: 55_000, currency: 'EUR' } }), noCtx)
      .then([{ type: 'OfferingUpdated', data: { offeringId: 'off-1', changes: { sessionCount: 12, price: { amount: 55_000, currency: 'EUR' } } } }]);
    expect(state).toMatchObject({ status: 'active', name: fields.name, sessionCount: 12, price: { amount: 55_000 } });
  });

  it('records nothing when nothing changes', () => {
    given([created()]).when(update({ name: fields.name, validity: { kind: 'days', days: 90 } }), noCtx).then([]);
    given([created()]).when(update({}), noCtx).then([]);
  });

  it('validates the offering as it would be after the change: invalid_offering', () => {
    given([created()]).when(update({ sessionCount: 0 }), noCtx).thenFails('invalid_offering');
    given([created()]).when(update({ validity: { kind: 'fixed_date', date: 'tomorrow' } }), noCtx).thenFails('invalid_offering');
  });

  it('cannot update a missing offering: offering_not_found', () => {
    given([]).when(update({ name: 'x' }), noCtx).thenFails('offering_not_found');
  });

  it('cannot update an archived offering: offering_archived', () => {
    given([created('archived')]).when(update({ name: 'x' }), noCtx).thenFails('offering_archived');
  });
});

describe('ChangeOfferingStatus', () => {
  it.each<[OfferingStatus, OfferingStatus]>([
    ['draft', 'active'],
    ['draft', 'archived'],
    ['active', 'paused'],
    ['active', 'archived'],
    ['paused', 'active'],
    ['paused', 'archived'],
  ])('allows %s -> %s', (from, to) => {
    const state = given([created(from)]).when(setStatus(to), noCtx).then([statusChanged(from, to)]);
    expect(state).toMatchObject({ status: to });
  });

  it.each<[OfferingStatus, OfferingStatus]>([
    ['draft', 'paused'],
    ['active', 'draft'],
    ['paused', 'draft'],
  ])('refuses %s -> %s: invalid_status_transition', (from, to) => {
    given([created(from)]).when(setStatus(to), noCtx).thenFails('invalid_status_transition');
  });

  it('records nothing when the status does not change', () => {
    given([created('active')]).when(setStatus('active'), noCtx).then([]);
  });

  it('follows the history of status changes', () => {
    given([created('draft'), statusChanged('draft', 'active'), statusChanged('active', 'paused')])
      .when(setStatus('active'), noCtx)
      .then([statusChanged('paused', 'active')]);
  });

  it.each<OfferingStatus>(['draft', 'active', 'paused', 'archived'])('an archived offering is final, even -> %s: offering_archived', (to) => {
    given([created('active'), statusChanged('active', 'archived')]).when(setStatus(to), noCtx).thenFails('offering_archived');
  });

  it('cannot change the status of a missing offering: offering_not_found', () => {
    given([]).when(setStatus('active'), noCtx).thenFails('offering_not_found');
  });
});

it('exercises every error code decideOffering can raise', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'offering.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
