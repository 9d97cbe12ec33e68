import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Bad input gets a 4xx application/problem+json with a stable `code` and a `detail`, never a 5xx,
 * and changes nothing (DESIGN.md §6, §7). Every write endpoint is driven through a table of bad
 * bodies; every case also checks that no event, client or tenant was written by it.
 */

let t: TestApp;
let a: TenantSession; // the tenant under test
let b: TenantSession; // another tenant, whose ids must be as good as unknown to `a`

/** Ids created in beforeAll; the tables below read them lazily. */
const fx = {
  clientId: '',
  clientToken: '', // clientId's token (POST /v1/me/checkouts)
  clientEmail: 'ada.lovelace@example.com',
  offeringId: '',
  draftOfferingId: '',
  archivedOfferingId: '',
  packageId: '', // 6 credits, one redeemed (redemptionId), one redeemed and reversed (reversedRedemptionId)
  redemptionId: '',
  reversedRedemptionId: '',
  emptyPackageId: '', // its only credit is used
  secondClientId: '', // another client of `a`, whose email PATCH must not take
  otherClientId: '',
  otherOfferingId: '',
  otherPackageId: '',
  sessionTypeId: '', // active, no non-member price
  archivedSessionTypeId: '',
  otherSessionTypeId: '',
  scheduleId: '',
  otherScheduleId: '',
  // Bookings: a 60-minute session type on a UTC schedule open all day, every day, and an offering booking them.
  bookingSessionTypeId: '',
  bookingScheduleId: '',
  bookingOfferingId: '',
  bookingPackageId: '', // fx.clientId's package of the booking offering (10 credits)
  bookedStart: '', // ≥ 2 days ahead, on the hour: held by bookingId
  slotStart: '', // the hour after bookedStart: free (what the valid bodies book or move to)
  takenStart: '', // two hours after bookedStart: held by secondBookingId
  bookingId: '', // upcoming, booked: what the cancellation and reschedule tables aim at
  secondBookingId: '',
  cancelledBookingId: '',
  startedStart: '', // a session that started minutes ago (the test clock was moved past it)
  startedBookingId: '', // started, still booked: what the attendance table aims at
  attendedBookingId: '', // started an hour earlier, marked attended
  soonBookingId: '', // booked, starts within the offering's 24-hour notice window
  deletableOfferingId: '', // what the deletion table aims at
  otherBookingScheduleId: '',
  otherBookingId: '', // tenant b's booking
  webhookEndpointId: '', // a's outbound webhook endpoint (the PATCH table)
  otherWebhookEndpointId: '', // b's
};

// ---------------------------------------------------------------------------------------------
// Cases

type Lazy<T> = T | (() => T);
const value = <T>(lazy: Lazy<T>): T => (typeof lazy === 'function' ? (lazy as () => T)() : lazy);

interface Case {
  name: string;
  /** Sent as JSON (JSON.stringify); `undefined` sends no body. */
  body?: Lazy<unknown>;
  /** Sent verbatim instead of `body`. */
  raw?: Lazy<string>;
  /** Content-Type of the request (default application/json). */
  type?: string;
  headers?: Record<string, string>;
  /** Overrides the endpoint's path (bad or foreign ids). */
  path?: () => string;
  /** Exact expectations where the API defines them; otherwise any 4xx with a code. */
  status?: number;
  code?: string;
}

interface Endpoint {
  name: string;
  method: 'post' | 'patch';
  path: () => string;
  auth: () => Record<string, string>;
  /** A body the endpoint would accept (the bad cases are variations of it). */
  valid: () => Record<string, unknown>;
  cases: Case[];
  /** Whether `{}` is a valid body (then "no body" is not a bad input). */
  emptyBodyIsValid?: boolean;
}

const TEN_K = 'x'.repeat(10_000);
const NUL = 'Ada\u0000Lovelace';
const invalid = { status: 400, code: 'validation_failed' } as const;
const with_ = (endpoint: () => Record<string, unknown>, changes: Record<string, unknown>) => () => ({ ...endpoint(), ...changes });
const without = (endpoint: () => Record<string, unknown>, field: string) => () => {
  const { [field]: _, ...rest } = endpoint();
  return rest;
};

/** The body in application/x-www-form-urlencoded form (nested objects as a[b]=c). */
function formEncoded(body: Record<string, unknown>): string {
  const pairs: [string, string][] = [];
  for (const [key, v] of Object.entries(body)) {
    if (v !== null && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) pairs.push([`${key}[${k2}]`, String(v2)]);
    else pairs.push([key, String(v)]);
  }
  return new URLSearchParams(pairs).toString();
}

