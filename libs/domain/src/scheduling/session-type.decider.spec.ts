import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codesRaisedIn, exercisedCodes, givenWhenThen } from '../testing/given-when-then';
import { CatalogStatus, SessionTypeFields } from './scheduling.types';
import { decideSessionType, evolveSessionType, initialSessionTypeState, isHttpUrl, SessionTypeCommand } from './session-type.decider';
import { SessionTypeEvent } from './session-type.events';

const given = givenWhenThen({
  initialState: initialSessionTypeState,
  decide: (command: SessionTypeCommand, state) => decideSessionType(command, state),
  evolve: evolveSessionType,
});
const noCtx = undefined;

const fields: SessionTypeFields = {
  name: 'Personal training',
  description: '1:1 strength session',
  coverImageUrl: 'https://cdn.example.com/pt.jpg',
  durationMinutes: 60,
  capacity: 1,
  price: { amount: 9_000, currency: 'EUR' },
  nonMemberPrice: { amount: 11_000, currency: 'EUR' },
  location: 'Studio A',
  bufferMinutes: 15,
  minLeadHours: 12,
  maxLeadDays: 60,
  maxSessionsPerDay: 6,
};
const created = (status: CatalogStatus = 'active', overrides: Partial<SessionTypeFields> = {}): SessionTypeEvent => ({
  type: 'SessionTypeCreated',
  data: { sessionTypeId: 'st-1', ...fields, ...overrides, status },
});
const create = (overrides: Partial<SessionTypeFields> = {}, status: CatalogStatus = 'active'): SessionTypeCommand => ({
  type: 'CreateSessionType',
  sessionTypeId: 'st-1',
  fields: { ...fields, ...overrides },
  status,
});
const update = (changes: Partial<SessionTypeFields>): SessionTypeCommand => ({ type: 'UpdateSessionType', changes });
const updated = (changes: Partial<SessionTypeFields>): SessionTypeEvent => ({ type: 'SessionTypeUpdated', data: { sessionTypeId: 'st-1', changes } });
const setStatus = (status: CatalogStatus): SessionTypeCommand => ({ type: 'ChangeSessionTypeStatus', status });
const statusChanged = (from: CatalogStatus, to: CatalogStatus): SessionTypeEvent => ({
  type: 'SessionTypeStatusChanged',
  data: { sessionTypeId: 'st-1', from, to },
});

