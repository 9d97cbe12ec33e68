import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codesRaisedIn, exercisedCodes, givenWhenThen } from '../testing/given-when-then';
import { decideOffering, evolveOffering, initialOfferingState, OfferingCommand } from './offering.decider';
import { OFFERING_FIELD_DEFAULTS, OfferingEvent, OfferingFields, OfferingStatus } from './offering.events';

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
  ...OFFERING_FIELD_DEFAULTS,
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
const remove = (reason: string | null = 'Replaced by the 2027 pack'): OfferingCommand => ({ type: 'DeleteOffering', reason });
const deleted = (reason: string | null = 'Replaced by the 2027 pack'): OfferingEvent => ({ type: 'OfferingDeleted', data: { offeringId: 'off-1', reason } });

const SCHEDULE = '0b8a4a9e-6f0e-4d7e-9a55-1f2a3b4c5d6e';
const TYPE_A = '5d2f7c1e-1111-4a2b-8c3d-000000000001';
const TYPE_B = '5d2f7c1e-1111-4a2b-8c3d-000000000002';
/** An offering with every newer field away from its default. */
const fullFields: Partial<OfferingFields> = {
  scheduleId: SCHEDULE,
  sessionTypeIds: [TYPE_A, TYPE_B],
  maxSessionsPerWeek: 2,
  visibility: { kind: 'groups', groups: ['VIP', 'Morning crew'] },
  reminders: [
    { amount: 1, unit: 'days' },
    { amount: 2, unit: 'hours' },
  ],
  feedbackRequest: true,
  cancellationPolicy: { noticeHours: 12, lateCancellation: 'return', noShow: 'forfeit' },
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const names = (n: number) => Array.from({ length: n }, (_, i) => `group ${i}`);

/** Values of the newer fields that break a rule, each with what it breaks. */
const badNewFields: [string, Partial<OfferingFields>][] = [
  ['an empty scheduleId', { scheduleId: '' }],
  ['a repeated session type', { sessionTypeIds: [TYPE_A, TYPE_B, TYPE_A] }],
  ['101 session types', { sessionTypeIds: ids(101) }],
  ['an empty session type id', { sessionTypeIds: [''] }],
  ['sessionTypeIds not a list', { sessionTypeIds: TYPE_A as unknown as string[] }],
  ['maxSessionsPerWeek 0', { maxSessionsPerWeek: 0 }],
  ['maxSessionsPerWeek 51', { maxSessionsPerWeek: 51 }],
  ['maxSessionsPerWeek 1.5', { maxSessionsPerWeek: 1.5 }],
  ['maxSessionsPerWeek negative', { maxSessionsPerWeek: -1 }],
  ['an unknown visibility kind', { visibility: { kind: 'members' } as never }],
  ["visibility 'all' with groups", { visibility: { kind: 'all', groups: ['VIP'] } as never }],
  ['visibility groups without any group', { visibility: { kind: 'groups', groups: [] } }],
  ['visibility groups missing', { visibility: { kind: 'groups' } as never }],
  ['51 visibility groups', { visibility: { kind: 'groups', groups: names(51) } }],
  ['a blank group name', { visibility: { kind: 'groups', groups: ['VIP', '  '] } }],
  ['an empty group name', { visibility: { kind: 'groups', groups: [''] } }],
  ['a group name of 101 characters', { visibility: { kind: 'groups', groups: ['x'.repeat(101)] } }],
  ['a repeated group name', { visibility: { kind: 'groups', groups: ['VIP', 'VIP'] } }],
  ['a group name that is not a string', { visibility: { kind: 'groups', groups: [7 as unknown as string] } }],
  ['4 reminders', { reminders: [1, 2, 3, 4].map((amount) => ({ amount, unit: 'hours' as const })) }],
  ['a reminder amount of 0', { reminders: [{ amount: 0, unit: 'hours' }] }],
  ['a reminder amount of 1001', { reminders: [{ amount: 1001, unit: 'minutes' }] }],
  ['a fractional reminder amount', { reminders: [{ amount: 1.5, unit: 'days' }] }],
  ['an unknown reminder unit', { reminders: [{ amount: 1, unit: 'months' as never }] }],
  ['the same reminder twice', { reminders: [{ amount: 2, unit: 'hours' }, { amount: 1, unit: 'days' }, { amount: 2, unit: 'hours' }] }],
  ['feedbackRequest not a boolean', { feedbackRequest: 'yes' as unknown as boolean }],
  ['a negative notice window', { cancellationPolicy: { noticeHours: -1, lateCancellation: 'forfeit', noShow: 'forfeit' } }],
  ['a notice window of 721 hours', { cancellationPolicy: { noticeHours: 721, lateCancellation: 'forfeit', noShow: 'forfeit' } }],
  ['a fractional notice window', { cancellationPolicy: { noticeHours: 1.5, lateCancellation: 'forfeit', noShow: 'forfeit' } }],
  ['an unknown late-cancellation outcome', { cancellationPolicy: { noticeHours: 24, lateCancellation: 'refund' as never, noShow: 'forfeit' } }],
  ['an unknown no-show outcome', { cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'keep' as never } }],
  ['no cancellation policy', { cancellationPolicy: null as never }],
];