/** What every write endpoint must refuse, whatever its fields. */
function commonCases(endpoint: Endpoint): Case[] {
  const valid = endpoint.valid;
  const json = () => JSON.stringify(valid());
  return [
    { name: 'unknown field tenantId', body: with_(valid, { tenantId: randomUUID() }), ...invalid },
    { name: 'unknown field creditsRemaining', body: with_(valid, { creditsRemaining: 999 }), ...invalid },
    { name: 'unknown field role', body: with_(valid, { role: 'owner' }), ...invalid },
    { name: 'unknown field id', body: with_(valid, { id: randomUUID() }), ...invalid },
    { name: '"__proto__" key', raw: () => json().replace(/^\{/, '{"__proto__":{"role":"owner","tenantId":"x"},'), ...invalid },
    { name: '"constructor.prototype" key', raw: () => json().replace(/^\{/, '{"constructor":{"prototype":{"role":"owner"}},'), ...invalid },
    { name: 'array holding the valid body', body: () => [valid()] },
    { name: 'empty array', body: [] },
    { name: 'JSON null', raw: 'null', status: 400 },
    { name: 'JSON string', raw: '"hello"', status: 400 },
    { name: 'JSON number', raw: '42', status: 400 },
    { name: 'JSON true', raw: 'true', status: 400 },
    { name: 'malformed JSON', raw: '{"name": ', status: 400, code: 'malformed_json' },
    { name: 'JSON with trailing garbage', raw: () => `${json()}}`, status: 400, code: 'malformed_json' },
    { name: 'JSON with a NaN literal', raw: '{"amount": NaN}', status: 400, code: 'malformed_json' },
    { name: 'JSON with single quotes', raw: "{'name': 'x'}", status: 400, code: 'malformed_json' },
    { name: 'body over 100kb', raw: () => JSON.stringify({ ...valid(), padding: 'x'.repeat(150_000) }), status: 413, code: 'payload_too_large' },
    { name: 'unsupported charset', raw: json, type: 'application/json; charset=latin1', status: 415, code: 'unsupported_encoding' },
    { name: 'unsupported content encoding', raw: json, headers: { 'Content-Encoding': 'snappy' }, status: 415, code: 'unsupported_encoding' },
    { name: 'gzip content encoding that is not gzip', raw: json, headers: { 'Content-Encoding': 'gzip' } },
    ...(endpoint.emptyBodyIsValid ? [] : [{ name: 'no body at all', body: undefined, ...invalid }, { name: 'empty object', body: {}, ...invalid }]),
    // A JSON API must not act on a body it did not read as JSON (415 Unsupported Media Type).
    { name: 'valid JSON sent as text/plain', raw: json, type: 'text/plain' },
    { name: 'valid body sent form-urlencoded', raw: () => formEncoded(valid()), type: 'application/x-www-form-urlencoded' },
  ];
}

const pkg = (id: () => string, suffix: string) => () => `/v1/packages/${id()}${suffix}`;

/** Wrong package ids on a package sub-resource: all are simply "not found". */
/** The case sent with an Idempotency-Key of its own (routes that require one). */
function withKey(c: Case): Case {
  return { ...c, headers: { ...c.headers, 'Idempotency-Key': `bad-input-${randomUUID()}` } };
}

function foreignPackageCases(suffix: string, valid: () => Record<string, unknown>): Case[] {
  return [
    { name: 'non-UUID package id', path: () => `/v1/packages/not-a-uuid${suffix}`, body: valid, status: 404, code: 'package_not_found' },
    { name: 'unknown package id', path: () => `/v1/packages/${randomUUID()}${suffix}`, body: valid, status: 404, code: 'package_not_found' },
    { name: "another tenant's package", path: pkg(() => fx.otherPackageId, suffix), body: valid, status: 404, code: 'package_not_found' },
  ];
}

/** Bad values for an instant field (ISO-8601 with time and offset). */
function badInstants(field: string, valid: () => Record<string, unknown>): Case[] {
  return [
    ['month 13', '2026-13-01T10:00:00Z'],
    ['February 30', '2026-02-30T10:00:00Z'],
    ['hour 25', '2026-01-01T25:00:00Z'],
    ['a word', 'tomorrow'],
    ['a date without time', '2026-01-01'],
    ['a time without offset', '2026-01-01T10:00:00'],
    ['a locale format', '01/02/2026 10:00'],
    ['empty string', ''],
    ['epoch number', 1767225600],
    ['an object', { date: '2026-01-01' }],
  ].map(([label, v]) => ({ name: `${field}: ${label}`, body: with_(valid, { [field]: v }), ...invalid }));
}

/** Bad values for a `reason` field (required, 1 to 500 characters, not blank). */
function badReasons(valid: () => Record<string, unknown>): Case[] {
  return [
    { name: 'reason missing', body: without(valid, 'reason'), ...invalid },
    { name: 'reason empty', body: with_(valid, { reason: '' }), ...invalid },
    { name: 'reason blank', body: with_(valid, { reason: '  \t\n ' }), ...invalid },
    { name: 'reason 10k chars', body: with_(valid, { reason: TEN_K }), ...invalid },
    { name: 'reason a number', body: with_(valid, { reason: 42 }), ...invalid },
    { name: 'reason null', body: with_(valid, { reason: null }), ...invalid },
    { name: 'reason an array', body: with_(valid, { reason: ['a'] }), ...invalid },
    { name: 'reason with a NUL character', body: with_(valid, { reason: NUL }) },
  ];
}

const tenantBody = () => ({ name: 'Studio Nord', timezone: 'Europe/Berlin', currency: 'EUR' });
let emails = 0;
/** A fresh email each time, so a wrongly accepted case does not turn the next ones into client_email_taken. */
const clientBody = () => ({ name: 'Grace Hopper', email: `grace${++emails}@example.com`, timezone: 'Europe/London' });
const offeringBody = () => ({ name: '10 sessions', sessionCount: 10, price: { amount: 90000, currency: 'USD' }, validityDays: 90 });
const purchaseBody = () => ({ offeringId: fx.offeringId, clientId: fx.clientId, payment: { method: 'cash', reference: 'R-1' } });
const redeemBody = () => ({ bookingId: 'booking-1', note: 'Deducted at the end of the workout' });
const reverseBody = () => ({ reason: 'Deducted by mistake' });
const adjustBody = () => ({ delta: 1, reason: 'Goodwill' });
const expiryBody = () => ({ expiresAt: '2099-12-31T23:00:00Z', reason: 'Client was ill' });
const refundBody = () => ({ reason: 'Client moved away' });
const stripeKeysBody = () => ({ secretKey: 'sk_test_51BadInputBadInputBadInput', webhookSecret: 'whsec_BadInputBadInputBadInput' });
const checkoutBody = () => ({ offeringId: fx.offeringId, clientId: fx.clientId, successUrl: 'https://studio.example.com/thanks?checkout={CHECKOUT_ID}', cancelUrl: 'https://studio.example.com/offers' });
const myCheckoutBody = () => ({ offeringId: fx.offeringId, successUrl: 'https://studio.example.com/thanks', cancelUrl: 'https://studio.example.com/offers' });
const endpointBody = () => ({ url: 'https://93.184.215.14/punchcard-hooks', events: ['package.purchased', 'booking.created'], description: 'CRM sync', enabled: true });
const offeringWith = (changes: Record<string, unknown>) => with_(offeringBody, changes);
const cancellation = (changes: Record<string, unknown> = {}) => ({ noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit', ...changes });
const uuids = (n: number) => Array.from({ length: n }, () => randomUUID());
const groupNames = (n: number) => Array.from({ length: n }, (_, i) => `Group ${i}`);

/** Bad values of a group-name list (client groups; offering visibility groups). */
function badGroups(label: string, body: (groups: unknown) => Record<string, unknown>): Case[] {
  return [
    [`${label} a string`, 'VIP'],
    [`${label} null`, null],
    [`${label} an object`, { name: 'VIP' }],
    [`${label} with an empty name`, ['VIP', '']],
    [`${label} with a blank name`, ['  ']],
    [`${label} with a number`, ['VIP', 7]],
    [`${label} with null`, [null]],
    [`${label} with a 101-character name`, ['x'.repeat(101)]],
    [`${label} 51 names`, groupNames(51)],
    [`${label} repeating a name`, ['VIP', 'Morning', 'VIP']],
    [`${label} repeating a name but for spaces`, ['VIP', ' VIP ']],
    [`${label} with a 10k-character name`, [TEN_K]],
  ].map(([name, groups]) => ({ name: name as string, body: () => body(groups), ...invalid }));
}

/** Bad values of the offering booking terms, as a whole body (`body`) from the given changes. */
function badOfferingTerms(body: (changes: Record<string, unknown>) => Lazy<unknown>): Case[] {
  const cases: [string, Record<string, unknown>][] = [
    ['scheduleId not a UUID', { scheduleId: 'schedule-1' }],
    ['scheduleId a number', { scheduleId: 1 }],
    ['scheduleId empty', { scheduleId: '' }],
    ['sessionTypeIds a string', { sessionTypeIds: randomUUID() }],
    ['sessionTypeIds null', { sessionTypeIds: null }],
    ['sessionTypeIds with a non-UUID', { sessionTypeIds: ['pt-60'] }],
    ['sessionTypeIds with null', { sessionTypeIds: [null] }],
    ['sessionTypeIds repeating an id', { sessionTypeIds: ['0b8a4a9e-6f0e-4d7e-9a55-1f2a3b4c5d6e', '0B8A4A9E-6F0E-4D7E-9A55-1F2A3B4C5D6E'] }],
    ['sessionTypeIds 101 ids', { sessionTypeIds: uuids(101) }],
    ['maxSessionsPerWeek 0', { maxSessionsPerWeek: 0 }],
    ['maxSessionsPerWeek 51', { maxSessionsPerWeek: 51 }],
    ['maxSessionsPerWeek float', { maxSessionsPerWeek: 1.5 }],
    ['maxSessionsPerWeek numeric string', { maxSessionsPerWeek: '2' }],
    ['maxSessionsPerWeek true', { maxSessionsPerWeek: true }],
    ['visibility null', { visibility: null }],
    ['visibility a string', { visibility: 'all' }],
    ['visibility an array', { visibility: [{ kind: 'all' }] }],
    ['visibility kind missing', { visibility: {} }],
    ['visibility kind unknown', { visibility: { kind: 'members' } }],
    ['visibility groups without groups', { visibility: { kind: 'groups' } }],
    ['visibility groups with no group', { visibility: { kind: 'groups', groups: [] } }],
    ["visibility 'all' with groups", { visibility: { kind: 'all', groups: ['VIP'] } }],
    ["visibility 'all' with empty groups", { visibility: { kind: 'all', groups: [] } }],
    ['visibility has an unknown field', { visibility: { kind: 'all', members: true } }],
    ['reminders null', { reminders: null }],
    ['reminders an object', { reminders: { amount: 1, unit: 'days' } }],
    ['4 reminders', { reminders: [1, 2, 3, 4].map((amount) => ({ amount, unit: 'hours' })) }],
    ['reminder amount 0', { reminders: [{ amount: 0, unit: 'hours' }] }],
    ['reminder amount 1001', { reminders: [{ amount: 1001, unit: 'minutes' }] }],
    ['reminder amount float', { reminders: [{ amount: 1.5, unit: 'days' }] }],
    ['reminder amount string', { reminders: [{ amount: '2', unit: 'days' }] }],
    ['reminder unit unknown', { reminders: [{ amount: 1, unit: 'months' }] }],
    ['reminder unit missing', { reminders: [{ amount: 1 }] }],
    ['reminder null', { reminders: [null] }],
    ['reminder a number', { reminders: [24] }],
    ['reminder has an unknown field', { reminders: [{ amount: 1, unit: 'days', channel: 'sms' }] }],
    ['the same reminder twice', { reminders: [{ amount: 1, unit: 'days' }, { amount: 1, unit: 'days' }] }],
    ['feedbackRequest "true"', { feedbackRequest: 'true' }],
    ['feedbackRequest 1', { feedbackRequest: 1 }],
    ['feedbackRequest null', { feedbackRequest: null }],
    ['cancellationPolicy null', { cancellationPolicy: null }],
    ['cancellationPolicy a number', { cancellationPolicy: 24 }],
    ['cancellationPolicy an array', { cancellationPolicy: [cancellation()] }],
    ['cancellationPolicy without noticeHours', { cancellationPolicy: { lateCancellation: 'forfeit', noShow: 'forfeit' } }],
    ['cancellationPolicy without noShow', { cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit' } }],
    ['cancellationPolicy.noticeHours negative', { cancellationPolicy: cancellation({ noticeHours: -1 }) }],
    ['cancellationPolicy.noticeHours 721', { cancellationPolicy: cancellation({ noticeHours: 721 }) }],
    ['cancellationPolicy.noticeHours float', { cancellationPolicy: cancellation({ noticeHours: 1.5 }) }],
    ['cancellationPolicy.noticeHours string', { cancellationPolicy: cancellation({ noticeHours: '24' }) }],
    ['cancellationPolicy.lateCancellation unknown', { cancellationPolicy: cancellation({ lateCancellation: 'refund' }) }],
    ['cancellationPolicy.noShow unknown', { cancellationPolicy: cancellation({ noShow: 'keep' }) }],
    ['cancellationPolicy has an unknown field', { cancellationPolicy: cancellation({ fee: 10 }) }],
  ];
  return [
    ...cases.map(([name, changes]) => ({ name, body: body(changes), ...invalid })),
    ...badGroups('visibility.groups', (groups) => value(body({ visibility: { kind: 'groups', groups } })) as Record<string, unknown>),
    { name: 'unknown schedule', body: () => value(body({ scheduleId: randomUUID() })), status: 422, code: 'unknown_schedule' },
    { name: 'unknown session type', body: () => value(body({ sessionTypeIds: [randomUUID()] })), status: 422, code: 'unknown_session_type' },
  ];
}

const clientPatchBody = () => ({ name: 'Ada King' });
const sessionTypeBody = () => ({ name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } });
const range = (start: unknown, end: unknown) => ({ start, end });
const scheduleBody = () => ({
  host: 'Coach Ada',
  timezone: 'America/New_York',
  weeklyHours: { monday: [range('09:00', '12:00')] },
  sessionTypeIds: [fx.sessionTypeId],
});
/** `count` distinct dates from 2027-01-01 on, each a day off. */
const daysOff = (count: number) => Array.from({ length: count }, (_, i) => ({ date: new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10), hours: [] }));
/** `count` non-overlapping half-hour ranges from 00:00. */
const halfHours = (count: number) =>
  Array.from({ length: count }, (_, i) => range(`${String(i).padStart(2, '0')}:00`, `${String(i).padStart(2, '0')}:30`));

const asA = () => a.auth;
/** Tenant b's storefront slug (taken for a). */
const OTHER_STOREFRONT_SLUG = 'other-studio';

/** Bad values for the fields create and update share (`valid` is the body they are added to). */
function badScheduleFields(valid: () => Record<string, unknown>): Case[] {
  const day = (ranges: unknown) => with_(valid, { weeklyHours: { monday: ranges } });
  const override = (o: unknown) => with_(valid, { overrides: [o] });
  const badHours = { status: 422, code: 'invalid_schedule' } as const;
  return [
    { name: 'host empty', body: with_(valid, { host: '' }), ...invalid },
    { name: 'host blank', body: with_(valid, { host: ' \n ' }), ...invalid },
    { name: 'host a number', body: with_(valid, { host: 7 }), ...invalid },
    { name: 'host 10k chars', body: with_(valid, { host: TEN_K }), ...invalid },
    { name: 'timezone unknown', body: with_(valid, { timezone: 'Mars/Olympus_Mons' }), ...invalid },
    { name: 'timezone "local"', body: with_(valid, { timezone: 'local' }), ...invalid },
    { name: 'timezone an offset', body: with_(valid, { timezone: 'UTC+2' }), ...invalid },
    { name: 'timezone a number', body: with_(valid, { timezone: 2 }), ...invalid },
    { name: 'weeklyHours null', body: with_(valid, { weeklyHours: null }), ...invalid },
    { name: 'weeklyHours an array', body: with_(valid, { weeklyHours: [[range('09:00', '10:00')]] }), ...invalid },
    { name: 'weeklyHours a string', body: with_(valid, { weeklyHours: 'Mon-Fri 9-5' }), ...invalid },
    { name: 'weeklyHours with an unknown day', body: with_(valid, { weeklyHours: { mon: [range('09:00', '10:00')] } }), ...invalid },
    { name: 'a day null', body: day(null), ...invalid },
    { name: 'a day an object', body: day(range('09:00', '10:00')), ...invalid },
    { name: 'a day with a string range', body: day(['09:00-10:00']), ...invalid },
    { name: 'a day with a null range', body: day([null]), ...invalid },
    { name: 'start 25:00', body: day([range('25:00', '26:00')]), ...invalid },
    { name: 'end 25:00', body: day([range('09:00', '25:00')]), ...invalid },
    { name: 'start 24:00', body: day([range('24:00', '24:00')]), ...invalid },
    { name: 'minute 60', body: day([range('09:60', '10:00')]), ...invalid },
    { name: 'single-digit hour', body: day([range('9:00', '10:00')]), ...invalid },
    { name: 'with seconds', body: day([range('09:00:00', '10:00:00')]), ...invalid },
    { name: 'a time as a number', body: day([range(900, 1000)]), ...invalid },
    { name: 'a range without end', body: day([{ start: '09:00' }]), ...invalid },
    { name: 'a range with an extra field', body: day([{ ...range('09:00', '10:00'), capacity: 2 }]), ...invalid },
    { name: '13 ranges a day', body: day(halfHours(13)), ...invalid },
    { name: '09:00-08:00 (ends before it starts)', body: day([range('09:00', '08:00')]), ...badHours },
    { name: '09:00-09:00 (empty)', body: day([range('09:00', '09:00')]), ...badHours },
    { name: 'overlapping ranges', body: day([range('09:00', '12:00'), range('11:00', '13:00')]), ...badHours },
    { name: 'the same range twice', body: day([range('09:00', '10:00'), range('09:00', '10:00')]), ...badHours },
    { name: 'overrides not a list', body: with_(valid, { overrides: { date: '2027-01-01', hours: [] } }), ...invalid },
    { name: 'override date February 30', body: override({ date: '2027-02-30', hours: [] }), ...invalid },
    { name: 'override date in another format', body: override({ date: '01/02/2027', hours: [] }), ...invalid },
    { name: 'override date an instant', body: override({ date: '2027-01-01T00:00:00Z', hours: [] }), ...invalid },
    { name: 'override without hours', body: override({ date: '2027-01-01' }), ...invalid },
    { name: 'override hours null', body: override({ date: '2027-01-01', hours: null }), ...invalid },
    { name: 'override with an unknown field', body: override({ date: '2027-01-01', hours: [], closed: true }), ...invalid },
    { name: 'override with a bad time', body: override({ date: '2027-01-01', hours: [range('10:00', '24:30')] }), ...invalid },
    { name: '501 overrides', body: with_(valid, { overrides: daysOff(501) }), ...invalid },
    { name: 'the same override date twice', body: with_(valid, { overrides: [...daysOff(1), ...daysOff(1)] }), ...badHours },
    { name: 'override hours overlapping', body: override({ date: '2027-01-01', hours: [range('10:00', '12:00'), range('11:59', '13:00')] }), ...badHours },
    { name: 'override hours ending before they start', body: override({ date: '2027-01-01', hours: [range('18:00', '08:00')] }), ...badHours },
    { name: 'sessionTypeIds not a list', body: () => ({ ...valid(), sessionTypeIds: fx.sessionTypeId }), ...invalid },
    { name: 'sessionTypeIds with a non-UUID', body: with_(valid, { sessionTypeIds: ['personal-training'] }), ...invalid },
    { name: 'sessionTypeIds with a number', body: with_(valid, { sessionTypeIds: [1] }), ...invalid },
    { name: 'sessionTypeIds repeating an id', body: () => ({ ...valid(), sessionTypeIds: [fx.sessionTypeId, fx.sessionTypeId] }), ...invalid },
    { name: '101 sessionTypeIds', body: with_(valid, { sessionTypeIds: Array.from({ length: 101 }, () => randomUUID()) }), ...invalid },
    { name: 'active a string', body: with_(valid, { active: 'true' }), ...invalid },
    { name: 'active a number', body: with_(valid, { active: 1 }), ...invalid },
  ];
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** `iso` moved by `ms`, as an instant in UTC. */
const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const ALL_DAY = [range('00:00', '24:00')];
const allDayUtcSchedule = (sessionTypeIds: string[]) => ({
  host: 'Coach Ada',
  timezone: 'UTC',
  weeklyHours: Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY])),
  sessionTypeIds,
});
const bookingBody = () => ({
  clientId: fx.clientId,
  scheduleId: fx.bookingScheduleId,
  sessionTypeId: fx.bookingSessionTypeId,
  start: fx.slotStart,
  packageId: fx.bookingPackageId,
});
const cancelBody = () => ({ reason: 'Client is ill', byBusiness: false });
const rescheduleBody = () => ({ start: fx.slotStart, scheduleId: fx.bookingScheduleId });
const attendanceBody = () => ({ attendance: 'attended' });
const deletionBody = () => ({ reason: 'Service discontinued' });
const bkg = (id: () => string, suffix: string) => () => `/v1/bookings/${id()}${suffix}`;

/** Wrong booking ids on a booking sub-resource: all are simply "not found", another tenant's too. */
function foreignBookingCases(suffix: string, valid: () => Record<string, unknown>): Case[] {
  return [
    { name: 'non-UUID booking id', path: () => `/v1/bookings/not-a-uuid${suffix}`, body: valid, status: 404, code: 'booking_not_found' },
    { name: 'booking id with a NUL character', path: () => `/v1/bookings/${randomUUID()}%00${suffix}`, body: valid },
    { name: 'booking id 10k chars', path: () => `/v1/bookings/${'a'.repeat(10_000)}${suffix}`, body: valid, status: 404, code: 'booking_not_found' },
    { name: 'unknown booking id', path: () => `/v1/bookings/${randomUUID()}${suffix}`, body: valid, status: 404, code: 'booking_not_found' },
    { name: "another tenant's booking", path: bkg(() => fx.otherBookingId, suffix), body: valid, status: 404, code: 'booking_not_found' },
  ];
}

/** Bad values for a required id field (a UUID) of `valid`. */
function badIdField(field: string, valid: () => Record<string, unknown>, options: { optional?: boolean } = {}): Case[] {
  return [
    ...(options.optional ? [] : [{ name: `${field} missing`, body: without(valid, field), ...invalid }, { name: `${field} null`, body: with_(valid, { [field]: null }), ...invalid }]),
    { name: `${field} not a UUID`, body: with_(valid, { [field]: 'client-1' }), ...invalid },
    { name: `${field} a UUID without dashes`, body: with_(valid, { [field]: randomUUID().replace(/-/g, '') }), ...invalid },
    { name: `${field} SQL`, body: with_(valid, { [field]: "1' OR '1'='1" }), ...invalid },
    { name: `${field} empty`, body: with_(valid, { [field]: '' }), ...invalid },
    { name: `${field} a number`, body: with_(valid, { [field]: 42 }), ...invalid },
    { name: `${field} true`, body: with_(valid, { [field]: true }), ...invalid },
    { name: `${field} 10k chars`, body: with_(valid, { [field]: TEN_K }), ...invalid },
    { name: `${field} with a NUL character`, body: () => ({ ...valid(), [field]: `${valid()[field] ?? randomUUID()}\u0000` }), ...invalid },
    { name: `${field} an array holding a UUID`, body: () => ({ ...valid(), [field]: [valid()[field] ?? randomUUID()] }), ...invalid },
    { name: `${field} an object holding a UUID`, body: () => ({ ...valid(), [field]: { id: valid()[field] ?? randomUUID() } }), ...invalid },
  ];
}

/** Bad values for a required `start` instant, beyond badInstants. */
function badStarts(valid: () => Record<string, unknown>): Case[] {
  return [
    ...badInstants('start', valid),
    { name: 'start missing', body: without(valid, 'start'), ...invalid },
    { name: 'start null', body: with_(valid, { start: null }), ...invalid },
    { name: 'start "not a date"', body: with_(valid, { start: 'not a date' }), ...invalid },
    { name: 'start with a zone name instead of an offset', body: () => ({ ...valid(), start: `${fx.slotStart.slice(0, 19)}[Europe/Berlin]` }), ...invalid },
    { name: 'start with an offset of hours only', body: () => ({ ...valid(), start: `${fx.slotStart.slice(0, 19)}+02` }), ...invalid },
    { name: 'start 10k chars', body: with_(valid, { start: `${TEN_K}T10:00:00Z` }), ...invalid },
    { name: 'start with a NUL character', body: () => ({ ...valid(), start: `${fx.slotStart}\u0000` }), ...invalid },
    { name: 'start with trailing text', body: () => ({ ...valid(), start: `${fx.slotStart} please` }), ...invalid },
    { name: 'start an array holding the instant', body: () => ({ ...valid(), start: [fx.slotStart] }), ...invalid },
    { name: 'start an object', body: () => ({ ...valid(), start: { at: fx.slotStart } }), ...invalid },
    { name: 'start true', body: with_(valid, { start: true }), ...invalid },
    { name: 'start epoch milliseconds', body: () => ({ ...valid(), start: Date.parse(fx.slotStart) }), ...invalid },
  ];
}

/** Bad values for an optional `reason` (1 to 500 characters, not blank; null or left out = none). */
function badOptionalReasons(valid: () => Record<string, unknown>): Case[] {
  return [
    { name: 'reason empty', body: with_(valid, { reason: '' }), ...invalid },
    { name: 'reason blank', body: with_(valid, { reason: ' \t\n ' }), ...invalid },
    { name: 'reason 501 chars', body: with_(valid, { reason: 'x'.repeat(501) }), ...invalid },
    { name: 'reason 10k chars', body: with_(valid, { reason: TEN_K }), ...invalid },
    { name: 'reason a number', body: with_(valid, { reason: 42 }), ...invalid },
    { name: 'reason true', body: with_(valid, { reason: true }), ...invalid },
    { name: 'reason an array', body: with_(valid, { reason: ['ill'] }), ...invalid },
    { name: 'reason an object', body: with_(valid, { reason: { text: 'ill' } }), ...invalid },
    { name: 'reason with a NUL character', body: with_(valid, { reason: NUL }), ...invalid },
  ];
}

const endpoints: Endpoint[] = [
  {
    name: 'POST /v1/tenants',
    method: 'post',
    path: () => '/v1/tenants',
    auth: () => ({ Authorization: `Bearer ${t.operatorKey}` }),
    valid: tenantBody,
    cases: [
      { name: 'name missing', body: without(tenantBody, 'name'), ...invalid },
      { name: 'name empty', body: with_(tenantBody, { name: '' }), ...invalid },
      { name: 'name blank', body: with_(tenantBody, { name: '   ' }), ...invalid },
      { name: 'name 10k chars', body: with_(tenantBody, { name: TEN_K }), ...invalid },
      { name: 'name a number', body: with_(tenantBody, { name: 42 }), ...invalid },
      { name: 'name an object', body: with_(tenantBody, { name: { first: 'x' } }), ...invalid },
      { name: 'name with a NUL character', body: with_(tenantBody, { name: NUL }) },
      { name: 'timezone missing', body: without(tenantBody, 'timezone'), ...invalid },
      { name: 'timezone unknown', body: with_(tenantBody, { timezone: 'Mars/Olympus_Mons' }), ...invalid },
      { name: 'timezone "local" (not an IANA zone)', body: with_(tenantBody, { timezone: 'local' }), ...invalid },
      { name: 'timezone with trailing space', body: with_(tenantBody, { timezone: 'Europe/Berlin ' }), ...invalid },
      { name: 'timezone empty', body: with_(tenantBody, { timezone: '' }), ...invalid },
      { name: 'timezone 10k chars', body: with_(tenantBody, { timezone: TEN_K }), ...invalid },
      { name: 'timezone a number', body: with_(tenantBody, { timezone: 1 }), ...invalid },
      { name: 'currency missing', body: without(tenantBody, 'currency'), ...invalid },
      { name: 'currency lower case', body: with_(tenantBody, { currency: 'eur' }), ...invalid },
      { name: 'currency unknown', body: with_(tenantBody, { currency: 'ABC' }), ...invalid },
      { name: 'currency too long', body: with_(tenantBody, { currency: 'EURO' }), ...invalid },
      { name: 'currency a number', body: with_(tenantBody, { currency: 978 }), ...invalid },
      { name: 'unknown field adminApiKey', body: with_(tenantBody, { adminApiKey: 'pc_x' }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/clients',
    method: 'post',
    path: () => '/v1/clients',
    auth: asA,
    valid: clientBody,
    cases: [
      { name: 'name missing', body: without(clientBody, 'name'), ...invalid },
      { name: 'name empty', body: with_(clientBody, { name: '' }), ...invalid },
      { name: 'name blank', body: with_(clientBody, { name: ' \t ' }), ...invalid },
      { name: 'name 10k chars', body: with_(clientBody, { name: TEN_K }), ...invalid },
      { name: 'name a number', body: with_(clientBody, { name: 42 }), ...invalid },
      { name: 'name null', body: with_(clientBody, { name: null }), ...invalid },
      { name: 'name with a NUL character', body: with_(clientBody, { name: NUL }) },
      { name: 'email missing', body: without(clientBody, 'email'), ...invalid },
      { name: 'email not an email', body: with_(clientBody, { email: 'grace' }), ...invalid },
      { name: 'email empty', body: with_(clientBody, { email: '' }), ...invalid },
      { name: 'email 10k chars', body: with_(clientBody, { email: `${TEN_K}@example.com` }), ...invalid },
      { name: 'email an array', body: with_(clientBody, { email: ['grace@example.com'] }), ...invalid },
      { name: 'email already taken (other case)', body: () => ({ ...clientBody(), email: fx.clientEmail.toUpperCase() }), status: 409, code: 'client_email_taken' },
      { name: 'timezone unknown', body: with_(clientBody, { timezone: 'Atlantis/Capital' }), ...invalid },
      { name: 'timezone "local" (not an IANA zone)', body: with_(clientBody, { timezone: 'local' }), ...invalid },
      { name: 'timezone empty', body: with_(clientBody, { timezone: '' }), ...invalid },
      { name: 'timezone a number', body: with_(clientBody, { timezone: 2 }), ...invalid },
      ...badGroups('groups', (groups) => ({ ...clientBody(), groups })),
    ],
  },
  {
    name: 'PATCH /v1/clients/:id',
    method: 'patch',
    path: () => `/v1/clients/${fx.clientId}`,
    auth: asA,
    valid: clientPatchBody,
    cases: [
      { name: 'non-UUID client id', path: () => '/v1/clients/ada', body: clientPatchBody, status: 404, code: 'client_not_found' },
      { name: 'unknown client id', path: () => `/v1/clients/${randomUUID()}`, body: clientPatchBody, status: 404, code: 'client_not_found' },
      { name: "another tenant's client", path: () => `/v1/clients/${fx.otherClientId}`, body: clientPatchBody, status: 404, code: 'client_not_found' },
      { name: "another client's email (other case)", path: () => `/v1/clients/${fx.secondClientId}`, body: () => ({ email: fx.clientEmail.toUpperCase() }), status: 409, code: 'client_email_taken' },
      { name: 'name empty', body: { name: '' }, ...invalid },
      { name: 'name blank', body: { name: ' \t ' }, ...invalid },
      { name: 'name 10k chars', body: { name: TEN_K }, ...invalid },
      { name: 'name a number', body: { name: 42 }, ...invalid },
      { name: 'name null', body: { name: null }, ...invalid },
      { name: 'name with a NUL character', body: { name: NUL } },
      { name: 'email not an email', body: { email: 'grace' }, ...invalid },
      { name: 'email empty', body: { email: '' }, ...invalid },
      { name: 'email null', body: { email: null }, ...invalid },
      { name: 'email 10k chars', body: { email: `${TEN_K}@example.com` }, ...invalid },
      { name: 'email an array', body: { email: ['grace@example.com'] }, ...invalid },
      { name: 'timezone unknown', body: { timezone: 'Atlantis/Capital' }, ...invalid },
      { name: 'timezone "local" (not an IANA zone)', body: { timezone: 'local' }, ...invalid },
      { name: 'timezone empty', body: { timezone: '' }, ...invalid },
      { name: 'timezone a number', body: { timezone: 2 }, ...invalid },
      ...badGroups('groups', (groups) => ({ groups })),
      { name: 'unknown field createdAt', body: { name: 'x', createdAt: '2020-01-01T00:00:00Z' }, ...invalid },
      { name: 'unknown field tenant_id', body: { tenant_id: randomUUID() }, ...invalid },
    ],
  },
  {
    name: 'POST /v1/offerings',
    method: 'post',
    path: () => '/v1/offerings',
    auth: asA,
    valid: offeringBody,
    cases: [
      { name: 'name missing', body: without(offeringBody, 'name'), ...invalid },
      { name: 'name empty', body: with_(offeringBody, { name: '' }), ...invalid },
      { name: 'name blank', body: with_(offeringBody, { name: '   ' }) },
      { name: 'name 10k chars', body: with_(offeringBody, { name: TEN_K }), ...invalid },
      { name: 'name with a NUL character', body: with_(offeringBody, { name: NUL }) },
      { name: 'description 10k chars', body: with_(offeringBody, { description: TEN_K }), ...invalid },
      { name: 'description a number', body: with_(offeringBody, { description: 5 }), ...invalid },
      { name: 'sessionCount missing', body: without(offeringBody, 'sessionCount'), ...invalid },
      { name: 'sessionCount 0', body: with_(offeringBody, { sessionCount: 0 }), ...invalid },
      { name: 'sessionCount negative', body: with_(offeringBody, { sessionCount: -6 }), ...invalid },
      { name: 'sessionCount float', body: with_(offeringBody, { sessionCount: 6.5 }), ...invalid },
      { name: 'sessionCount numeric string', body: with_(offeringBody, { sessionCount: '6' }), ...invalid },
      { name: 'sessionCount "NaN"', body: with_(offeringBody, { sessionCount: 'NaN' }), ...invalid },
      { name: 'sessionCount huge', body: with_(offeringBody, { sessionCount: 1e308 }), ...invalid },
      { name: 'sessionCount above the maximum', body: with_(offeringBody, { sessionCount: 1001 }), ...invalid },
      { name: 'sessionCount beyond double range', raw: '{"name":"x","sessionCount":1e400,"price":{"amount":1,"currency":"USD"}}', ...invalid },
      { name: 'sessionCount true', body: with_(offeringBody, { sessionCount: true }), ...invalid },
      { name: 'price missing', body: without(offeringBody, 'price'), ...invalid },
      { name: 'price null', body: with_(offeringBody, { price: null }), ...invalid },
      { name: 'price a number', body: with_(offeringBody, { price: 90000 }), ...invalid },
      { name: 'price an array', body: with_(offeringBody, { price: [90000, 'USD'] }), ...invalid },
      { name: 'price an array holding a price', body: with_(offeringBody, { price: [{ amount: 90000, currency: 'USD' }] }) },
      { name: 'price.amount negative', body: with_(offeringBody, { price: { amount: -1, currency: 'USD' } }), ...invalid },
      { name: 'price.amount float', body: with_(offeringBody, { price: { amount: 900.5, currency: 'USD' } }), ...invalid },
      { name: 'price.amount string', body: with_(offeringBody, { price: { amount: '90000', currency: 'USD' } }), ...invalid },
      { name: 'price.amount huge', body: with_(offeringBody, { price: { amount: 2 ** 60, currency: 'USD' } }), ...invalid },
      { name: 'price.amount missing', body: with_(offeringBody, { price: { currency: 'USD' } }), ...invalid },
      { name: 'price.currency lower case', body: with_(offeringBody, { price: { amount: 1, currency: 'usd' } }), ...invalid },
      { name: 'price.currency unknown', body: with_(offeringBody, { price: { amount: 1, currency: 'XYZ' } }), ...invalid },
      { name: 'price.currency missing', body: with_(offeringBody, { price: { amount: 1 } }), ...invalid },
      { name: 'price has an unknown field', body: with_(offeringBody, { price: { amount: 1, currency: 'USD', tax: 19 } }), ...invalid },
      { name: 'validityDays 0', body: with_(offeringBody, { validityDays: 0 }), ...invalid },
      { name: 'validityDays negative', body: with_(offeringBody, { validityDays: -90 }), ...invalid },
      { name: 'validityDays float', body: with_(offeringBody, { validityDays: 1.5 }), ...invalid },
      { name: 'validityDays above the maximum', body: with_(offeringBody, { validityDays: 3651 }), ...invalid },
      { name: 'validityDays string', body: with_(offeringBody, { validityDays: '90' }), ...invalid },
      { name: 'expiresOn month 13', body: () => ({ ...without(offeringBody, 'validityDays')(), expiresOn: '2026-13-01' }), ...invalid },
      { name: 'expiresOn February 30', body: () => ({ ...without(offeringBody, 'validityDays')(), expiresOn: '2026-02-30' }), ...invalid },
      { name: 'expiresOn a word', body: () => ({ ...without(offeringBody, 'validityDays')(), expiresOn: 'tomorrow' }), ...invalid },
      { name: 'expiresOn an instant', body: () => ({ ...without(offeringBody, 'validityDays')(), expiresOn: '2026-12-31T00:00:00Z' }), ...invalid },
      { name: 'validityDays and expiresOn together', body: with_(offeringBody, { expiresOn: '2099-12-31' }), ...invalid },
      { name: 'noExpiry (update only)', body: () => ({ ...without(offeringBody, 'validityDays')(), noExpiry: true }), ...invalid },
      { name: 'status archived (create allows draft/active)', body: with_(offeringBody, { status: 'archived' }), ...invalid },
      { name: 'status unknown', body: with_(offeringBody, { status: 'published' }), ...invalid },
      ...badOfferingTerms(offeringWith),
    ],
  },
  {
    name: 'PATCH /v1/offerings/:id',
    method: 'patch',
    path: () => `/v1/offerings/${fx.offeringId}`,
    auth: asA,
    valid: () => ({ name: 'Renamed' }),
    cases: [
      { name: 'non-UUID offering id', path: () => '/v1/offerings/not-a-uuid', body: { name: 'x' }, status: 404, code: 'offering_not_found' },
      { name: 'unknown offering id', path: () => `/v1/offerings/${randomUUID()}`, body: { name: 'x' }, status: 404, code: 'offering_not_found' },
      { name: "another tenant's offering", path: () => `/v1/offerings/${fx.otherOfferingId}`, body: { name: 'x' }, status: 404, code: 'offering_not_found' },
      { name: 'archived offering', path: () => `/v1/offerings/${fx.archivedOfferingId}`, body: { name: 'x' }, status: 409, code: 'offering_archived' },
      { name: 'status back to draft', body: { status: 'draft' }, status: 409, code: 'invalid_status_transition' },
      { name: 'status unknown', body: { status: 'deleted' }, ...invalid },
      { name: 'name empty', body: { name: '' }, ...invalid },
      { name: 'name blank', body: { name: '   ' }, status: 400, code: 'validation_failed' },
      { name: 'name null', body: { name: null } },
      { name: 'name 10k chars', body: { name: TEN_K }, ...invalid },
      { name: 'name with a NUL character', body: { name: NUL } },
      { name: 'sessionCount 0', body: { sessionCount: 0 }, ...invalid },
      { name: 'sessionCount null', body: { sessionCount: null } },
      { name: 'sessionCount float', body: { sessionCount: 2.5 }, ...invalid },
      { name: 'price.amount negative', body: { price: { amount: -100, currency: 'USD' } }, ...invalid },
      { name: 'price without currency', body: { price: { amount: 100 } }, ...invalid },
      { name: 'price a string', body: { price: '100 USD' }, ...invalid },
      { name: 'noExpiry false', body: { noExpiry: false }, ...invalid },
      { name: 'noExpiry "true"', body: { noExpiry: 'true' }, ...invalid },
      { name: 'noExpiry and validityDays together', body: { noExpiry: true, validityDays: 30 }, ...invalid },
      { name: 'expiresOn invalid', body: { expiresOn: '2026-13-01' }, ...invalid },
      { name: 'unknown field offeringId', body: { offeringId: randomUUID() }, ...invalid },
      { name: 'unknown field exists', body: { exists: false }, ...invalid },
      { name: 'unknown field deleted', body: { deleted: false }, ...invalid },
      { name: 'price null', body: { price: null }, ...invalid },
      ...badOfferingTerms((changes) => changes),
    ],
  },
  {
    name: 'POST /v1/packages',
    method: 'post',
    path: () => '/v1/packages',
    auth: asA,
    valid: purchaseBody,
    cases: [
      { name: 'unknown client', body: () => ({ ...purchaseBody(), clientId: randomUUID() }), status: 422, code: 'unknown_client' },
      { name: "another tenant's client", body: () => ({ ...purchaseBody(), clientId: fx.otherClientId }), status: 422, code: 'unknown_client' },
      { name: 'unknown offering', body: () => ({ ...purchaseBody(), offeringId: randomUUID() }), status: 422, code: 'unknown_offering' },
      { name: "another tenant's offering", body: () => ({ ...purchaseBody(), offeringId: fx.otherOfferingId }), status: 422, code: 'unknown_offering' },
      { name: 'draft offering', body: () => ({ ...purchaseBody(), offeringId: fx.draftOfferingId }), status: 409, code: 'offering_not_active' },
      { name: 'archived offering', body: () => ({ ...purchaseBody(), offeringId: fx.archivedOfferingId }), status: 409, code: 'offering_not_active' },
      { name: 'offeringId missing', body: without(purchaseBody, 'offeringId'), ...invalid },
      { name: 'offeringId not a UUID', body: () => ({ ...purchaseBody(), offeringId: 'offering-1' }), ...invalid },
      { name: 'offeringId a number', body: () => ({ ...purchaseBody(), offeringId: 1 }), ...invalid },
      { name: 'clientId missing', body: without(purchaseBody, 'clientId'), ...invalid },
      { name: 'clientId not a UUID', body: () => ({ ...purchaseBody(), clientId: "1' OR '1'='1" }), ...invalid },
      { name: 'clientId empty', body: () => ({ ...purchaseBody(), clientId: '' }), ...invalid },
      { name: 'payment missing', body: without(purchaseBody, 'payment'), ...invalid },
      { name: 'payment null', body: () => ({ ...purchaseBody(), payment: null }), ...invalid },
      { name: 'payment a string', body: () => ({ ...purchaseBody(), payment: 'cash' }), ...invalid },
      { name: 'payment an array', body: () => ({ ...purchaseBody(), payment: [{ method: 'cash' }] }), ...invalid },
      { name: 'payment an empty array', body: () => ({ ...purchaseBody(), payment: [] }), ...invalid },
      { name: 'payment.method unknown', body: () => ({ ...purchaseBody(), payment: { method: 'bitcoin' } }), ...invalid },
      { name: 'payment.method missing', body: () => ({ ...purchaseBody(), payment: {} }), ...invalid },
      { name: 'payment.reference empty', body: () => ({ ...purchaseBody(), payment: { method: 'cash', reference: '' } }), ...invalid },
      { name: 'payment.reference 10k chars', body: () => ({ ...purchaseBody(), payment: { method: 'cash', reference: TEN_K } }), ...invalid },
      { name: 'payment.reference a number', body: () => ({ ...purchaseBody(), payment: { method: 'check', reference: 1234 } }), ...invalid },
      { name: 'payment has an unknown field amount', body: () => ({ ...purchaseBody(), payment: { method: 'cash', amount: 1 } }), ...invalid },
      { name: 'unknown field price', body: () => ({ ...purchaseBody(), price: { amount: 0, currency: 'USD' } }), ...invalid },
      { name: 'unknown field expiresAt', body: () => ({ ...purchaseBody(), expiresAt: '2099-01-01T00:00:00Z' }), ...invalid },
      { name: 'unknown field creditsTotal', body: () => ({ ...purchaseBody(), creditsTotal: 1000 }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/packages/:id/redemptions',
    method: 'post',
    path: pkg(() => fx.packageId, '/redemptions'),
    auth: asA,
    valid: redeemBody,
    emptyBodyIsValid: true,
    cases: [
      ...foreignPackageCases('/redemptions', redeemBody),
      { name: 'no credits left', path: pkg(() => fx.emptyPackageId, '/redemptions'), body: redeemBody, status: 409, code: 'no_credits_left' },
      { name: 'session after the expiry', body: with_(redeemBody, { sessionAt: '2999-01-01T10:00:00Z' }), status: 409, code: 'session_after_expiry' },
      { name: 'bookingId with spaces', body: with_(redeemBody, { bookingId: 'booking 1' }), ...invalid },
      { name: 'bookingId 10k chars', body: with_(redeemBody, { bookingId: TEN_K }), ...invalid },
      { name: 'bookingId empty', body: with_(redeemBody, { bookingId: '' }), ...invalid },
      { name: 'bookingId a number', body: with_(redeemBody, { bookingId: 17 }), ...invalid },
      { name: 'serviceId with a slash', body: with_(redeemBody, { serviceId: 'a/b' }), ...invalid },
      { name: 'note empty', body: with_(redeemBody, { note: '' }), ...invalid },
      { name: 'note 10k chars', body: with_(redeemBody, { note: TEN_K }), ...invalid },
      { name: 'note an object', body: with_(redeemBody, { note: { text: 'x' } }), ...invalid },
      { name: 'note with a NUL character', body: with_(redeemBody, { note: NUL }) },
      ...badInstants('sessionAt', redeemBody),
      { name: 'unknown field credits', body: with_(redeemBody, { credits: 5 }), ...invalid },
      { name: 'unknown field redemptionId', body: with_(redeemBody, { redemptionId: randomUUID() }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/packages/:id/redemptions/:rid/reversals',
    method: 'post',
    path: () => `/v1/packages/${fx.packageId}/redemptions/${fx.redemptionId}/reversals`,
    auth: asA,
    valid: reverseBody,
    cases: [
      { name: 'non-UUID package id', path: () => `/v1/packages/not-a-uuid/redemptions/${fx.redemptionId}/reversals`, body: reverseBody, status: 404, code: 'package_not_found' },
      { name: 'unknown package id', path: () => `/v1/packages/${randomUUID()}/redemptions/${fx.redemptionId}/reversals`, body: reverseBody, status: 404, code: 'package_not_found' },
      { name: "another tenant's package", path: () => `/v1/packages/${fx.otherPackageId}/redemptions/${fx.redemptionId}/reversals`, body: reverseBody, status: 404, code: 'package_not_found' },
      { name: 'non-UUID redemption id', path: () => `/v1/packages/${fx.packageId}/redemptions/42/reversals`, body: reverseBody, status: 404, code: 'redemption_not_found' },
      { name: 'unknown redemption id', path: () => `/v1/packages/${fx.packageId}/redemptions/${randomUUID()}/reversals`, body: reverseBody, status: 404, code: 'redemption_not_found' },
      { name: 'redemption already reversed', path: () => `/v1/packages/${fx.packageId}/redemptions/${fx.reversedRedemptionId}/reversals`, body: reverseBody, status: 409, code: 'redemption_already_reversed' },
      ...badReasons(reverseBody),
    ],
  },
  {
    name: 'POST /v1/packages/:id/adjustments',
    method: 'post',
    path: pkg(() => fx.packageId, '/adjustments'),
    auth: asA,
    valid: adjustBody,
    cases: [
      ...foreignPackageCases('/adjustments', adjustBody),
      { name: 'removing more credits than are left', body: with_(adjustBody, { delta: -100 }), status: 409, code: 'adjustment_exceeds_balance' },
      { name: 'removing from a package with no credits left', path: pkg(() => fx.emptyPackageId, '/adjustments'), body: with_(adjustBody, { delta: -1 }), status: 409, code: 'adjustment_exceeds_balance' },
      { name: 'delta 0', body: with_(adjustBody, { delta: 0 }), ...invalid },
      { name: 'delta -0', raw: '{"delta": -0, "reason": "Goodwill"}', ...invalid },
      { name: 'delta float', body: with_(adjustBody, { delta: 1.5 }), ...invalid },
      { name: 'delta numeric string', body: with_(adjustBody, { delta: '1' }), ...invalid },
      { name: 'delta "NaN"', body: with_(adjustBody, { delta: 'NaN' }), ...invalid },
      { name: 'delta "Infinity"', body: with_(adjustBody, { delta: 'Infinity' }), ...invalid },
      { name: 'delta huge', body: with_(adjustBody, { delta: 1e20 }), ...invalid },
      { name: 'delta huge negative', body: with_(adjustBody, { delta: -1e20 }), ...invalid },
      { name: 'delta beyond double range', raw: '{"delta": 1e400, "reason": "Goodwill"}', ...invalid },
      { name: 'delta above the maximum', body: with_(adjustBody, { delta: 1001 }), ...invalid },
      { name: 'delta null', body: with_(adjustBody, { delta: null }), ...invalid },
      { name: 'delta missing', body: without(adjustBody, 'delta'), ...invalid },
      { name: 'delta true', body: with_(adjustBody, { delta: true }), ...invalid },
      ...badReasons(adjustBody),
    ],
  },
  {
    name: 'POST /v1/packages/:id/expiry-changes',
    method: 'post',
    path: pkg(() => fx.packageId, '/expiry-changes'),
    auth: asA,
    valid: expiryBody,
    cases: [
      ...foreignPackageCases('/expiry-changes', expiryBody),
      { name: 'expiresAt in the past', body: with_(expiryBody, { expiresAt: '2000-01-01T00:00:00Z' }), status: 422, code: 'invalid_expiry' },
      { name: 'expiresAt missing', body: without(expiryBody, 'expiresAt'), ...invalid },
      ...badInstants('expiresAt', expiryBody),
      ...badReasons(expiryBody),
    ],
  },
  {
    name: 'POST /v1/packages/:id/refunds',
    method: 'post',
    path: pkg(() => fx.packageId, '/refunds'),
    auth: asA,
    valid: refundBody,
    cases: [
      ...foreignPackageCases('/refunds', refundBody),
      { name: 'no credits left', path: pkg(() => fx.emptyPackageId, '/refunds'), body: refundBody, status: 409, code: 'no_credits_left' },
      { name: 'more credits than are left', body: with_(refundBody, { credits: 6 }), status: 422, code: 'invalid_credits' },
      { name: 'amount above the credits’ value', body: with_(refundBody, { credits: 1, amount: 1_000_000 }), status: 422, code: 'invalid_amount' },
      { name: 'credits 0', body: with_(refundBody, { credits: 0 }), ...invalid },
      { name: 'credits negative', body: with_(refundBody, { credits: -1 }), ...invalid },
      { name: 'credits float', body: with_(refundBody, { credits: 1.5 }), ...invalid },
      { name: 'credits string', body: with_(refundBody, { credits: '1' }), ...invalid },
      { name: 'credits huge', body: with_(refundBody, { credits: 1e15 }), ...invalid },
      { name: 'amount negative', body: with_(refundBody, { amount: -100 }), ...invalid },
      { name: 'amount float', body: with_(refundBody, { amount: 10.5 }), ...invalid },
      { name: 'amount "NaN"', body: with_(refundBody, { amount: 'NaN' }), ...invalid },
      { name: 'amount huge', body: with_(refundBody, { amount: 2 ** 63 }), ...invalid },
      { name: 'amount as money object', body: with_(refundBody, { amount: { amount: 100, currency: 'USD' } }), ...invalid },
      ...badReasons(refundBody),
    ],
  },
  {
    name: 'POST /v1/session-types',
    method: 'post',
    path: () => '/v1/session-types',
    auth: asA,
    valid: sessionTypeBody,
    cases: [
      { name: 'non-member price in another currency', body: with_(sessionTypeBody, { nonMemberPrice: { amount: 100, currency: 'EUR' } }), status: 422, code: 'invalid_session_type' },
      { name: 'name missing', body: without(sessionTypeBody, 'name'), ...invalid },
      { name: 'name empty', body: with_(sessionTypeBody, { name: '' }), ...invalid },
      { name: 'name blank', body: with_(sessionTypeBody, { name: '  \t' }), ...invalid },
      { name: 'name null', body: with_(sessionTypeBody, { name: null }), ...invalid },
      { name: 'name a number', body: with_(sessionTypeBody, { name: 42 }), ...invalid },
      { name: 'name 10k chars', body: with_(sessionTypeBody, { name: TEN_K }), ...invalid },
      { name: 'name with a NUL character', body: with_(sessionTypeBody, { name: NUL }) },
      { name: 'description a number', body: with_(sessionTypeBody, { description: 5 }), ...invalid },
      { name: 'description 10k chars', body: with_(sessionTypeBody, { description: TEN_K }), ...invalid },
      { name: 'durationMinutes missing', body: without(sessionTypeBody, 'durationMinutes'), ...invalid },
      { name: 'durationMinutes 20 (not a listed duration)', body: with_(sessionTypeBody, { durationMinutes: 20 }), ...invalid },
      { name: 'durationMinutes 0', body: with_(sessionTypeBody, { durationMinutes: 0 }), ...invalid },
      { name: 'durationMinutes 135', body: with_(sessionTypeBody, { durationMinutes: 135 }), ...invalid },
      { name: 'durationMinutes 60.5', body: with_(sessionTypeBody, { durationMinutes: 60.5 }), ...invalid },
      { name: 'durationMinutes numeric string', body: with_(sessionTypeBody, { durationMinutes: '60' }), ...invalid },
      { name: 'durationMinutes null', body: with_(sessionTypeBody, { durationMinutes: null }), ...invalid },
      { name: 'capacity 0', body: with_(sessionTypeBody, { capacity: 0 }), ...invalid },
      { name: 'capacity negative', body: with_(sessionTypeBody, { capacity: -1 }), ...invalid },
      { name: 'capacity 501', body: with_(sessionTypeBody, { capacity: 501 }), ...invalid },
      { name: 'capacity 1.5', body: with_(sessionTypeBody, { capacity: 1.5 }), ...invalid },
      { name: 'capacity numeric string', body: with_(sessionTypeBody, { capacity: '2' }), ...invalid },
      { name: 'capacity null', body: with_(sessionTypeBody, { capacity: null }), ...invalid },
      { name: 'capacity beyond double range', raw: '{"name":"x","durationMinutes":60,"price":{"amount":1,"currency":"USD"},"capacity":1e400}', ...invalid },
      { name: 'price missing', body: without(sessionTypeBody, 'price'), ...invalid },
      { name: 'price null', body: with_(sessionTypeBody, { price: null }), ...invalid },
      { name: 'price a number', body: with_(sessionTypeBody, { price: 9000 }), ...invalid },
      { name: 'price.amount negative', body: with_(sessionTypeBody, { price: { amount: -1, currency: 'USD' } }), ...invalid },
      { name: 'price.amount float', body: with_(sessionTypeBody, { price: { amount: 90.5, currency: 'USD' } }), ...invalid },
      { name: 'price.currency lower case', body: with_(sessionTypeBody, { price: { amount: 1, currency: 'usd' } }), ...invalid },
      { name: 'price has an unknown field', body: with_(sessionTypeBody, { price: { amount: 1, currency: 'USD', tax: 19 } }), ...invalid },
      { name: 'nonMemberPrice a number', body: with_(sessionTypeBody, { nonMemberPrice: 100 }), ...invalid },
      { name: 'nonMemberPrice.amount negative', body: with_(sessionTypeBody, { nonMemberPrice: { amount: -1, currency: 'USD' } }), ...invalid },
      { name: 'nonMemberPrice.currency unknown', body: with_(sessionTypeBody, { nonMemberPrice: { amount: 1, currency: 'XYZ' } }), ...invalid },
      { name: 'location empty', body: with_(sessionTypeBody, { location: '' }), ...invalid },
      { name: 'location blank', body: with_(sessionTypeBody, { location: '   ' }), ...invalid },
      { name: 'location an object', body: with_(sessionTypeBody, { location: { room: 'A' } }), ...invalid },
      { name: 'bufferMinutes 7 (not a listed buffer)', body: with_(sessionTypeBody, { bufferMinutes: 7 }), ...invalid },
      { name: 'bufferMinutes negative', body: with_(sessionTypeBody, { bufferMinutes: -5 }), ...invalid },
      { name: 'bufferMinutes numeric string', body: with_(sessionTypeBody, { bufferMinutes: '15' }), ...invalid },
      { name: 'bufferMinutes null', body: with_(sessionTypeBody, { bufferMinutes: null }), ...invalid },
      { name: 'minLeadHours negative', body: with_(sessionTypeBody, { minLeadHours: -1 }), ...invalid },
      { name: 'minLeadHours over a year', body: with_(sessionTypeBody, { minLeadHours: 8761 }), ...invalid },
      { name: 'minLeadHours float', body: with_(sessionTypeBody, { minLeadHours: 1.5 }), ...invalid },
      { name: 'minLeadHours null', body: with_(sessionTypeBody, { minLeadHours: null }), ...invalid },
      { name: 'maxLeadDays 0', body: with_(sessionTypeBody, { maxLeadDays: 0 }), ...invalid },
      { name: 'maxLeadDays 731', body: with_(sessionTypeBody, { maxLeadDays: 731 }), ...invalid },
      { name: 'maxLeadDays a word', body: with_(sessionTypeBody, { maxLeadDays: 'never' }), ...invalid },
      { name: 'maxSessionsPerDay 0', body: with_(sessionTypeBody, { maxSessionsPerDay: 0 }), ...invalid },
      { name: 'maxSessionsPerDay 201', body: with_(sessionTypeBody, { maxSessionsPerDay: 201 }), ...invalid },
      { name: 'coverImageUrl ftp', body: with_(sessionTypeBody, { coverImageUrl: 'ftp://example.com/a.jpg' }), ...invalid },
      { name: 'coverImageUrl javascript:', body: with_(sessionTypeBody, { coverImageUrl: 'javascript:alert(1)' }), ...invalid },
      { name: 'coverImageUrl relative', body: with_(sessionTypeBody, { coverImageUrl: '/img/a.jpg' }), ...invalid },
      { name: 'coverImageUrl with spaces', body: with_(sessionTypeBody, { coverImageUrl: 'https://example.com/a b.jpg' }), ...invalid },
      { name: 'coverImageUrl empty', body: with_(sessionTypeBody, { coverImageUrl: '' }), ...invalid },
      { name: 'coverImageUrl 10k chars', body: with_(sessionTypeBody, { coverImageUrl: `https://example.com/${TEN_K}` }), ...invalid },
      { name: 'coverImageUrl a number', body: with_(sessionTypeBody, { coverImageUrl: 1 }), ...invalid },
      { name: 'status paused (create allows draft/active)', body: with_(sessionTypeBody, { status: 'paused' }), ...invalid },
      { name: 'status archived', body: with_(sessionTypeBody, { status: 'archived' }), ...invalid },
      { name: 'status unknown', body: with_(sessionTypeBody, { status: 'published' }), ...invalid },
      { name: 'status null', body: with_(sessionTypeBody, { status: null }), ...invalid },
      { name: 'unknown field sessionTypeId', body: with_(sessionTypeBody, { sessionTypeId: randomUUID() }), ...invalid },
      { name: 'unknown field durationHours', body: with_(sessionTypeBody, { durationHours: 1 }), ...invalid },
    ],
  },
  {
    name: 'PATCH /v1/session-types/:id',
    method: 'patch',
    path: () => `/v1/session-types/${fx.sessionTypeId}`,
    auth: asA,
    valid: () => ({ name: 'Renamed' }),
    cases: [
      { name: 'non-UUID session type id', path: () => '/v1/session-types/not-a-uuid', body: { name: 'x' }, status: 404, code: 'session_type_not_found' },
      { name: 'unknown session type id', path: () => `/v1/session-types/${randomUUID()}`, body: { name: 'x' }, status: 404, code: 'session_type_not_found' },
      { name: "another tenant's session type", path: () => `/v1/session-types/${fx.otherSessionTypeId}`, body: { name: 'x' }, status: 404, code: 'session_type_not_found' },
      { name: 'archived session type', path: () => `/v1/session-types/${fx.archivedSessionTypeId}`, body: { name: 'x' }, status: 409, code: 'session_type_archived' },
      { name: 'archived session type, status only', path: () => `/v1/session-types/${fx.archivedSessionTypeId}`, body: { status: 'active' }, status: 409, code: 'session_type_archived' },
      { name: 'status back to draft', body: { status: 'draft' }, status: 409, code: 'invalid_status_transition' },
      { name: 'non-member price in another currency', body: { nonMemberPrice: { amount: 100, currency: 'EUR' } }, status: 422, code: 'invalid_session_type' },
      { name: 'status unknown', body: { status: 'deleted' }, ...invalid },
      { name: 'status null', body: { status: null }, ...invalid },
      { name: 'name empty', body: { name: '' }, ...invalid },
      { name: 'name blank', body: { name: '   ' }, ...invalid },
      { name: 'name null', body: { name: null }, ...invalid },
      { name: 'durationMinutes 20', body: { durationMinutes: 20 }, ...invalid },
      { name: 'durationMinutes null', body: { durationMinutes: null }, ...invalid },
      { name: 'capacity 0', body: { capacity: 0 }, ...invalid },
      { name: 'capacity null', body: { capacity: null }, ...invalid },
      { name: 'price null', body: { price: null }, ...invalid },
      { name: 'price without currency', body: { price: { amount: 100 } }, ...invalid },
      { name: 'bufferMinutes 7', body: { bufferMinutes: 7 }, ...invalid },
      { name: 'minLeadHours null', body: { minLeadHours: null }, ...invalid },
      { name: 'maxLeadDays 0', body: { maxLeadDays: 0 }, ...invalid },
      { name: 'coverImageUrl not a URL', body: { coverImageUrl: 'not a url' }, ...invalid },
      { name: 'unknown field id', body: { id: randomUUID(), name: 'x' }, ...invalid },
      { name: 'unknown field createdAt', body: { createdAt: '2020-01-01T00:00:00Z' }, ...invalid },
    ],
  },
  {
    name: 'POST /v1/schedules',
    method: 'post',
    path: () => '/v1/schedules',
    auth: asA,
    valid: scheduleBody,
    cases: [
      ...badScheduleFields(scheduleBody),
      { name: 'host missing', body: without(scheduleBody, 'host'), ...invalid },
      { name: 'timezone missing', body: without(scheduleBody, 'timezone'), ...invalid },
      { name: 'unknown session type', body: () => ({ ...scheduleBody(), sessionTypeIds: [randomUUID()] }), status: 422, code: 'unknown_session_type' },
      { name: "another tenant's session type", body: () => ({ ...scheduleBody(), sessionTypeIds: [fx.otherSessionTypeId] }), status: 422, code: 'unknown_session_type' },
      { name: 'unknown field status', body: with_(scheduleBody, { status: 'active' }), ...invalid },
      { name: 'unknown field scheduleId', body: with_(scheduleBody, { scheduleId: randomUUID() }), ...invalid },
    ],
  },
  {
    name: 'PATCH /v1/schedules/:id',
    method: 'patch',
    path: () => `/v1/schedules/${fx.scheduleId}`,
    auth: asA,
    valid: () => ({ host: 'Coach Grace' }),
    cases: [
      { name: 'non-UUID schedule id', path: () => '/v1/schedules/not-a-uuid', body: { host: 'x' }, status: 404, code: 'schedule_not_found' },
      { name: 'unknown schedule id', path: () => `/v1/schedules/${randomUUID()}`, body: { host: 'x' }, status: 404, code: 'schedule_not_found' },
      { name: "another tenant's schedule", path: () => `/v1/schedules/${fx.otherScheduleId}`, body: { active: false }, status: 404, code: 'schedule_not_found' },
      { name: "another tenant's schedule, with session types", path: () => `/v1/schedules/${fx.otherScheduleId}`, body: () => ({ sessionTypeIds: [fx.sessionTypeId] }), status: 404, code: 'schedule_not_found' },
      { name: 'unknown session type', body: () => ({ sessionTypeIds: [fx.sessionTypeId, randomUUID()] }), status: 422, code: 'unknown_session_type' },
      { name: "another tenant's session type", body: () => ({ sessionTypeIds: [fx.otherSessionTypeId] }), status: 422, code: 'unknown_session_type' },
      { name: 'weeklyHours with no day', body: { weeklyHours: {} }, ...invalid },
      { name: 'host null', body: { host: null }, ...invalid },
      { name: 'timezone null', body: { timezone: null }, ...invalid },
      { name: 'active null', body: { active: null }, ...invalid },
      { name: 'overrides null', body: { overrides: null }, ...invalid },
      { name: 'sessionTypeIds null', body: { sessionTypeIds: null }, ...invalid },
      ...badScheduleFields(() => ({ host: 'Coach Grace' })),
    ],
  },
  {
    name: 'POST /v1/bookings',
    method: 'post',
    path: () => '/v1/bookings',
    auth: asA,
    valid: bookingBody,
    cases: [
      ...badIdField('clientId', bookingBody),
      ...badIdField('scheduleId', bookingBody),
      ...badIdField('sessionTypeId', bookingBody),
      ...badIdField('packageId', bookingBody, { optional: true }),
      ...badStarts(bookingBody),
      // Ids that are well-formed but not this tenant's: as unknown as a random one, never a hint they exist.
      // A body reference that names nothing is 422 unknown_<x> (issue 16; schedule, session type and package were 404 *_not_found).
      { name: 'unknown client', body: with_(bookingBody, { clientId: randomUUID() }), status: 422, code: 'unknown_client' },
      { name: "another tenant's client", body: () => ({ ...bookingBody(), clientId: fx.otherClientId }), status: 422, code: 'unknown_client' },
      { name: 'unknown schedule', body: with_(bookingBody, { scheduleId: randomUUID() }), status: 422, code: 'unknown_schedule' },
      { name: "another tenant's schedule", body: () => ({ ...bookingBody(), scheduleId: fx.otherBookingScheduleId }), status: 422, code: 'unknown_schedule' },
      {
        name: "another tenant's schedule and session type",
        body: () => ({ ...bookingBody(), scheduleId: fx.otherBookingScheduleId, sessionTypeId: fx.otherSessionTypeId }),
        status: 422,
        code: 'unknown_schedule',
      },
      { name: 'unknown session type', body: with_(bookingBody, { sessionTypeId: randomUUID() }), status: 422, code: 'unknown_session_type' },
      { name: "another tenant's session type", body: () => ({ ...bookingBody(), sessionTypeId: fx.otherSessionTypeId }), status: 422, code: 'unknown_session_type' },
      { name: 'unknown package', body: with_(bookingBody, { packageId: randomUUID() }), status: 422, code: 'unknown_package' },
      { name: "another tenant's package", body: () => ({ ...bookingBody(), packageId: fx.otherPackageId }), status: 422, code: 'unknown_package' },
      { name: "another client's package", body: () => ({ ...bookingBody(), clientId: fx.secondClientId }), status: 409, code: 'package_not_usable' },
      { name: 'a package with no credits left', body: () => ({ ...bookingBody(), packageId: fx.emptyPackageId }), status: 409, code: 'no_credits_left' },
      { name: 'no package named and none usable', body: () => ({ ...without(bookingBody, 'packageId')(), clientId: fx.secondClientId }), status: 409, code: 'no_usable_package' },
      // Instants that are well-formed but not bookable.
      { name: 'start half past (not on the slot grid)', body: () => ({ ...bookingBody(), start: shifted(fx.slotStart, 30 * 60_000) }), status: 409, code: 'slot_not_offered' },
      { name: 'start a second past the hour', body: () => ({ ...bookingBody(), start: shifted(fx.slotStart, 1000) }), status: 409, code: 'slot_not_offered' },
      { name: 'start a millisecond past the hour', body: () => ({ ...bookingBody(), start: shifted(fx.slotStart, 1) }), status: 409, code: 'slot_not_offered' },
      { name: 'start yesterday on the hour', body: () => ({ ...bookingBody(), start: shifted(fx.slotStart, -3 * DAY_MS) }), status: 409, code: 'too_late_to_book' },
      { name: 'start of a session that already started', body: () => ({ ...bookingBody(), start: fx.startedStart }), status: 409, code: 'too_late_to_book' },
      { name: 'start in the year 2000', body: with_(bookingBody, { start: '2000-01-01T10:00:00Z' }), status: 409, code: 'too_late_to_book' },
      { name: 'start already booked (capacity 1)', body: () => ({ ...bookingBody(), start: fx.bookedStart }), status: 409, code: 'slot_full' },
      { name: 'start after the package expires', body: () => ({ ...bookingBody(), start: shifted(fx.slotStart, 200 * DAY_MS) }), status: 409, code: 'session_after_expiry' },
      { name: 'a session type not on the schedule', body: () => ({ ...bookingBody(), sessionTypeId: fx.sessionTypeId }), status: 409 },
      { name: 'an archived session type', body: () => ({ ...bookingBody(), sessionTypeId: fx.archivedSessionTypeId }), status: 409, code: 'session_type_not_bookable' },
      { name: 'unknown field status', body: with_(bookingBody, { status: 'attended' }), ...invalid },
      { name: 'unknown field bookingId', body: with_(bookingBody, { bookingId: randomUUID() }), ...invalid },
      { name: 'unknown field offeringId', body: () => ({ ...bookingBody(), offeringId: fx.bookingOfferingId }), ...invalid },
      { name: 'unknown field end', body: () => ({ ...bookingBody(), end: shifted(fx.slotStart, HOUR_MS) }), ...invalid },
      { name: 'unknown field creditOutcome', body: with_(bookingBody, { creditOutcome: 'returned' }), ...invalid },
      { name: 'unknown field capacity', body: with_(bookingBody, { capacity: 100 }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/bookings/:id/cancellations',
    method: 'post',
    path: bkg(() => fx.bookingId, '/cancellations'),
    auth: asA,
    valid: cancelBody,
    emptyBodyIsValid: true,
    cases: [
      ...foreignBookingCases('/cancellations', cancelBody),
      { name: 'a cancelled booking', path: bkg(() => fx.cancelledBookingId, '/cancellations'), body: cancelBody, status: 409, code: 'booking_cancelled' },
      { name: 'an attended booking', path: bkg(() => fx.attendedBookingId, '/cancellations'), body: cancelBody, status: 409, code: 'attendance_already_marked' },
      { name: 'a session that has started', path: bkg(() => fx.startedBookingId, '/cancellations'), body: cancelBody, status: 409, code: 'session_already_started' },
      ...badOptionalReasons(cancelBody),
      { name: 'byBusiness "true"', body: with_(cancelBody, { byBusiness: 'true' }), ...invalid },
      { name: 'byBusiness 1', body: with_(cancelBody, { byBusiness: 1 }), ...invalid },
      { name: 'byBusiness 0', body: with_(cancelBody, { byBusiness: 0 }), ...invalid },
      { name: 'byBusiness "yes"', body: with_(cancelBody, { byBusiness: 'yes' }), ...invalid },
      { name: 'byBusiness an array', body: with_(cancelBody, { byBusiness: [true] }), ...invalid },
      { name: 'byBusiness an object', body: with_(cancelBody, { byBusiness: { value: true } }), ...invalid },
      { name: 'unknown field by', body: with_(cancelBody, { by: 'offering_deleted' }), ...invalid },
      { name: 'unknown field rule', body: with_(cancelBody, { rule: 'cancelled_by_business' }), ...invalid },
      { name: 'unknown field creditOutcome', body: with_(cancelBody, { creditOutcome: 'returned' }), ...invalid },
      { name: 'unknown field status', body: with_(cancelBody, { status: 'cancelled' }), ...invalid },
      { name: 'unknown field late', body: with_(cancelBody, { late: false }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/bookings/:id/reschedules',
    method: 'post',
    path: bkg(() => fx.bookingId, '/reschedules'),
    auth: asA,
    valid: rescheduleBody,
    cases: [
      ...foreignBookingCases('/reschedules', rescheduleBody),
      { name: 'a cancelled booking', path: bkg(() => fx.cancelledBookingId, '/reschedules'), body: rescheduleBody, status: 409, code: 'booking_cancelled' },
      { name: 'an attended booking', path: bkg(() => fx.attendedBookingId, '/reschedules'), body: rescheduleBody, status: 409, code: 'attendance_already_marked' },
      { name: 'a session that has started', path: bkg(() => fx.startedBookingId, '/reschedules'), body: rescheduleBody, status: 409, code: 'session_already_started' },
      { name: 'a session inside the notice window', path: bkg(() => fx.soonBookingId, '/reschedules'), body: rescheduleBody, status: 409, code: 'reschedule_too_late' },
      { name: 'the time it already has', body: () => ({ start: fx.bookedStart }), status: 409, code: 'same_time' },
      { name: 'the time it already has, in another offset', body: () => ({ start: `${shifted(fx.bookedStart, 2 * HOUR_MS).slice(0, 19)}+02:00` }), status: 409, code: 'same_time' },
      { name: 'a time already booked (capacity 1)', body: () => ({ start: fx.takenStart }), status: 409, code: 'slot_full' },
      { name: 'start half past (not on the slot grid)', body: () => ({ start: shifted(fx.slotStart, 30 * 60_000) }), status: 409, code: 'slot_not_offered' },
      { name: 'start yesterday on the hour', body: () => ({ start: shifted(fx.slotStart, -3 * DAY_MS) }), status: 409, code: 'too_late_to_book' },
      { name: 'start in the year 2000', body: { start: '2000-01-01T10:00:00Z' }, status: 409, code: 'too_late_to_book' },
      { name: 'start after the package expires', body: () => ({ start: shifted(fx.slotStart, 200 * DAY_MS) }), status: 409, code: 'session_after_expiry' },
      ...badStarts(rescheduleBody),
      ...badIdField('scheduleId', rescheduleBody, { optional: true }),
      // A body reference (issue 16: was 404 schedule_not_found).
      { name: 'unknown schedule', body: with_(rescheduleBody, { scheduleId: randomUUID() }), status: 422, code: 'unknown_schedule' },
      { name: "another tenant's schedule", body: () => ({ ...rescheduleBody(), scheduleId: fx.otherBookingScheduleId }), status: 422, code: 'unknown_schedule' },
      { name: 'a schedule the package does not book', body: () => ({ ...rescheduleBody(), scheduleId: fx.scheduleId }), status: 409, code: 'package_not_usable' },
      { name: 'unknown field sessionTypeId', body: () => ({ ...rescheduleBody(), sessionTypeId: fx.sessionTypeId }), ...invalid },
      { name: 'unknown field packageId', body: () => ({ ...rescheduleBody(), packageId: fx.packageId }), ...invalid },
      { name: 'unknown field clientId', body: () => ({ ...rescheduleBody(), clientId: fx.secondClientId }), ...invalid },
      { name: 'unknown field end', body: () => ({ ...rescheduleBody(), end: shifted(fx.slotStart, HOUR_MS) }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/bookings/:id/attendance',
    method: 'post',
    path: bkg(() => fx.startedBookingId, '/attendance'),
    auth: asA,
    valid: attendanceBody,
    cases: [
      ...foreignBookingCases('/attendance', attendanceBody),
      { name: 'a session that has not started', path: bkg(() => fx.bookingId, '/attendance'), body: attendanceBody, status: 409, code: 'session_not_started' },
      { name: 'attendance already marked', path: bkg(() => fx.attendedBookingId, '/attendance'), body: { attendance: 'no_show' }, status: 409, code: 'attendance_already_marked' },
      { name: 'a cancelled booking', path: bkg(() => fx.cancelledBookingId, '/attendance'), body: attendanceBody, status: 409, code: 'booking_cancelled' },
      { name: 'attendance missing', body: without(attendanceBody, 'attendance'), ...invalid },
      { name: 'attendance null', body: { attendance: null }, ...invalid },
      { name: 'attendance empty', body: { attendance: '' }, ...invalid },
      { name: 'attendance unknown', body: { attendance: 'present' }, ...invalid },
      { name: 'attendance in upper case', body: { attendance: 'ATTENDED' }, ...invalid },
      { name: 'attendance "no-show" (dash)', body: { attendance: 'no-show' }, ...invalid },
      { name: 'attendance a booking status', body: { attendance: 'cancelled' }, ...invalid },
      { name: 'attendance "booked"', body: { attendance: 'booked' }, ...invalid },
      { name: 'attendance true', body: { attendance: true }, ...invalid },
      { name: 'attendance 1', body: { attendance: 1 }, ...invalid },
      { name: 'attendance an array', body: { attendance: ['attended'] }, ...invalid },
      { name: 'attendance an object', body: { attendance: { value: 'attended' } }, ...invalid },
      { name: 'attendance 10k chars', body: { attendance: TEN_K }, ...invalid },
      { name: 'attendance with a NUL character', body: { attendance: 'attended\u0000' }, ...invalid },
      { name: 'unknown field creditOutcome', body: with_(attendanceBody, { creditOutcome: 'returned' }), ...invalid },
      { name: 'unknown field rule', body: with_(attendanceBody, { rule: 'no_show_returns' }), ...invalid },
      { name: 'unknown field note', body: with_(attendanceBody, { note: 'Came late' }), ...invalid },
      { name: 'unknown field at', body: with_(attendanceBody, { at: '2000-01-01T10:00:00Z' }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/offerings/:id/deletion',
    method: 'post',
    path: () => `/v1/offerings/${fx.deletableOfferingId}/deletion`,
    auth: asA,
    valid: deletionBody,
    emptyBodyIsValid: true,
    cases: [
      { name: 'non-UUID offering id', path: () => '/v1/offerings/not-a-uuid/deletion', body: deletionBody, status: 404, code: 'offering_not_found' },
      { name: 'unknown offering id', path: () => `/v1/offerings/${randomUUID()}/deletion`, body: deletionBody, status: 404, code: 'offering_not_found' },
      { name: "another tenant's offering", path: () => `/v1/offerings/${fx.otherOfferingId}/deletion`, body: deletionBody, status: 404, code: 'offering_not_found' },
      { name: "another tenant's offering, no body", path: () => `/v1/offerings/${fx.otherOfferingId}/deletion`, body: {}, status: 404, code: 'offering_not_found' },
      ...badOptionalReasons(deletionBody),
      { name: 'unknown field deleted', body: with_(deletionBody, { deleted: true }), ...invalid },
      { name: 'unknown field force', body: with_(deletionBody, { force: true }), ...invalid },
      { name: 'unknown field cancelBookings', body: with_(deletionBody, { cancelBookings: false }), ...invalid },
      { name: 'unknown field refund', body: with_(deletionBody, { refund: true }), ...invalid },
      { name: 'unknown field offeringId', body: () => ({ ...deletionBody(), offeringId: fx.otherOfferingId }), ...invalid },
    ],
  },
  {
    name: 'PATCH /v1/storefront-settings',
    method: 'patch',
    path: () => '/v1/storefront-settings',
    auth: asA,
    valid: () => ({ slug: 'studio-a' }),
    cases: [
      { name: "another business's slug", body: { slug: OTHER_STOREFRONT_SLUG }, status: 409, code: 'slug_taken' },
      ...(
        [
          ['upper case', 'Studio-A'],
          ['two characters', 'ab'],
          ['64 characters', 'a'.repeat(64)],
          ['10k characters', TEN_K],
          ['empty', ''],
          ['starting with a hyphen', '-studio'],
          ['ending with a hyphen', 'studio-'],
          ['with a space', 'studio a'],
          ['with a slash', 'studio/a'],
          ['with a dot', 'studio.a'],
          ['with an underscore', 'studio_a'],
          ['with an umlaut', 'stüdio'],
          ['path traversal', '../admin'],
          ['with a NUL character', 'studio\u0000a'],
          ['with a newline', 'studio-a\n'],
        ] as [string, string][]
      ).map(([label, slug]): Case => ({ name: `slug ${label}`, body: { slug }, ...invalid })),
      { name: 'slug a number', body: { slug: 42 }, ...invalid },
      { name: 'slug an array', body: { slug: ['studio-a'] }, ...invalid },
      { name: 'slug an object', body: { slug: { value: 'studio-a' } }, ...invalid },
      { name: 'unknown field tenantId with a slug', body: { slug: 'studio-a', tenantId: randomUUID() }, ...invalid },
      { name: 'unknown field published', body: { slug: 'studio-a', published: true }, ...invalid },
    ],
  },
  // Lifecycle messages (issue 13): settings, preferences and the template preview (templates themselves: test/e2e/messages.e2e-spec.ts).
  {
    name: 'PATCH /v1/message-settings',
    method: 'patch',
    path: () => '/v1/message-settings',
    auth: asA,
    valid: () => ({ expiryReminderDays: 7 }),
    emptyBodyIsValid: true,
    cases: [
      { name: 'expiryReminderDays 0', body: { expiryReminderDays: 0 }, ...invalid },
      { name: 'expiryReminderDays 91', body: { expiryReminderDays: 91 }, ...invalid },
      { name: 'expiryReminderDays 1.5', body: { expiryReminderDays: 1.5 }, ...invalid },
      { name: 'expiryReminderDays null', body: { expiryReminderDays: null }, ...invalid },
      { name: 'disabledKinds unknown kind', body: { disabledKinds: ['birthday'] }, ...invalid },
      { name: 'disabledKinds twice the same', body: { disabledKinds: ['booking_nudge', 'booking_nudge'] }, ...invalid },
      { name: 'disabledKinds a string', body: { disabledKinds: 'booking_nudge' }, ...invalid },
      { name: 'bookingUrl not a URL', body: { bookingUrl: 'javascript:alert(1)' }, ...invalid },
      { name: 'bookingUrl 10k chars', body: { bookingUrl: `https://x.example/${TEN_K}` }, ...invalid },
    ],
  },
  {
    name: 'PATCH /v1/clients/:id/message-preferences',
    method: 'patch',
    path: () => `/v1/clients/${fx.clientId}/message-preferences`,
    auth: asA,
    valid: () => ({ nudgesUnsubscribed: true }),
    cases: [
      { name: 'nudgesUnsubscribed missing', body: {}, ...invalid },
      { name: 'nudgesUnsubscribed a string', body: { nudgesUnsubscribed: 'yes' }, ...invalid },
      { name: 'nudgesUnsubscribed null', body: { nudgesUnsubscribed: null }, ...invalid },
      { name: 'unknown client', path: () => `/v1/clients/${randomUUID()}/message-preferences`, body: { nudgesUnsubscribed: true }, status: 404, code: 'client_not_found' },
      { name: "another tenant's client", path: () => `/v1/clients/${fx.otherClientId}/message-preferences`, body: { nudgesUnsubscribed: true }, status: 404, code: 'client_not_found' },
      { name: 'client id not a UUID', path: () => '/v1/clients/ada/message-preferences', body: { nudgesUnsubscribed: true }, status: 404, code: 'client_not_found' },
    ],
  },
  {
    name: 'POST /v1/message-templates/:kind/preview',
    method: 'post',
    path: () => '/v1/message-templates/booking_nudge/preview',
    auth: asA,
    valid: () => ({ subject: 'Hi {{client_name}}' }),
    emptyBodyIsValid: true,
    cases: [
      { name: 'unknown placeholder', body: { subject: 'Hi {{first_name}}' }, status: 422, code: 'invalid_template' },
      { name: 'invalid syntax', body: { html: '<p>{{client_name</p>' }, status: 422, code: 'invalid_template' },
      { name: 'triple braces', body: { html: '{{{client_name}}}' }, status: 422, code: 'invalid_template' },
      { name: 'a partial', body: { text: '{{> footer}}' }, status: 422, code: 'invalid_template' },
      { name: 'subject empty', body: { subject: '' }, ...invalid },
      { name: 'html 10k chars and more', body: { html: `${TEN_K}x` }, ...invalid },
      { name: 'packageId not a UUID', body: { packageId: 'p1' }, ...invalid },
      { name: 'unknown package', body: { packageId: randomUUID() }, status: 422, code: 'unknown_package' },
      { name: "another tenant's package", body: () => ({ packageId: fx.otherPackageId }), status: 422, code: 'unknown_package' },
      { name: 'unknown kind', path: () => '/v1/message-templates/birthday/preview', body: {}, status: 404, code: 'message_kind_not_found' },
    ],
  },
  // Card refunds (ADR 0022): every case is refused before Stripe is called (fx.packageId was paid in cash).
  {
    name: 'POST /v1/packages/:id/card-refunds',
    method: 'post',
    path: pkg(() => fx.packageId, '/card-refunds'),
    auth: asA,
    valid: refundBody,
    cases: [
      ...foreignPackageCases('/card-refunds', refundBody).map(withKey),
      withKey({ name: 'a package not paid by card', body: refundBody, status: 409, code: 'not_card_payment' }),
      { name: 'no Idempotency-Key', body: refundBody, status: 400, code: 'idempotency_key_required' },
      withKey({ name: 'amount 0 (Stripe moves money only)', body: with_(refundBody, { amount: 0 }), ...invalid }),
      withKey({ name: 'credits 0', body: with_(refundBody, { credits: 0 }), ...invalid }),
      withKey({ name: 'credits float', body: with_(refundBody, { credits: 1.5 }), ...invalid }),
      withKey({ name: 'credits string', body: with_(refundBody, { credits: '1' }), ...invalid }),
      withKey({ name: 'amount negative', body: with_(refundBody, { amount: -100 }), ...invalid }),
      withKey({ name: 'amount huge', body: with_(refundBody, { amount: 2 ** 63 }), ...invalid }),
      withKey({ name: 'unknown field paymentIntentId', body: with_(refundBody, { paymentIntentId: 'pi_1' }), ...invalid }),
      ...badReasons(refundBody).map(withKey),
    ],
  },
  // Payments (ADR 0020): the Stripe connection and checkouts. Every case is refused before Stripe is called.
  {
    name: 'POST /v1/payment-settings/stripe',
    method: 'post',
    path: () => '/v1/payment-settings/stripe',
    auth: asA,
    valid: stripeKeysBody,
    cases: [
      { name: 'secretKey missing', body: without(stripeKeysBody, 'secretKey'), ...invalid },
      { name: 'secretKey a publishable key', body: with_(stripeKeysBody, { secretKey: 'pk_test_51abcdefghijklmnop' }), ...invalid },
      { name: 'secretKey of no mode', body: with_(stripeKeysBody, { secretKey: 'sk_51abcdefghijklmnop' }), ...invalid },
      { name: 'secretKey with a space', body: with_(stripeKeysBody, { secretKey: 'sk_test_51abc defghijklmnop' }), ...invalid },
      { name: 'secretKey 10k chars', body: with_(stripeKeysBody, { secretKey: `sk_test_${TEN_K}` }), ...invalid },
      { name: 'secretKey a number', body: with_(stripeKeysBody, { secretKey: 42 }), ...invalid },
      { name: 'webhookSecret missing', body: without(stripeKeysBody, 'webhookSecret'), ...invalid },
      { name: 'webhookSecret not whsec_', body: with_(stripeKeysBody, { webhookSecret: 'sk_test_51abcdefghijklmnop' }), ...invalid },
      { name: 'webhookSecret empty', body: with_(stripeKeysBody, { webhookSecret: '' }), ...invalid },
      { name: 'unknown field accountId', body: with_(stripeKeysBody, { accountId: 'acct_1' }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/checkouts',
    method: 'post',
    path: () => '/v1/checkouts',
    auth: asA,
    valid: checkoutBody,
    cases: [
      { name: 'unknown client', body: with_(checkoutBody, { clientId: randomUUID() }), status: 422, code: 'unknown_client' },
      { name: "another tenant's client", body: () => ({ ...checkoutBody(), clientId: fx.otherClientId }), status: 422, code: 'unknown_client' },
      { name: 'unknown offering', body: with_(checkoutBody, { offeringId: randomUUID() }), status: 422, code: 'unknown_offering' },
      { name: "another tenant's offering", body: () => ({ ...checkoutBody(), offeringId: fx.otherOfferingId }), status: 422, code: 'unknown_offering' },
      { name: 'draft offering', body: () => ({ ...checkoutBody(), offeringId: fx.draftOfferingId }), status: 409, code: 'offering_not_active' },
      { name: 'archived offering', body: () => ({ ...checkoutBody(), offeringId: fx.archivedOfferingId }), status: 409, code: 'offering_not_active' },
      { name: 'offeringId missing', body: without(checkoutBody, 'offeringId'), ...invalid },
      { name: 'clientId not a UUID', body: with_(checkoutBody, { clientId: "1' OR '1'='1" }), ...invalid },
      { name: 'successUrl missing', body: without(checkoutBody, 'successUrl'), ...invalid },
      { name: 'successUrl javascript:', body: with_(checkoutBody, { successUrl: 'javascript:alert(1)' }), ...invalid },
      { name: 'successUrl relative', body: with_(checkoutBody, { successUrl: '/thanks' }), ...invalid },
      { name: 'successUrl 10k chars', body: with_(checkoutBody, { successUrl: `https://example.com/${TEN_K}` }), ...invalid },
      { name: 'cancelUrl ftp:', body: with_(checkoutBody, { cancelUrl: 'ftp://example.com/offers' }), ...invalid },
      { name: 'cancelUrl a number', body: with_(checkoutBody, { cancelUrl: 1 }), ...invalid },
      { name: 'unknown field price', body: with_(checkoutBody, { price: { amount: 1, currency: 'USD' } }), ...invalid },
    ],
  },
  {
    name: 'POST /v1/me/checkouts',
    method: 'post',
    path: () => '/v1/me/checkouts',
    auth: () => ({ Authorization: `Bearer ${fx.clientToken}` }),
    valid: myCheckoutBody,
    cases: [
      { name: 'unknown offering', body: with_(myCheckoutBody, { offeringId: randomUUID() }), status: 422, code: 'unknown_offering' },
      { name: "another tenant's offering", body: () => ({ ...myCheckoutBody(), offeringId: fx.otherOfferingId }), status: 422, code: 'unknown_offering' },
      { name: 'draft offering', body: () => ({ ...myCheckoutBody(), offeringId: fx.draftOfferingId }), status: 409, code: 'offering_not_active' },
      { name: 'buying for someone else (clientId)', body: () => ({ ...myCheckoutBody(), clientId: fx.secondClientId }), ...invalid },
      { name: 'successUrl data:', body: with_(myCheckoutBody, { successUrl: 'data:text/html,hi' }), ...invalid },
      { name: 'cancelUrl missing', body: without(myCheckoutBody, 'cancelUrl'), ...invalid },
    ],
  },
  // Outbound webhooks (ADR 0024): the URL's form is validation (400), the SSRF policy is 422.
  {
    name: 'POST /v1/webhook-endpoints',
    method: 'post',
    path: () => '/v1/webhook-endpoints',
    auth: asA,
    valid: endpointBody,
    cases: [
      ...endpointCases(endpointBody),
      { name: 'url missing', body: without(endpointBody, 'url'), ...invalid },
      { name: 'events missing', body: without(endpointBody, 'events'), ...invalid },
      { name: 'secret chosen by the caller', body: with_(endpointBody, { secret: 'whsec_mine' }), ...invalid },
      { name: 'enabled null', body: with_(endpointBody, { enabled: null }), ...invalid },
    ],
  },
  {
    name: 'PATCH /v1/webhook-endpoints/:id',
    method: 'patch',
    path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}`,
    auth: asA,
    valid: endpointBody,
    cases: [
      ...endpointCases(endpointBody),
      { name: 'url null', body: with_(endpointBody, { url: null }), ...invalid },
      { name: 'events null', body: with_(endpointBody, { events: null }), ...invalid },
      { name: 'non-UUID endpoint id', path: () => '/v1/webhook-endpoints/not-a-uuid', body: endpointBody, status: 404, code: 'webhook_endpoint_not_found' },
      { name: 'unknown endpoint id', path: () => `/v1/webhook-endpoints/${randomUUID()}`, body: endpointBody, status: 404, code: 'webhook_endpoint_not_found' },
      { name: "another tenant's endpoint", path: () => `/v1/webhook-endpoints/${fx.otherWebhookEndpointId}`, body: endpointBody, status: 404, code: 'webhook_endpoint_not_found' },
    ],
  },
];

/** Bad fields of a webhook endpoint body (create and update). */
function endpointCases(valid: () => Record<string, unknown>): Case[] {
  const refused = (code: string) => ({ status: 422, code });
  return [
    { name: 'url http: (not allowed by default)', body: with_(valid, { url: 'http://93.184.215.14/hooks' }), ...refused('webhook_url_not_allowed') },
    { name: 'url with credentials', body: with_(valid, { url: 'https://user:secret@93.184.215.14/hooks' }), ...refused('webhook_url_not_allowed') },
    { name: 'url loopback', body: with_(valid, { url: 'https://127.0.0.1/hooks' }), ...refused('webhook_address_not_allowed') },
    { name: 'url private', body: with_(valid, { url: 'https://10.1.2.3/hooks' }), ...refused('webhook_address_not_allowed') },
    { name: 'url link-local (metadata service)', body: with_(valid, { url: 'https://169.254.169.254/latest' }), ...refused('webhook_address_not_allowed') },
    { name: 'url IPv6 loopback', body: with_(valid, { url: 'https://[::1]/hooks' }), ...refused('webhook_address_not_allowed') },
    { name: 'url localhost (resolves to loopback)', body: with_(valid, { url: 'https://localhost/hooks' }), ...refused('webhook_address_not_allowed') },
    { name: 'url ftp:', body: with_(valid, { url: 'ftp://93.184.215.14/hooks' }), ...invalid },
    { name: 'url javascript:', body: with_(valid, { url: 'javascript:alert(1)' }), ...invalid },
    { name: 'url relative', body: with_(valid, { url: '/hooks' }), ...invalid },
    { name: 'url empty', body: with_(valid, { url: '' }), ...invalid },
    { name: 'url 10k chars', body: with_(valid, { url: `https://example.com/${TEN_K}` }), ...invalid },
    { name: 'url a number', body: with_(valid, { url: 42 }), ...invalid },
    { name: 'events empty', body: with_(valid, { events: [] }), ...invalid },
    { name: 'events unknown kind', body: with_(valid, { events: ['package.stolen'] }), ...invalid },
    { name: 'events a string', body: with_(valid, { events: 'package.purchased' }), ...invalid },
    { name: 'events too many', body: with_(valid, { events: Array(7).fill('package.purchased') }), ...invalid }, // one more than the 6 kinds
    { name: 'events an internal event type', body: with_(valid, { events: ['PackagePurchased'] }), ...invalid },
    { name: 'description 10k chars', body: with_(valid, { description: TEN_K }), ...invalid },
    { name: 'description a number', body: with_(valid, { description: 7 }), ...invalid },
    { name: 'enabled a string', body: with_(valid, { enabled: 'yes' }), ...invalid },
  ];
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Everything a bad request must leave untouched. */
async function fingerprint() {
  const { rows } = await t.db.pool.query(
    `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM clients) AS clients, (SELECT count(*)::int FROM tenants) AS tenants,
       (SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY s::text), '')) FROM storefronts s) AS storefronts,
       (SELECT md5(coalesce(string_agg(m::text, ',' ORDER BY m::text), '')) FROM message_settings m) AS message_settings,
       (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY p::text), '')) FROM message_preferences p) AS message_preferences,
       (SELECT md5(coalesce(string_agg(w::text, ',' ORDER BY w::text), '')) FROM webhook_endpoints w) AS webhook_endpoints`,
  );
  return rows[0] as { events: number; clients: number; tenants: number; storefronts: string; message_settings: string; message_preferences: string; webhook_endpoints: string };
}

async function clientIds(session: TenantSession): Promise<string[]> {
  const res = await t.http.get('/v1/clients?limit=100').set(session.auth).expect(200);
  return res.body.items.map((c: { id: string }) => c.id);
}

function send(method: 'get' | 'post' | 'patch', path: string, auth: Record<string, string>, c: Omit<Case, 'name'> = {}) {
  const req = t.http[method](path).set(auth);
  for (const [name, v] of Object.entries(c.headers ?? {})) req.set(name, v);
  const payload = c.raw !== undefined ? value(c.raw) : c.body === undefined ? undefined : JSON.stringify(value(c.body));
  if (payload === undefined) return req;
  return req.set('Content-Type', c.type ?? 'application/json').send(payload);
}

/** A 4xx problem+json with a string code and detail (and the exact status/code where given). */
function expectProblem(res: Response, expected: { status?: number; code?: string } = {}) {
  const body = parseBody(res);
  const is4xx = res.status >= 400 && res.status < 500;
  expect({ status: res.status, contentType: res.headers['content-type'], code: body?.code, detail: body?.detail }).toEqual({
    status: expected.status ?? (is4xx ? res.status : '4xx'),
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code: expected.code ?? expect.any(String),
    detail: expect.any(String),
  });
}

function parseBody(res: Response): any {
  if (res.body && typeof res.body === 'object' && Object.keys(res.body).length) return res.body;
  try {
    return JSON.parse(res.text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Setup

let baseline: { events: number; clients: number; tenants: number; clientsOfA: string[]; clientsOfB: string[] };

beforeAll(async () => {
  t = await createTestApp();
  a = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
  b = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
  const created = await t.http.post('/v1/clients').set(a.auth).send({ name: 'Ada Lovelace', email: fx.clientEmail }).expect(201);
  fx.clientId = created.body.id;
  await t.http.patch('/v1/storefront-settings').set(b.auth).send({ slug: OTHER_STOREFRONT_SLUG }).expect(200);
  fx.offeringId = await a.createOffering();
  fx.draftOfferingId = await a.createOffering({ name: 'Draft', status: 'draft' });
  fx.archivedOfferingId = await a.createOffering({ name: 'Retired' });
  await t.http.patch(`/v1/offerings/${fx.archivedOfferingId}`).set(a.auth).send({ status: 'archived' }).expect(200);
  const single = await a.createOffering({ name: 'Single session', sessionCount: 1 });

  fx.packageId = (await a.sellPackage(fx.offeringId, fx.clientId)).id;
  const redeem = (packageId: string) => t.http.post(`/v1/packages/${packageId}/redemptions`).set(a.auth).send({}).expect(201);
  fx.redemptionId = (await redeem(fx.packageId)).body.redemptionId;
  fx.reversedRedemptionId = (await redeem(fx.packageId)).body.redemptionId;
  await t.http
    .post(`/v1/packages/${fx.packageId}/redemptions/${fx.reversedRedemptionId}/reversals`)
    .set(a.auth)
    .send({ reason: 'Deducted twice' })
    .expect(201);
  fx.emptyPackageId = (await a.sellPackage(single, fx.clientId)).id;
  await redeem(fx.emptyPackageId);

  fx.secondClientId = await a.createClient('Grace Hopper');
  fx.otherClientId = await b.createClient();
  fx.otherOfferingId = await b.createOffering({ price: { amount: 100, currency: 'EUR' } });
  fx.otherPackageId = (await b.sellPackage(fx.otherOfferingId, fx.otherClientId)).id;

  const sessionType = async (session: TenantSession, currency: string) =>
    (await t.http.post('/v1/session-types').set(session.auth).send({ ...sessionTypeBody(), price: { amount: 9000, currency } }).expect(201)).body.id;
  fx.sessionTypeId = await sessionType(a, 'USD');
  fx.archivedSessionTypeId = await sessionType(a, 'USD');
  await t.http.patch(`/v1/session-types/${fx.archivedSessionTypeId}`).set(a.auth).send({ status: 'archived' }).expect(200);
  fx.otherSessionTypeId = await sessionType(b, 'EUR');
  fx.scheduleId = (await t.http.post('/v1/schedules').set(a.auth).send(scheduleBody()).expect(201)).body.id;
  fx.otherScheduleId = (await t.http.post('/v1/schedules').set(b.auth).send({ host: 'Bea', timezone: 'Europe/Berlin' }).expect(201)).body.id;

  // Bookings. Every hour of every day is a slot on these schedules (60-minute sessions, no buffer, no lead time).
  fx.bookingSessionTypeId = await sessionType(a, 'USD');
  fx.bookingScheduleId = (await t.http.post('/v1/schedules').set(a.auth).send(allDayUtcSchedule([fx.bookingSessionTypeId])).expect(201)).body.id;
  fx.bookingOfferingId = await a.createOffering({ name: 'Bookable', sessionCount: 10, scheduleId: fx.bookingScheduleId, sessionTypeIds: [fx.bookingSessionTypeId] });
  fx.bookingPackageId = (await a.sellPackage(fx.bookingOfferingId, fx.clientId)).id;
  const book = async (session: TenantSession, body: Record<string, unknown>) => (await t.http.post('/v1/bookings').set(session.auth).send(body).expect(201)).body;
  const bookHere = (start: string) => book(a, { ...bookingBody(), start });
  /** The first whole hour at least `ms` from the test clock's now, as a UTC instant. */
  const hourAfter = (ms: number) => new Date(Math.ceil((t.clock.now().getTime() + ms) / HOUR_MS) * HOUR_MS).toISOString();

  // Two sessions in the next hours; then the clock moves past both: one is marked attended, one stays booked.
  const attendedStart = hourAfter(1000);
  fx.attendedBookingId = (await bookHere(attendedStart)).id;
  fx.startedStart = shifted(attendedStart, HOUR_MS);
  fx.startedBookingId = (await bookHere(fx.startedStart)).id;
  t.clock.advance(Date.parse(fx.startedStart) + 5 * 60_000 - t.clock.now().getTime());
  await t.http.post(`/v1/bookings/${fx.attendedBookingId}/attendance`).set(a.auth).send({ attendance: 'attended' }).expect(201);

  fx.soonBookingId = (await bookHere(hourAfter(2 * HOUR_MS))).id;

  // Upcoming: booked, free, booked, cancelled (from 2 days ahead, on the hour).
  fx.bookedStart = hourAfter(2 * DAY_MS);
  fx.slotStart = shifted(fx.bookedStart, HOUR_MS);
  fx.takenStart = shifted(fx.bookedStart, 2 * HOUR_MS);
  const booked = await bookHere(fx.bookedStart);
  fx.bookingId = booked.id;
  fx.bookedStart = booked.start; // as the API writes it (the "same time" cases send it back)
  fx.secondBookingId = (await bookHere(fx.takenStart)).id;
  fx.cancelledBookingId = (await bookHere(shifted(fx.bookedStart, 3 * HOUR_MS))).id;
  await t.http.post(`/v1/bookings/${fx.cancelledBookingId}/cancellations`).set(a.auth).send({ reason: 'Changed plans' }).expect(201);
  fx.deletableOfferingId = await a.createOffering({ name: 'To be deleted' });
  // Connected to Stripe (the keys are only stored: every checkout case is refused before Stripe is called).
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(stripeKeysBody()).expect(200);
  fx.clientToken = (await t.http.post(`/v1/clients/${fx.clientId}/tokens`).set(a.auth).send({}).expect(201)).body.token;

  // Tenant b books on its own schedule.
  fx.otherBookingScheduleId = (await t.http.post('/v1/schedules').set(b.auth).send(allDayUtcSchedule([fx.otherSessionTypeId])).expect(201)).body.id;
  const otherOffering = await b.createOffering({ price: { amount: 100, currency: 'EUR' }, scheduleId: fx.otherBookingScheduleId, sessionTypeIds: [fx.otherSessionTypeId] });
  const otherPackage = (await b.sellPackage(otherOffering, fx.otherClientId)).id;
  fx.otherBookingId = (
    await book(b, { clientId: fx.otherClientId, scheduleId: fx.otherBookingScheduleId, sessionTypeId: fx.otherSessionTypeId, start: fx.slotStart, packageId: otherPackage })
  ).id;

  fx.webhookEndpointId = (await t.http.post('/v1/webhook-endpoints').set(a.auth).send(endpointBody()).expect(201)).body.id;
  fx.otherWebhookEndpointId = (await t.http.post('/v1/webhook-endpoints').set(b.auth).send(endpointBody()).expect(201)).body.id;

  baseline = { ...(await fingerprint()), clientsOfA: await clientIds(a), clientsOfB: await clientIds(b) };
});

afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// Write endpoints

describe.each(endpoints)('$name refuses bad input', (endpoint) => {
  it.each([...endpoint.cases, ...commonCases(endpoint)])('$name', async (c) => {
    const before = await fingerprint();
    const res = await send(endpoint.method, c.path ? c.path() : endpoint.path(), endpoint.auth(), c);
    expectProblem(res, c);
    expect(await fingerprint()).toEqual(before);
  });
});

describe('the whole table changed nothing', () => {
  it('no event was appended', async () => {
    expect(await t.eventCount()).toBe(baseline.events);
  });

  it('no client was created, in either tenant', async () => {
    expect(await clientIds(a)).toEqual(baseline.clientsOfA);
    expect(await clientIds(b)).toEqual(baseline.clientsOfB);
    expect((await fingerprint()).clients).toBe(baseline.clients);
  });

  it('no tenant was created', async () => {
    expect((await fingerprint()).tenants).toBe(baseline.tenants);
  });

  it('no client was changed (PATCH /v1/clients/:id)', async () => {
    const client = await t.http.get(`/v1/clients/${fx.clientId}`).set(a.auth).expect(200);
    expect(client.body).toMatchObject({ name: 'Ada Lovelace', email: fx.clientEmail, timezone: null, groups: [] });
    const second = await t.http.get(`/v1/clients/${fx.secondClientId}`).set(a.auth).expect(200);
    expect(second.body).toMatchObject({ name: 'Grace Hopper', groups: [] });
  });

  it('the package still has its credits (5 of 6: one redeemed, one redeemed and reversed)', async () => {
    const ledger = await t.http.get(`/v1/packages/${fx.packageId}/ledger`).set(a.auth).expect(200);
    expect(ledger.body.balance).toBe(5);
  });

  it('every fixture booking is as it was, in both tenants', async () => {
    const get = async (session: TenantSession, id: string) => (await t.http.get(`/v1/bookings/${id}`).set(session.auth).expect(200)).body;
    expect(await get(a, fx.bookingId)).toMatchObject({ status: 'booked', start: fx.bookedStart, scheduleId: fx.bookingScheduleId, previousStarts: [] });
    expect(await get(a, fx.secondBookingId)).toMatchObject({ status: 'booked', start: fx.takenStart });
    expect(await get(a, fx.startedBookingId)).toMatchObject({ status: 'booked', start: fx.startedStart, creditOutcome: null });
    expect(await get(a, fx.attendedBookingId)).toMatchObject({ status: 'attended', creditOutcome: 'used', rule: 'attended' });
    expect(await get(a, fx.cancelledBookingId)).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', rule: 'cancelled_within_notice' });
    expect(await get(b, fx.otherBookingId)).toMatchObject({ status: 'booked', start: fx.slotStart });
    expect(await get(a, fx.soonBookingId)).toMatchObject({ status: 'booked', previousStarts: [] });
    // 10 credits; five bookings hold one each (the cancelled one returned its credit).
    const pkg = await t.http.get(`/v1/packages/${fx.bookingPackageId}`).set(a.auth).expect(200);
    expect(pkg.body).toMatchObject({ creditsTotal: 10, creditsUsed: 5, creditsRemaining: 5 });
    const list = await t.http.get('/v1/bookings').query({ packageId: fx.bookingPackageId, limit: 100 }).set(a.auth).expect(200);
    expect(list.body.items).toHaveLength(6);
  });

  it('the offering under the deletion table was not deleted', async () => {
    const offering = await t.http.get(`/v1/offerings/${fx.deletableOfferingId}`).set(a.auth).expect(200);
    expect(offering.body.deleted).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Queries

interface QueryCase {
  name: string;
  path: () => string;
  status?: number;
  code?: string;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
/** A valid slot search: four weeks from the fixture booking's date. */
const slotRange = () => ({ from: fx.bookedStart.slice(0, 10), to: new Date(Date.parse(fx.bookedStart) + 28 * DAY_MS).toISOString().slice(0, 10) });
/** Bad from/to/timezone on a slot search (`base` is the path without the query). */
function slotQueryCases(label: string, base: () => string): QueryCase[] {
  const withRange = (changes: Record<string, string>) => () => `${base()}?${q({ ...slotRange(), ...changes })}`;
  const dayAfter = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  const cases: QueryCase[] = [
    { name: 'from and to missing', path: () => base(), ...invalid },
    { name: 'from missing', path: () => `${base()}?${q({ to: slotRange().to })}`, ...invalid },
    { name: 'to missing', path: () => `${base()}?${q({ from: slotRange().from })}`, ...invalid },
    { name: 'to before from', path: () => `${base()}?${q({ from: slotRange().to, to: slotRange().from })}`, ...invalid },
    { name: 'to the day before from', path: () => `${base()}?${q({ from: slotRange().from, to: dayAfter(slotRange().from, -1) })}`, ...invalid },
    { name: 'range of 63 days', path: () => `${base()}?${q({ from: slotRange().from, to: dayAfter(slotRange().from, 63) })}`, ...invalid },
    { name: 'range of ten years', path: () => `${base()}?${q({ from: '2026-01-01', to: '2036-01-01' })}`, ...invalid },
    { name: 'timezone unknown', path: withRange({ timezone: 'Mars/Olympus_Mons' }), ...invalid },
    { name: 'timezone "local"', path: withRange({ timezone: 'local' }), ...invalid },
    { name: 'timezone an offset', path: withRange({ timezone: 'UTC+2' }), ...invalid },
    { name: 'timezone empty', path: withRange({ timezone: '' }), ...invalid },
    { name: 'timezone 10k chars', path: withRange({ timezone: TEN_K }), ...invalid },
    { name: 'timezone given twice', path: () => `${withRange({ timezone: 'UTC' })()}&timezone=Europe%2FBerlin`, ...invalid },
    { name: 'unknown query parameter', path: withRange({ capacity: '2' }), ...invalid },
    { name: 'unknown query parameter tenantId', path: () => withRange({ tenantId: b.tenantId })(), ...invalid },
    { name: 'after=abc', path: withRange({ after: 'abc' }), ...invalid },
    { name: 'from given twice', path: () => `${withRange({})()}&from=${slotRange().from}`, ...invalid },
  ];
  for (const field of ['from', 'to']) {
    for (const [name, v] of [
      ['February 30', '2027-02-30'],
      ['month 13', '2027-13-01'],
      ['a word', 'tomorrow'],
      ['not a date', 'not a date'],
      ['an instant', '2027-01-01T00:00:00Z'],
      ['a locale format', '01/02/2027'],
      ['without dashes', '20270101'],
      ['empty', ''],
      ['with a NUL character', '2027-01-01\u0000'],
      ['10k chars', TEN_K],
    ]) {
      cases.push({ name: `${field} ${name}`, path: withRange({ [field]: v }), ...invalid });
    }
  }
  return cases.map((c) => ({ ...c, name: `${label} ${c.name}` }));
}
const ledgerOf = (params: Record<string, string>) => () => `/v1/packages/${fx.packageId}/ledger?${q(params)}`;
const pageQueryCases = (base: string): QueryCase[] => [
  { name: 'limit=0', path: () => `${base}?limit=0`, ...invalid },
  { name: 'limit=101', path: () => `${base}?limit=101`, ...invalid },
  { name: 'limit=-1', path: () => `${base}?limit=-1`, ...invalid },
  { name: 'limit=abc', path: () => `${base}?limit=abc`, ...invalid },
  { name: 'limit=1.5', path: () => `${base}?limit=1.5`, ...invalid },
  { name: 'limit empty', path: () => `${base}?limit=`, ...invalid },
  { name: 'limit=1e3', path: () => `${base}?limit=1e3`, ...invalid },
  { name: 'limit given twice', path: () => `${base}?limit=1&limit=2`, ...invalid },
  { name: 'unknown query parameter', path: () => `${base}?foo=bar`, ...invalid },
  { name: 'unknown query parameter tenantId', path: () => `${base}?tenantId=${b.tenantId}`, ...invalid },
  { name: 'cursor not a UUID', path: () => `${base}?cursor=not-a-cursor`, ...invalid },
  { name: 'cursor empty', path: () => `${base}?cursor=`, ...invalid },
];

const deliveriesOf = (params: Record<string, string>) => () => `/v1/webhook-endpoints/${fx.webhookEndpointId}/deliveries?${q(params)}`;
const queryCases: QueryCase[] = [
  { name: 'GET /v1/messages status unknown', path: () => '/v1/messages?status=lost', ...invalid },
  { name: 'GET /v1/messages kind unknown', path: () => '/v1/messages?kind=birthday', ...invalid },
  { name: 'GET /v1/messages clientId not a UUID', path: () => '/v1/messages?clientId=ada', ...invalid },
  { name: 'GET /v1/messages packageId not a UUID', path: () => '/v1/messages?packageId=1', ...invalid },
  { name: 'GET /v1/messages cursor not one of ours', path: () => '/v1/messages?cursor=abc', status: 400, code: 'invalid_cursor' },
  // Date.parse takes "2020-02-30"; the database's cast does not (it was a 500).
  { name: 'GET /v1/messages cursor naming a date that does not exist', path: () => `/v1/messages?cursor=${Buffer.from(JSON.stringify(['2020-02-30', 'x'])).toString('base64url')}`, status: 400, code: 'invalid_cursor' },
  { name: 'GET /v1/messages cursor with odd characters', path: () => '/v1/messages?cursor=%27%20OR%201', ...invalid },
  { name: 'GET /v1/messages limit 0', path: () => '/v1/messages?limit=0', ...invalid },
  { name: 'GET /v1/messages/:id unknown', path: () => '/v1/messages/booking_nudge:nothing', status: 404, code: 'message_not_found' },
  { name: 'GET /v1/unsubscribe forged token', path: () => `/v1/unsubscribe?token=${fx.clientId}.${fx.clientId}.forged-signature`, status: 404, code: 'unsubscribe_link_invalid' },
  { name: 'GET /v1/unsubscribe no token', path: () => '/v1/unsubscribe', ...invalid },
  ...pageQueryCases('/v1/webhook-endpoints/ENDPOINT/deliveries').map((c) => ({ ...c, path: () => c.path().replace('ENDPOINT', fx.webhookEndpointId), name: `GET /v1/webhook-endpoints/:id/deliveries ${c.name}` })),
  { name: 'GET /v1/webhook-endpoints/:id/deliveries status unknown', path: deliveriesOf({ status: 'lost' }), ...invalid },
  { name: 'GET /v1/webhook-endpoints/:id/deliveries cursor not a UUID', path: deliveriesOf({ cursor: 'abc' }), ...invalid },
  { name: 'GET /v1/webhook-endpoints/:id/deliveries unknown parameter', path: deliveriesOf({ eventType: 'x' }), ...invalid },
  { name: 'GET /v1/webhook-endpoints/:id/deliveries non-UUID endpoint', path: () => '/v1/webhook-endpoints/nope/deliveries', status: 404, code: 'webhook_endpoint_not_found' },
  { name: "GET /v1/webhook-endpoints/:id/deliveries another tenant's endpoint", path: () => `/v1/webhook-endpoints/${fx.otherWebhookEndpointId}/deliveries`, status: 404, code: 'webhook_endpoint_not_found' },
  { name: 'GET /v1/webhook-endpoints/:id/deliveries/:deliveryId unknown delivery', path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}/deliveries/${randomUUID()}`, status: 404, code: 'webhook_delivery_not_found' },
  { name: 'GET /v1/webhook-endpoints/:id/deliveries/:deliveryId non-UUID delivery', path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}/deliveries/1%27`, status: 404, code: 'webhook_delivery_not_found' },
  ...pageQueryCases('/v1/packages').map((c) => ({ ...c, name: `GET /v1/packages ${c.name}` })),
  { name: 'GET /v1/packages status unknown', path: () => '/v1/packages?status=gone', ...invalid },
  { name: 'GET /v1/packages clientId not a UUID', path: () => '/v1/packages?clientId=ada', ...invalid },
  { name: 'GET /v1/packages offeringId not a UUID', path: () => '/v1/packages?offeringId=1', ...invalid },
  { name: 'GET /v1/packages q empty', path: () => '/v1/packages?q=', ...invalid },
  { name: 'GET /v1/packages q 101 chars', path: () => `/v1/packages?q=${'x'.repeat(101)}`, ...invalid },
  { name: 'GET /v1/packages q given twice', path: () => '/v1/packages?q=a&q=b', ...invalid },
  { name: 'GET /v1/packages after=abc', path: () => '/v1/packages?after=abc', ...invalid },
  { name: 'GET /v1/packages after=1-2-3', path: () => '/v1/packages?after=1-2-3', ...invalid },
  { name: 'GET /v1/packages after=-1-1', path: () => '/v1/packages?after=-1-1', ...invalid },
  { name: 'GET /v1/packages after with 21 digits', path: () => `/v1/packages?after=${'9'.repeat(21)}-1`, ...invalid },
  { name: 'GET /v1/packages after given twice', path: () => '/v1/packages?after=1-1&after=1-2', ...invalid },
  ...pageQueryCases('/v1/offerings').map((c) => ({ ...c, name: `GET /v1/offerings ${c.name}` })),
  { name: 'GET /v1/offerings status unknown', path: () => '/v1/offerings?status=live', ...invalid },
  { name: 'GET /v1/offerings after=abc', path: () => '/v1/offerings?after=abc', ...invalid },
  { name: 'GET /v1/offerings includeDeleted=yes', path: () => '/v1/offerings?includeDeleted=yes', ...invalid },
  { name: 'GET /v1/offerings includeDeleted=1', path: () => '/v1/offerings?includeDeleted=1', ...invalid },
  { name: 'GET /v1/offerings includeDeleted empty', path: () => '/v1/offerings?includeDeleted=', ...invalid },
  { name: 'GET /v1/offerings includeDeleted given twice', path: () => '/v1/offerings?includeDeleted=true&includeDeleted=false', ...invalid },
  ...pageQueryCases('/v1/clients').map((c) => ({ ...c, name: `GET /v1/clients ${c.name}` })),
  { name: 'GET /v1/clients q empty', path: () => '/v1/clients?q=', ...invalid },
  { name: 'GET /v1/clients q 101 chars', path: () => `/v1/clients?q=${'x'.repeat(101)}`, ...invalid },
  { name: 'GET /v1/packages/:id non-UUID id', path: () => '/v1/packages/not-a-uuid', status: 404, code: 'package_not_found' },
  { name: 'GET /v1/packages/:id unknown id', path: () => `/v1/packages/${randomUUID()}`, status: 404, code: 'package_not_found' },
  { name: 'GET /v1/packages/:id after=abc', path: () => `/v1/packages/${fx.packageId}?after=abc`, ...invalid },
  { name: 'GET /v1/packages/:id unknown query parameter', path: () => `/v1/packages/${fx.packageId}?expand=all`, ...invalid },
  { name: 'GET ledger non-UUID package id', path: () => '/v1/packages/123/ledger', status: 404, code: 'package_not_found' },
  { name: 'GET ledger unknown package id', path: () => `/v1/packages/${randomUUID()}/ledger`, status: 404, code: 'package_not_found' },
  { name: 'GET ledger asOf month 13', path: ledgerOf({ asOf: '2026-13-01T00:00:00Z' }), ...invalid },
  { name: 'GET ledger asOf tomorrow', path: ledgerOf({ asOf: 'tomorrow' }), ...invalid },
  { name: 'GET ledger asOf a date without time', path: ledgerOf({ asOf: '2026-01-01' }), ...invalid },
  { name: 'GET ledger asOf without offset', path: ledgerOf({ asOf: '2026-01-01T10:00:00' }), ...invalid },
  { name: 'GET ledger asOf epoch seconds', path: ledgerOf({ asOf: '1767225600' }), ...invalid },
  { name: 'GET ledger asOf empty', path: ledgerOf({ asOf: '' }), ...invalid },
  { name: 'GET ledger cursor malformed', path: ledgerOf({ cursor: 'abc' }), ...invalid },
  { name: 'GET ledger limit=0', path: ledgerOf({ limit: '0' }), ...invalid },
  { name: 'GET ledger limit=101', path: ledgerOf({ limit: '101' }), ...invalid },
  { name: 'GET ledger limit=abc', path: ledgerOf({ limit: 'abc' }), ...invalid },
  { name: 'GET ledger after=abc', path: ledgerOf({ after: 'abc' }), ...invalid },
  { name: 'GET ledger unknown query parameter', path: ledgerOf({ balanceOnly: 'true' }), ...invalid },
  { name: 'GET /v1/offerings/:id non-UUID id', path: () => '/v1/offerings/xyz', status: 404, code: 'offering_not_found' },
  { name: 'GET /v1/offerings/:id unknown id', path: () => `/v1/offerings/${randomUUID()}`, status: 404, code: 'offering_not_found' },
  { name: 'GET /v1/offerings/:id unknown query parameter', path: () => `/v1/offerings/${fx.offeringId}?x=1`, ...invalid },
  { name: 'GET /v1/clients/:id non-UUID id', path: () => '/v1/clients/ada', status: 404, code: 'client_not_found' },
  { name: 'GET /v1/clients/:id unknown id', path: () => `/v1/clients/${randomUUID()}`, status: 404, code: 'client_not_found' },
  ...pageQueryCases('/v1/session-types').map((c) => ({ ...c, name: `GET /v1/session-types ${c.name}` })),
  { name: 'GET /v1/session-types status unknown', path: () => '/v1/session-types?status=live', ...invalid },
  { name: 'GET /v1/session-types after=abc', path: () => '/v1/session-types?after=abc', ...invalid },
  { name: 'GET /v1/session-types/:id non-UUID id', path: () => '/v1/session-types/pt', status: 404, code: 'session_type_not_found' },
  { name: 'GET /v1/session-types/:id unknown id', path: () => `/v1/session-types/${randomUUID()}`, status: 404, code: 'session_type_not_found' },
  { name: "GET /v1/session-types/:id another tenant's", path: () => `/v1/session-types/${fx.otherSessionTypeId}`, status: 404, code: 'session_type_not_found' },
  { name: 'GET /v1/session-types/:id unknown query parameter', path: () => `/v1/session-types/${fx.sessionTypeId}?x=1`, ...invalid },
  ...pageQueryCases('/v1/schedules').map((c) => ({ ...c, name: `GET /v1/schedules ${c.name}` })),
  { name: 'GET /v1/schedules active=yes', path: () => '/v1/schedules?active=yes', ...invalid },
  { name: 'GET /v1/schedules active=1', path: () => '/v1/schedules?active=1', ...invalid },
  { name: 'GET /v1/schedules active empty', path: () => '/v1/schedules?active=', ...invalid },
  { name: 'GET /v1/schedules active given twice', path: () => '/v1/schedules?active=true&active=false', ...invalid },
  { name: 'GET /v1/schedules/:id non-UUID id', path: () => '/v1/schedules/main', status: 404, code: 'schedule_not_found' },
  { name: 'GET /v1/schedules/:id unknown id', path: () => `/v1/schedules/${randomUUID()}`, status: 404, code: 'schedule_not_found' },
  { name: "GET /v1/schedules/:id another tenant's", path: () => `/v1/schedules/${fx.otherScheduleId}`, status: 404, code: 'schedule_not_found' },
  { name: 'GET /v1/schedules/:id unknown query parameter', path: () => `/v1/schedules/${fx.scheduleId}?expand=slots`, ...invalid },
  ...pageQueryCases('/v1/bookings').map((c) => ({ ...c, name: `GET /v1/bookings ${c.name}` })),
  ...['clientId', 'scheduleId', 'offeringId', 'packageId'].flatMap((field): QueryCase[] => [
    { name: `GET /v1/bookings ${field} not a UUID`, path: () => `/v1/bookings?${q({ [field]: 'ada' })}`, ...invalid },
    { name: `GET /v1/bookings ${field} empty`, path: () => `/v1/bookings?${q({ [field]: '' })}`, ...invalid },
    { name: `GET /v1/bookings ${field} SQL`, path: () => `/v1/bookings?${q({ [field]: "' OR 1=1 --" })}`, ...invalid },
    { name: `GET /v1/bookings ${field} given twice`, path: () => `/v1/bookings?${field}=${randomUUID()}&${field}=${randomUUID()}`, ...invalid },
  ]),
  { name: 'GET /v1/bookings status unknown', path: () => '/v1/bookings?status=done', ...invalid },
  { name: 'GET /v1/bookings status in upper case', path: () => '/v1/bookings?status=BOOKED', ...invalid },
  { name: 'GET /v1/bookings status no-show (dash)', path: () => '/v1/bookings?status=no-show', ...invalid },
  { name: 'GET /v1/bookings status empty', path: () => '/v1/bookings?status=', ...invalid },
  { name: 'GET /v1/bookings status given twice', path: () => '/v1/bookings?status=booked&status=cancelled', ...invalid },
  ...['from', 'to'].flatMap((field): QueryCase[] =>
    [
      ['month 13', '2026-13-01T00:00:00Z'],
      ['February 30', '2026-02-30T10:00:00Z'],
      ['a word', 'tomorrow'],
      ['not a date', 'not a date'],
      ['a date without time', '2026-01-01'],
      ['a time without offset', '2026-01-01T10:00:00'],
      ['epoch seconds', '1767225600'],
      ['empty', ''],
      ['with a NUL character', '2026-01-01T10:00:00Z\u0000'],
    ].map(([label, v]) => ({ name: `GET /v1/bookings ${field} ${label}`, path: () => `/v1/bookings?${q({ [field]: v })}`, ...invalid })),
  ),
  { name: 'GET /v1/bookings from given twice', path: () => `/v1/bookings?${q({ from: '2026-01-01T00:00:00Z' })}&${q({ from: '2026-02-01T00:00:00Z' })}`, ...invalid },
  { name: 'GET /v1/bookings after=abc', path: () => '/v1/bookings?after=abc', ...invalid },
  { name: 'GET /v1/bookings/:id non-UUID id', path: () => '/v1/bookings/not-a-uuid', status: 404, code: 'booking_not_found' },
  { name: 'GET /v1/bookings/:id unknown id', path: () => `/v1/bookings/${randomUUID()}`, status: 404, code: 'booking_not_found' },
  { name: "GET /v1/bookings/:id another tenant's", path: () => `/v1/bookings/${fx.otherBookingId}`, status: 404, code: 'booking_not_found' },
  { name: 'GET /v1/bookings/:id unknown query parameter', path: () => `/v1/bookings/${fx.bookingId}?expand=package`, ...invalid },
  { name: 'GET /v1/bookings/:id after=abc', path: () => `/v1/bookings/${fx.bookingId}?after=abc`, ...invalid },
  ...slotQueryCases('GET /v1/schedules/:id/slots', () => `/v1/schedules/${fx.bookingScheduleId}/slots`),
  { name: 'GET /v1/schedules/:id/slots sessionTypeId not a UUID', path: () => `/v1/schedules/${fx.bookingScheduleId}/slots?${q({ ...slotRange(), sessionTypeId: 'pt-60' })}`, ...invalid },
  { name: 'GET /v1/schedules/:id/slots sessionTypeId empty', path: () => `/v1/schedules/${fx.bookingScheduleId}/slots?${q({ ...slotRange(), sessionTypeId: '' })}`, ...invalid },
  { name: 'GET /v1/schedules/:id/slots sessionTypeId given twice', path: () => `/v1/schedules/${fx.bookingScheduleId}/slots?${q(slotRange())}&sessionTypeId=${randomUUID()}&sessionTypeId=${randomUUID()}`, ...invalid },
  { name: 'GET /v1/schedules/:id/slots non-UUID schedule', path: () => `/v1/schedules/main/slots?${q(slotRange())}`, status: 404, code: 'schedule_not_found' },
  { name: 'GET /v1/schedules/:id/slots unknown schedule', path: () => `/v1/schedules/${randomUUID()}/slots?${q(slotRange())}`, status: 404, code: 'schedule_not_found' },
  { name: "GET /v1/schedules/:id/slots another tenant's schedule", path: () => `/v1/schedules/${fx.otherBookingScheduleId}/slots?${q(slotRange())}`, status: 404, code: 'schedule_not_found' },
  ...slotQueryCases('GET /v1/session-types/:id/slots', () => `/v1/session-types/${fx.bookingSessionTypeId}/slots`),
  { name: 'GET /v1/session-types/:id/slots sessionTypeId (not a parameter here)', path: () => `/v1/session-types/${fx.bookingSessionTypeId}/slots?${q({ ...slotRange(), sessionTypeId: fx.bookingSessionTypeId })}`, ...invalid },
  { name: 'GET /v1/session-types/:id/slots non-UUID session type', path: () => `/v1/session-types/pt/slots?${q(slotRange())}`, status: 404, code: 'session_type_not_found' },
  { name: 'GET /v1/session-types/:id/slots unknown session type', path: () => `/v1/session-types/${randomUUID()}/slots?${q(slotRange())}`, status: 404, code: 'session_type_not_found' },
  { name: "GET /v1/session-types/:id/slots another tenant's session type", path: () => `/v1/session-types/${fx.otherSessionTypeId}/slots?${q(slotRange())}`, status: 404, code: 'session_type_not_found' },
  { name: 'GET deletion-preview non-UUID offering', path: () => '/v1/offerings/xyz/deletion-preview', status: 404, code: 'offering_not_found' },
  { name: 'GET deletion-preview unknown offering', path: () => `/v1/offerings/${randomUUID()}/deletion-preview`, status: 404, code: 'offering_not_found' },
  { name: "GET deletion-preview another tenant's offering", path: () => `/v1/offerings/${fx.otherOfferingId}/deletion-preview`, status: 404, code: 'offering_not_found' },
  { name: 'GET deletion-preview unknown query parameter', path: () => `/v1/offerings/${fx.deletableOfferingId}/deletion-preview?force=true`, ...invalid },
  { name: 'GET deletion-preview after=abc', path: () => `/v1/offerings/${fx.deletableOfferingId}/deletion-preview?after=abc`, ...invalid },
  ...(
    [
      // A date without time is a valid local date since issue 16; a date that does not exist is not.
      ['/v1/reports/contract-liability', 'asOf 30 February', { asOf: '2026-02-30' }],
      ['/v1/reports/contract-liability', 'asOf without offset', { asOf: '2026-01-01T10:00:00' }],
      ['/v1/reports/contract-liability', 'asOf month 13', { asOf: '2026-13-01T00:00:00Z' }],
      ['/v1/reports/contract-liability', 'asOf empty', { asOf: '' }],
      ['/v1/reports/contract-liability', 'unknown query parameter', { currency: 'EUR' }],
      // Without from and to the period is the current local month (issue 16); a from after that month's end is refused.
      ['/v1/reports/liability-rollforward', 'from after the default to', { from: '2999-01-01' }],
      ['/v1/reports/liability-rollforward', 'from date after to date', { from: '2026-01-02', to: '2026-01-01' }],
      ['/v1/reports/liability-rollforward', 'from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      ['/v1/reports/liability-rollforward', 'from equal to', { from: '2026-01-01T01:00:00+01:00', to: '2026-01-01T00:00:00Z' }],
      ['/v1/reports/liability-rollforward', 'to epoch seconds', { from: '2026-01-01T00:00:00Z', to: '1767225600' }],
      ['/v1/exports/journal.csv', 'from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      ['/v1/exports/journal.csv', 'from a word', { from: 'yesterday' }],
      ['/v1/exports/journal.csv', 'unknown query parameter', { format: 'xlsx' }],
    ] as [string, string, Record<string, string>][]
  ).map(([base, label, params]): QueryCase => ({ name: `GET ${base} ${label}`, path: () => `${base}?${q(params)}`, ...invalid })),
  { name: 'GET /v1/reports/contract-liability asOf given twice', path: () => '/v1/reports/contract-liability?asOf=2026-01-01T00:00:00Z&asOf=2026-02-01T00:00:00Z', ...invalid },
  ...pageQueryCases('/v1/offerings/:id/clients').map((c) => ({ ...c, name: `GET /v1/offerings/:id/clients ${c.name}`, path: () => c.path().replace(':id', fx.offeringId) })),
  ...['sort=name', 'order=up', 'filter=all', 'sort=booked&sort=left'].map((bad) => ({ name: `GET /v1/offerings/:id/clients ${bad}`, path: () => `/v1/offerings/${fx.offeringId}/clients?${bad}`, ...invalid })),
  { name: "GET /v1/offerings/:id/usage another tenant's offering", path: () => `/v1/offerings/${fx.otherOfferingId}/usage`, status: 404, code: 'offering_not_found' },
  { name: 'GET /v1/exports/client-usage.csv without offeringId', path: () => '/v1/exports/client-usage.csv', ...invalid },
  ...pageQueryCases(`/v1/storefront/${OTHER_STOREFRONT_SLUG}/offerings`).map((c) => ({ ...c, name: `GET /v1/storefront/:slug/offerings ${c.name}` })),
  { name: 'GET /v1/storefront/:slug/offerings after (not a parameter of the public storefront)', path: () => `/v1/storefront/${OTHER_STOREFRONT_SLUG}/offerings?after=1-1`, ...invalid },
  // Refused at once, never after waiting for a position the read models will not reach: anonymous requests do not wait.
  { name: 'GET /v1/storefront/:slug/offerings after far ahead', path: () => `/v1/storefront/${OTHER_STOREFRONT_SLUG}/offerings?after=${'9'.repeat(19)}-1`, ...invalid },
  { name: 'GET /v1/storefront/:slug/offerings slug with a NUL character', path: () => '/v1/storefront/other%00studio/offerings', ...invalid },
  ...['no-such-studio', 'Other-Studio', 'x', '..%2Fadmin', 'a'.repeat(100), "studio'%20OR%20'1'%3D'1"].map(
    (slug): QueryCase => ({ name: `GET /v1/storefront/:slug/offerings slug ${slug.slice(0, 20)}`, path: () => `/v1/storefront/${slug}/offerings`, status: 404, code: 'storefront_not_found' }),
  ),
];

describe('queries refuse bad parameters', () => {
  it.each(queryCases)('$name', async (c) => {
    const before = await fingerprint();
    expectProblem(await send('get', c.path(), a.auth), c);
    expect(await fingerprint()).toEqual(before);
  });
});

const oddSearchTexts: [string, string][] = [
  ['a NUL character', '%00'],
  ['LIKE wildcards', '%25_%25'],
  ['a backslash', '%5C'],
  ['SQL', encodeURIComponent("' OR 1=1 --")],
  ['invalid UTF-8', '%ED%A0%80'],
  ['a bare percent sign', '%'],
];

describe.each(['/v1/packages', '/v1/clients'])('odd but harmless search text on GET %s never causes a 5xx', (base) => {
  it.each(oddSearchTexts)('q with %s', async (_, encoded) => {
    const res = await send('get', `${base}?q=${encoded}`, a.auth);
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) expectProblem(res);
  });
});