describe('CreateSessionType', () => {
  it.each<CatalogStatus>(['draft', 'active'])('creates a session type in status %s', (status) => {
    const state = given([]).when(create({}, status), noCtx).then([created(status)]);
    expect(state).toEqual({ exists: true, sessionTypeId: 'st-1', status, ...fields });
  });

  it.each<[string, Partial<SessionTypeFields>]>([
    ['every optional field null', { description: null, coverImageUrl: null, nonMemberPrice: null, location: null, maxLeadDays: null, maxSessionsPerDay: null }],
    ...[15, 30, 45, 60, 75, 90, 105, 120].map((d): [string, Partial<SessionTypeFields>] => [`duration ${d}`, { durationMinutes: d }]),
    ...[0, 5, 10, 15, 30, 45, 60].map((b): [string, Partial<SessionTypeFields>] => [`buffer ${b}`, { bufferMinutes: b }]),
    ['capacity 1', { capacity: 1 }],
    ['capacity 500 (a large group)', { capacity: 500 }],
    ['price 0', { price: { amount: 0, currency: 'EUR' }, nonMemberPrice: { amount: 0, currency: 'EUR' } }],
    ['the largest safe price', { price: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, nonMemberPrice: null }],
    ['minLeadHours 0', { minLeadHours: 0 }],
    ['minLeadHours a year', { minLeadHours: 24 * 365 }],
    ['maxLeadDays 1', { maxLeadDays: 1 }],
    ['maxLeadDays 730', { maxLeadDays: 730 }],
    ['maxSessionsPerDay 1', { maxSessionsPerDay: 1 }],
    ['maxSessionsPerDay 200', { maxSessionsPerDay: 200 }],
    ['an http cover image', { coverImageUrl: 'http://localhost:8080/img.png?size=2x#top' }],
    ['an empty description', { description: '' }],
  ])('accepts %s', (_, overrides) => {
    given([]).when(create(overrides), noCtx).then([created('active', overrides)]);
  });

  it('records only the session type fields (nothing a caller slipped in)', () => {
    const sloppy = { ...create(), fields: { ...fields, tenantId: 'other', status: 'archived' } as SessionTypeFields };
    given([]).when(sloppy as SessionTypeCommand, noCtx).then([created()]);
  });

  it('refuses to create a session type twice: session_type_already_exists', () => {
    given([created()]).when(create(), noCtx).thenFails('session_type_already_exists');
  });

  it.each<[string, Partial<SessionTypeFields>]>([
    ['an empty name', { name: '' }],
    ['a blank name', { name: ' \t\n' }],
    ['duration 20', { durationMinutes: 20 }],
    ['duration 0', { durationMinutes: 0 }],
    ['duration 135', { durationMinutes: 135 }],
    ['duration "60"', { durationMinutes: '60' as unknown as number }],
    ['capacity 0', { capacity: 0 }],
    ['capacity 501', { capacity: 501 }],
    ['capacity 1.5', { capacity: 1.5 }],
    ['a negative price', { price: { amount: -1, currency: 'EUR' } }],
    ['a fractional price', { price: { amount: 10.5, currency: 'EUR' } }],
    ['an unsafe price', { price: { amount: Number.MAX_SAFE_INTEGER + 1, currency: 'EUR' }, nonMemberPrice: null }],
    ['a lower-case currency', { price: { amount: 100, currency: 'eur' }, nonMemberPrice: null }],
    ['an unknown currency', { price: { amount: 100, currency: 'ABC' }, nonMemberPrice: null }],
    ['a negative non-member price', { nonMemberPrice: { amount: -1, currency: 'EUR' } }],
    ['a non-member price in an unknown currency', { nonMemberPrice: { amount: 100, currency: 'XYZ' } }],
    ['a non-member price in another currency', { nonMemberPrice: { amount: 100, currency: 'USD' } }],
    ['buffer 7', { bufferMinutes: 7 }],
    ['buffer 90', { bufferMinutes: 90 }],
    ['minLeadHours -1', { minLeadHours: -1 }],
    ['minLeadHours over a year', { minLeadHours: 24 * 365 + 1 }],
    ['minLeadHours 1.5', { minLeadHours: 1.5 }],
    ['maxLeadDays 0', { maxLeadDays: 0 }],
    ['maxLeadDays 731', { maxLeadDays: 731 }],
    ['maxLeadDays 2.5', { maxLeadDays: 2.5 }],
    ['maxSessionsPerDay 0', { maxSessionsPerDay: 0 }],
    ['maxSessionsPerDay 201', { maxSessionsPerDay: 201 }],
    ['maxSessionsPerDay 1.5', { maxSessionsPerDay: 1.5 }],
    ['a relative cover image URL', { coverImageUrl: '/img/pt.jpg' }],
    ['an ftp cover image URL', { coverImageUrl: 'ftp://example.com/pt.jpg' }],
    ['a javascript: cover image URL', { coverImageUrl: 'javascript:alert(1)' }],
    ['a data: cover image URL', { coverImageUrl: 'data:image/png;base64,AAAA' }],
    ['a cover image URL with spaces', { coverImageUrl: 'https://example.com/my image.jpg' }],
    ['an empty cover image URL', { coverImageUrl: '' }],
    ['a missing field', { location: undefined }],
  ])('refuses %s: invalid_session_type', (_, overrides) => {
    given([]).when(create(overrides), noCtx).thenFails('invalid_session_type');
  });
});