describe('CreateOffering', () => {
  it.each<OfferingStatus>(['draft', 'active'])('creates an offering in status %s', (status) => {
    const state = given([]).when(create({}, status), noCtx).then([created(status)]);
    expect(state).toEqual({ exists: true, offeringId: 'off-1', status, deleted: false, ...fields });
  });

  it('records every field: schedule, session types, weekly cap, visibility, reminders, feedback request, cancellation policy', () => {
    const state = given([]).when(create(fullFields), noCtx).then([created('draft', fullFields)]);
    expect(state).toMatchObject({ ...fullFields, deleted: false });
  });

  it('records only the offering fields a command carries, nothing else', () => {
    const command = create({ deleted: true, status: 'archived' } as Partial<OfferingFields>);
    given([]).when(command, noCtx).then([created('draft')]);
  });

  it('accepts the boundaries of the newer fields', () => {
    for (const overrides of [
      { sessionTypeIds: ids(100) },
      { maxSessionsPerWeek: 1 },
      { maxSessionsPerWeek: 50 },
      { visibility: { kind: 'groups' as const, groups: ['x'.repeat(100)] } },
      { visibility: { kind: 'groups' as const, groups: names(50) } },
      { visibility: { kind: 'groups' as const, groups: ['VIP', 'vip'] } }, // names compare exactly
      { reminders: [{ amount: 1, unit: 'minutes' as const }, { amount: 1000, unit: 'weeks' as const }, { amount: 60, unit: 'minutes' as const }] },
      { reminders: [{ amount: 1, unit: 'hours' as const }, { amount: 1, unit: 'days' as const }] },
      { cancellationPolicy: { noticeHours: 0, lateCancellation: 'return' as const, noShow: 'return' as const } },
      { cancellationPolicy: { noticeHours: 720, lateCancellation: 'forfeit' as const, noShow: 'return' as const } },
    ]) {
      given([]).when(create(overrides), noCtx).then([created('draft', overrides)]);
    }
  });

  it.each(badNewFields)('refuses an offering with %s: invalid_offering', (_, overrides) => {
    given([]).when(create(overrides), noCtx).thenFails('invalid_offering');
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

  it('changes the newer fields, and clears the schedule and the weekly cap with null', () => {
    const state = given([created('active')])
      .when(update(fullFields), noCtx)
      .then([{ type: 'OfferingUpdated', data: { offeringId: 'off-1', changes: fullFields } }]);
    expect(state).toMatchObject(fullFields);
    const cleared = given([created('active', fullFields)])
      .when(update({ scheduleId: null, maxSessionsPerWeek: null, visibility: { kind: 'all' }, reminders: [] }), noCtx)
      .then([
        {
          type: 'OfferingUpdated',
          data: { offeringId: 'off-1', changes: { scheduleId: null, maxSessionsPerWeek: null, visibility: { kind: 'all' }, reminders: [] } },
        },
      ]);
    expect(cleared).toMatchObject({ scheduleId: null, maxSessionsPerWeek: null, visibility: { kind: 'all' }, reminders: [], feedbackRequest: true });
  });

  it('treats a re-sent object with its keys in another order as no change', () => {
    given([created('active', fullFields)])
      .when(update({ cancellationPolicy: { noShow: 'forfeit', lateCancellation: 'return', noticeHours: 12 }, feedbackRequest: true }), noCtx)
      .then([]);
  });

  it('ignores keys that are not offering fields, so an update can never undelete or change the status', () => {
    given([created('active')])
      .when(update({ deleted: true, status: 'archived', offeringId: 'off-2' } as Partial<OfferingFields>), noCtx)
      .then([]);
  });

  it('may reduce the session count: packages already sold keep their credits', () => {
    given([created('active')])
      .when(update({ sessionCount: 1 }), noCtx)
      .then([{ type: 'OfferingUpdated', data: { offeringId: 'off-1', changes: { sessionCount: 1 } } }]);
  });

  it.each(badNewFields)('validates the newer fields on update too: %s is invalid_offering', (_, changes) => {
    given([created('active')]).when(update(changes), noCtx).thenFails('invalid_offering');
  });

  it('cannot update a deleted offering: offering_deleted', () => {
    given([created('active'), deleted()]).when(update({ name: 'x' }), noCtx).thenFails('offering_deleted');
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

describe('DeleteOffering', () => {
  it.each<OfferingStatus>(['draft', 'active', 'paused', 'archived'])('deletes an offering in status %s', (status) => {
    const state = given([created(status)]).when(remove(), noCtx).then([deleted()]);
    expect(state).toMatchObject({ exists: true, status, deleted: true, name: fields.name });
  });

  it('deletes without a reason', () => {
    given([created('active')]).when(remove(null), noCtx).then([deleted(null)]);
  });

  it('deletes an offering archived through a status change', () => {
    given([created('active'), statusChanged('active', 'archived')]).when(remove(), noCtx).then([deleted()]);
  });

  it('deleting twice records nothing the second time', () => {
    given([created('active'), deleted()]).when(remove('again'), noCtx).then([]);
  });

  it.each<[string, OfferingCommand]>([
    ['UpdateOffering', update({ name: 'x' })],
    ['ChangeOfferingStatus to paused', setStatus('paused')],
    ['ChangeOfferingStatus to its own status', setStatus('active')],
    ['ChangeOfferingStatus to archived', setStatus('archived')],
  ])('refuses %s on a deleted offering: offering_deleted', (_, command) => {
    given([created('active'), deleted()]).when(command, noCtx).thenFails('offering_deleted');
  });

  it('a deleted offering still cannot be created again: offering_already_exists', () => {
    given([created('active'), deleted()]).when(create(), noCtx).thenFails('offering_already_exists');
  });

  it('cannot delete a missing offering: offering_not_found', () => {
    given([]).when(remove(), noCtx).thenFails('offering_not_found');
  });

  it.each<[string, string]>([
    ['an empty reason', ''],
    ['a blank reason', ' \t '],
    ['a reason of 501 characters', 'x'.repeat(501)],
  ])('refuses %s: invalid_offering', (_, reason) => {
    given([created('active')]).when(remove(reason), noCtx).thenFails('invalid_offering');
  });
});

it('exercises every error code decideOffering can raise', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'offering.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