describe('UpdateSessionType', () => {
  it('records only the fields that actually change', () => {
    const state = given([created()])
      .when(update({ name: fields.name, capacity: 8, price: { currency: 'EUR', amount: 9_000 }, maxLeadDays: null }), noCtx)
      .then([updated({ capacity: 8, maxLeadDays: null })]);
    expect(state).toMatchObject({ status: 'active', name: fields.name, capacity: 8, maxLeadDays: null });
  });

  it('records nothing when nothing changes (key order of nested values does not matter)', () => {
    given([created()]).when(update({ nonMemberPrice: { currency: 'EUR', amount: 11_000 }, bufferMinutes: 15 }), noCtx).then([]);
    given([created()]).when(update({}), noCtx).then([]);
    given([created()]).when(update({ name: undefined }), noCtx).then([]);
  });

  it('clears optional fields with null', () => {
    const changes = { description: null, coverImageUrl: null, nonMemberPrice: null, location: null, maxSessionsPerDay: null };
    const state = given([created()]).when(update(changes), noCtx).then([updated(changes)]);
    expect(state).toMatchObject(changes);
  });

  it('folds a series of updates', () => {
    given([created(), updated({ capacity: 4 }), updated({ durationMinutes: 90 })])
      .when(update({ capacity: 4, durationMinutes: 90, bufferMinutes: 0 }), noCtx)
      .then([updated({ bufferMinutes: 0 })]);
  });

  it('validates the session type as it would be after the change: invalid_session_type', () => {
    given([created()]).when(update({ durationMinutes: 20 }), noCtx).thenFails('invalid_session_type');
    given([created()]).when(update({ name: '  ' }), noCtx).thenFails('invalid_session_type');
    // A new price currency needs the non-member price to follow.
    given([created()]).when(update({ price: { amount: 100, currency: 'USD' } }), noCtx).thenFails('invalid_session_type');
    given([created()])
      .when(update({ price: { amount: 100, currency: 'USD' }, nonMemberPrice: { amount: 200, currency: 'USD' } }), noCtx)
      .then([updated({ price: { amount: 100, currency: 'USD' }, nonMemberPrice: { amount: 200, currency: 'USD' } })]);
  });

  it('may change a draft or paused session type', () => {
    given([created('draft')]).when(update({ capacity: 2 }), noCtx).then([updated({ capacity: 2 })]);
    given([created('paused')]).when(update({ capacity: 2 }), noCtx).then([updated({ capacity: 2 })]);
  });

  it('cannot update a missing session type: session_type_not_found', () => {
    given([]).when(update({ name: 'x' }), noCtx).thenFails('session_type_not_found');
  });

  it('cannot update an archived session type, even with no change: session_type_archived', () => {
    given([created('archived')]).when(update({ name: 'x' }), noCtx).thenFails('session_type_archived');
    given([created('active'), statusChanged('active', 'archived')]).when(update({}), noCtx).thenFails('session_type_archived');
  });
});

describe('ChangeSessionTypeStatus', () => {
  it.each<[CatalogStatus, CatalogStatus]>([
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

  it.each<[CatalogStatus, CatalogStatus]>([
    ['draft', 'paused'],
    ['active', 'draft'],
    ['paused', 'draft'],
  ])('refuses %s -> %s: invalid_status_transition', (from, to) => {
    given([created(from)]).when(setStatus(to), noCtx).thenFails('invalid_status_transition');
  });

  it('records nothing when the status does not change', () => {
    given([created('paused')]).when(setStatus('paused'), noCtx).then([]);
  });

  it('follows the history of status changes', () => {
    given([created('draft'), statusChanged('draft', 'active'), statusChanged('active', 'paused')])
      .when(setStatus('active'), noCtx)
      .then([statusChanged('paused', 'active')]);
  });

  it.each<CatalogStatus>(['draft', 'active', 'paused', 'archived'])('an archived session type is final, even -> %s: session_type_archived', (to) => {
    given([created('active'), statusChanged('active', 'archived')]).when(setStatus(to), noCtx).thenFails('session_type_archived');
  });

  it('cannot change the status of a missing session type: session_type_not_found', () => {
    given([]).when(setStatus('active'), noCtx).thenFails('session_type_not_found');
  });
});

describe('evolveSessionType', () => {
  it('ignores updates and status changes of a session type it never saw created', () => {
    expect(evolveSessionType(initialSessionTypeState, updated({ capacity: 3 }))).toEqual(initialSessionTypeState);
    expect(evolveSessionType(initialSessionTypeState, statusChanged('active', 'paused'))).toEqual(initialSessionTypeState);
  });
});

describe('isHttpUrl', () => {
  it.each(['https://example.com', 'http://example.com/a/b.jpg?x=1', 'https://xn--bcher-kva.example/b.png'])('accepts %s', (url) => {
    expect(isHttpUrl(url)).toBe(true);
  });
  it.each([null, 42, '', 'example.com/a.jpg', 'https://', 'mailto:a@example.com', ' https://example.com', 'https://exa mple.com'])('refuses %p', (url) => {
    expect(isHttpUrl(url)).toBe(false);
  });
});

it('exercises every error code decideSessionType can raise', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'session-type.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
