import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import type { TenantRole } from '../../apps/api/src/auth/principal';
import { comparePositions, parsePosition, Position } from '@punchcard/event-store';
import { MessageDispatcher } from '../../apps/api/src/messages';
import { MessageContent } from '../../apps/api/src/messages/message-content';
import { registeredRoutes } from '../support/routes';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { planEverything } from '../support/webhook-receiver';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The access matrix (docs/adr/0013-roles-and-access.md): every route the app serves × every kind of
 * caller, each with the status it must get. The table below says who may call each route (mirroring
 * the ADR, not the decorators) and how to build a request the route would accept; the expected
 * status of every cell follows from it:
 *
 * - an allowed caller on its own tenant's (own client's) data: the route's success status;
 * - an authenticated caller the route is not for (wrong role, wrong kind of credential): 403;
 * - no credential, a revoked key, an expired, forged, tampered or unsigned token: 401;
 * - tenant B's admin on tenant A's resources, another client on client A1's: 404, as for an unknown id.
 *
 * A route the app serves without an entry here fails the first test, as does an entry for a route
 * that no longer exists. Lists and exports read by another tenant (or another client) must not hold
 * any of A's (A1's) ids, and a refused write appends no event and changes no key, client or tenant.
 */

let t: TestApp;
/** The local stand-in for Stripe's servers (test/support/stripe-stand-in.ts); tenant A is connected to it. */
let stripe: StripeStandIn;
let stripeKeys: { secretKey: string; webhookSecret: string };

// ---------------------------------------------------------------------------------------------
// Callers

const PERSONAS = [
  'operator',
  'admin', // tenant A's keys
  'staff',
  'accountant',
  'client', // client A1's token
  'other client', // client A2's token (same tenant)
  'other tenant admin', // tenant B's admin key
  'other tenant client', // client B1's token
  'no key',
  'revoked key', // an admin key of A, revoked
  'expired token', // A1's token, re-signed with the real secret and an expiry in the past
  'forged token', // A1's claims signed with another secret
  'tampered token', // A1's real token with the subject changed to A2
  'unsigned token', // A1's claims with alg "none"
  'garbage bearer', // three dot-separated parts that are no JWT
] as const;
type Persona = (typeof PERSONAS)[number];

const UNAUTHENTICATED: readonly Persona[] = ['no key', 'revoked key', 'expired token', 'forged token', 'tampered token', 'unsigned token', 'garbage bearer'];
const TENANT_A_ROLES: readonly Persona[] = ['admin', 'staff', 'accountant'];

/** The bearer credential of each caller, filled in beforeAll ('no key' has none). */
const credentials = {} as Record<Persona, string>;

// ---------------------------------------------------------------------------------------------
// Fixtures: tenant A (USD) with clients A1 and A2, tenant B (EUR) with client B1

const fx = {
  a: {
    tenantId: '',
    client1Id: '', // A1: the client whose token is 'client'
    client1Name: 'Alexandra Quillfeather',
    client2Id: '', // A2: 'other client'
    spareClientId: '', // renamed, sold to: keeps A1's own lists small
    sessionTypeId: '',
    scheduleId: '', // open every hour of every day (UTC), 60-minute sessions
    offeringId: '', // bookable on scheduleId, 1000 sessions
    client1PackageId: '',
    client2PackageId: '',
    creditPackageId: '', // the spare client's: redemptions, adjustments, expiry changes
    redemptionId: '', // on creditPackageId, not reversed
    refundablePackageId: '',
    deletableOfferingId: '',
    client1CheckoutId: '', // A1's checkout, paid
    cardPackageId: '', // the package A1's checkout bought (card): card refunds
    client1BookingId: '', // upcoming
    client2BookingId: '', // upcoming
    startedBookingIds: [] as string[], // A1's sessions that have started (attendance)
    spareKeyId: '', // a staff key the denied revoke/rotate calls aim at
    storefrontSlug: '', // A's public storefront
    unsubscribeToken: '', // A2's signed unsubscribe token (the link in A2's nudges)
    calendarFeedPath: '', // the spare client's calendar feed (no route of the table rotates it)
    webhookEndpointId: '', // A's outbound webhook endpoint
    busyCalendarId: '', // an external busy calendar of scheduleId (an address that does not resolve: its refresh fails fast)
    webhookDeliveryId: '', // a delivery planned for it
  },
  b: { tenantId: '', clientId: '', offeringId: '', packageId: '', bookingId: '' },
};

/** Everything of tenant A that tenant B (or B1) must never see. */
const tenantAMarkers = new Set<string>(['USD']);
/** What is client A1's own: another client (A2) must not see it either. */
const clientA1Markers = new Set<string>();
const markA = (...values: string[]) => values.forEach((v) => tenantAMarkers.add(v));
const markA1 = (...values: string[]) => values.forEach((v) => (tenantAMarkers.add(v), clientA1Markers.add(v)));

const bearer = (credential: string) => ({ Authorization: `Bearer ${credential}` });
const authorization = (persona: Persona): Record<string, string> => (persona === 'no key' ? {} : bearer(credentials[persona]));

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const nextWholeHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;
const everyHourUtc = (sessionTypeIds: string[]) => ({
  host: 'Coach Ada',
  timezone: 'UTC',
  weeklyHours: Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
  sessionTypeIds,
});

/** Free hours from three days ahead; every booking gets one of its own. */
let slotCursor = 0;
const nextSlot = () => {
  const start = new Date(slotCursor).toISOString();
  slotCursor += HOUR_MS;
  return start;
};

/** Free hours in the past (from two days before the fixtures were built, going back), for recorded past sessions. */
let pastCursor = 0;
const pastSlot = () => {
  pastCursor -= HOUR_MS;
  return new Date(pastCursor).toISOString();
};

let counter = 0;
const unique = () => `${++counter}-${randomBytes(3).toString('hex')}`;
/** The currency of the caller's tenant: B creating something in its own tenant uses its own. */
const currencyOf = (persona: Persona) => (persona === 'other tenant admin' ? 'EUR' : 'USD');

/** Sends as tenant A's admin; a fixture that cannot be built fails loudly, with the answer. */
async function asAdminA(method: 'get' | 'post' | 'patch', path: string, body?: object): Promise<any> {
  const res = await t.http[method](path).set(bearer(credentials.admin)).send(body);
  return ok(res, `${method.toUpperCase()} ${path}`);
}

function ok(res: Response, what: string): any {
  if (res.status >= 300) throw new Error(`fixture ${what} answered ${res.status}: ${res.text.slice(0, 500)}`);
  notePosition(res);
  return res.body;
}

/** The last write's Punchcard-Position: reads wait until the projections have passed it. */
let lastPosition: Position | null = null;
function notePosition(res: Response) {
  const position = parsePosition(res.headers['punchcard-position'] ?? '');
  if (position && (!lastPosition || comparePositions(position, lastPosition) > 0)) lastPosition = position;
}
async function readModelsCaughtUp() {
  const { runner } = t.infrastructure;
  const target = lastPosition;
  if (target) expect((await runner.waitUntil(() => runner.hasReached(target), 10_000)).reached).toBe(true);
}

const book = async (clientId: string, packageId: string, start = nextSlot()) => {
  const booking = await asAdminA('post', '/v1/bookings', { clientId, scheduleId: fx.a.scheduleId, sessionTypeId: fx.a.sessionTypeId, start, packageId });
  (clientId === fx.a.client1Id ? markA1 : markA)(booking.id);
  return booking.id as string;
};
const sellToSpare = async (offeringId = fx.a.offeringId) => {
  const pkg = await asAdminA('post', '/v1/packages', { offeringId, clientId: fx.a.spareClientId, payment: { method: 'cash' } });
  markA(pkg.id);
  return pkg.id as string;
};
/** A message of A that went through the dispatcher (recorded not_sent: no SMTP here), so it can be resent. */
const unsentMessage = async () => {
  const packageId = await sellToSpare();
  await readModelsCaughtUp();
  await t.app.get(MessageDispatcher).run();
  return packageId;
};
const newOffering = async (body: object = {}) => {
  const offering = await asAdminA('post', '/v1/offerings', { name: `Offering ${unique()}`, sessionCount: 6, price: { amount: 54000, currency: 'USD' }, ...body });
  markA(offering.id);
  return offering.id as string;
};
const newKey = async (role: TenantRole) => {
  const created = await asAdminA('post', '/v1/api-keys', { role, name: `${role} ${unique()}` });
  markA(created.id);
  return created as { id: string; key: string };
};
const mintToken = async (adminKey: string, clientId: string) => {
  const res = await t.http.post(`/v1/clients/${clientId}/tokens`).set(bearer(adminKey)).send({});
  return ok(res, `POST /v1/clients/${clientId}/tokens`).token as string;
};

// ---------------------------------------------------------------------------------------------
// The route table

type Access = { kind: 'public' } | { kind: 'operator' } | { kind: 'client' } | { kind: 'tenant'; roles: readonly TenantRole[] };
const PUBLIC: Access = { kind: 'public' };
const OPERATOR: Access = { kind: 'operator' };
const CLIENT: Access = { kind: 'client' };
const roles = (...allowed: TenantRole[]): Access => ({ kind: 'tenant', roles: allowed });
const ADMIN = roles('admin');
const FRONT_DESK = roles('admin', 'staff');
const BOOKS = roles('admin', 'accountant');
const EVERY_ROLE = roles('admin', 'staff', 'accountant');

interface Call {
  path: string;
  body?: object;
  /** Headers the route needs besides the caller's credential (a webhook's signature). */
  headers?: Record<string, string>;
}

interface Entry {
  access: Access;
  /**
   * A request the route's intended caller would send, aimed at tenant A's (client A1's) data.
   * `fresh`: this caller is expected to succeed, so a write gets state of its own (a new booking to
   * cancel, a new key to revoke) and later cells still find theirs; refused callers aim at shared fixtures.
   */
  request(cell: { persona: Persona; fresh: boolean }): Call | Promise<Call>;
  /** The success status (default: GET and PATCH 200, POST 201). */
  success?: number;
  /**
   * What tenant B's admin (on a tenant route) or another client (on a /v1/me route) gets for this
   * request, for all of them or per caller. Default: 404 when the path names one of A's (A1's)
   * resources; else the success status, for the caller's own data (lists, creating things of its own).
   */
  foreign?: number | number[] | Partial<Record<Persona, number | number[]>>;
  /** Answers with rows of the caller's tenant or client (JSON or CSV): another tenant or client must find none of A's (A1's) in it. */
  list?: boolean;
}

const get = (path: string) => (): Call => ({ path });
/** A public address (no DNS lookup in tests); nothing is sent there: the matrix only plans deliveries. */
const HOOK_URL = 'https://93.184.215.14/punchcard-hooks';
const newWebhookEndpoint = async () => {
  const created = await asAdminA('post', '/v1/webhook-endpoints', { url: HOOK_URL, events: ['package.purchased'] });
  markA(created.id);
  return created.id as string;
};
/** An address that never resolves: a refresh records calendar_unreachable at once, and no busy time blocks A's schedule. */
const BUSY_URL = 'https://calendar.invalid/private-0123456789/basic.ics';
const newBusyCalendar = async () => {
  const created = await asAdminA('post', `/v1/schedules/${fx.a.scheduleId}/busy-calendars`, { name: `Quillfeather private ${unique()}`, url: BUSY_URL });
  markA(created.id);
  return created.id as string;
};
const RETURN_URLS = { successUrl: 'https://studio.example.com/thanks?checkout={CHECKOUT_ID}', cancelUrl: 'https://studio.example.com/offers' };
const since = () => new Date(t.clock.now().getTime() - 30 * DAY_MS).toISOString();
const inDays = (days: number) => new Date(t.clock.now().getTime() + days * DAY_MS).toISOString().slice(0, 10);

const ROUTES: Record<string, Entry> = {
  // Public: health and the OpenAPI document and UI (Swagger registers these).
  'GET /health': { access: PUBLIC, request: get('/health') },
  'GET /docs': { access: PUBLIC, request: get('/docs') },
  'GET /docs/': { access: PUBLIC, request: get('/docs/') },
  'GET /docs/index.html': { access: PUBLIC, request: get('/docs/index.html') },
  // @nestjs/swagger registers this route only to answer 404 (it does not serve swagger-ui's LICENSE).
  'GET /docs/LICENSE': { access: PUBLIC, request: get('/docs/LICENSE'), success: 404 },
  'GET /docs/swagger-ui-init.js': { access: PUBLIC, request: get('/docs/swagger-ui-init.js') },
  'GET /docs/docs/swagger-ui-init.js': { access: PUBLIC, request: get('/docs/docs/swagger-ui-init.js') },
  'GET /docs-json': { access: PUBLIC, request: get('/docs-json') },
  'GET /docs-yaml': { access: PUBLIC, request: get('/docs-yaml') },

  // Operator
  'POST /v1/tenants': { access: OPERATOR, request: () => ({ path: '/v1/tenants', body: { name: `Studio ${unique()}`, timezone: 'UTC', currency: 'USD' } }) },
  // Break-glass: a new admin key for tenant A (the one tenant keys and client tokens of A would like to have).
  'POST /v1/tenants/:id/admin-keys': { access: OPERATOR, request: () => ({ path: `/v1/tenants/${fx.a.tenantId}/admin-keys`, body: { name: `Recovery ${unique()}` } }) },

  // Clients
  'POST /v1/clients': { access: FRONT_DESK, request: () => ({ path: '/v1/clients', body: { name: 'Walk-in', email: `walk-in-${unique()}@example.com` } }) },
  'GET /v1/clients': { access: FRONT_DESK, request: get('/v1/clients?limit=100'), list: true },
  'GET /v1/clients/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.client1Id}` }) },
  'PATCH /v1/clients/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.spareClientId}`, body: { name: `Spare ${unique()}` } }) },
  'GET /v1/clients/:id/packages': { access: EVERY_ROLE, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/packages` }) },
  'POST /v1/clients/:id/tokens': { access: ADMIN, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/tokens`, body: {} }) },

  // Offerings
  'POST /v1/offerings': {
    access: ADMIN,
    request: ({ persona }) => ({ path: '/v1/offerings', body: { name: `Offering ${unique()}`, sessionCount: 6, price: { amount: 54000, currency: currencyOf(persona) } } }),
  },
  'GET /v1/offerings': { access: EVERY_ROLE, request: get('/v1/offerings?limit=100'), list: true },
  'GET /v1/offerings/:id': { access: EVERY_ROLE, request: () => ({ path: `/v1/offerings/${fx.a.offeringId}` }) },
  'PATCH /v1/offerings/:id': { access: ADMIN, request: () => ({ path: `/v1/offerings/${fx.a.offeringId}`, body: { description: `Edition ${unique()}` } }) },
  'GET /v1/offerings/:id/deletion-preview': { access: ADMIN, request: () => ({ path: `/v1/offerings/${fx.a.offeringId}/deletion-preview` }) },
  'POST /v1/offerings/:id/deletion': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/offerings/${fresh ? await newOffering() : fx.a.deletableOfferingId}/deletion`, body: { reason: 'Discontinued' } }),
  },
  'GET /v1/offerings/:id/usage': { access: EVERY_ROLE, request: () => ({ path: `/v1/offerings/${fx.a.offeringId}/usage` }) },
  'GET /v1/offerings/:id/clients': { access: EVERY_ROLE, request: () => ({ path: `/v1/offerings/${fx.a.offeringId}/clients` }) },

  // Packages
  'POST /v1/packages': {
    access: ADMIN,
    request: () => ({ path: '/v1/packages', body: { offeringId: fx.a.offeringId, clientId: fx.a.spareClientId, payment: { method: 'cash' } } }),
    foreign: [404, 422], // A's offering and client are unknown to B (a body reference answers 422)
  },
  'GET /v1/packages': { access: EVERY_ROLE, request: () => ({ path: `/v1/packages?limit=100&clientId=${fx.a.client1Id}` }), list: true },
  'GET /v1/packages/:id': { access: EVERY_ROLE, request: () => ({ path: `/v1/packages/${fx.a.client1PackageId}` }) },
  'GET /v1/packages/:id/ledger': { access: EVERY_ROLE, request: () => ({ path: `/v1/packages/${fx.a.client1PackageId}/ledger` }) },
  'POST /v1/packages/:id/redemptions': { access: FRONT_DESK, request: () => ({ path: `/v1/packages/${fx.a.creditPackageId}/redemptions`, body: { note: 'Walk-in session' } }) },
  'POST /v1/packages/:id/redemptions/:redemptionId/reversals': {
    access: FRONT_DESK,
    request: async ({ fresh }) => {
      const redemptionId = fresh ? (await asAdminA('post', `/v1/packages/${fx.a.creditPackageId}/redemptions`, {})).redemptionId : fx.a.redemptionId;
      return { path: `/v1/packages/${fx.a.creditPackageId}/redemptions/${redemptionId}/reversals`, body: { reason: 'Deducted by mistake' } };
    },
  },
  'POST /v1/packages/:id/adjustments': { access: ADMIN, request: () => ({ path: `/v1/packages/${fx.a.creditPackageId}/adjustments`, body: { delta: 1, reason: 'Goodwill' } }) },
  'POST /v1/packages/:id/expiry-changes': {
    access: ADMIN,
    request: () => ({ path: `/v1/packages/${fx.a.creditPackageId}/expiry-changes`, body: { expiresAt: '2099-12-31T23:00:00Z', reason: 'Client was ill' } }),
  },
  'POST /v1/packages/:id/card-refunds': {
    access: ADMIN,
    // A credit of A1's card-paid package, refunded through the stand-in for Stripe's servers (an Idempotency-Key is required).
    request: () => ({ path: `/v1/packages/${fx.a.cardPackageId}/card-refunds`, body: { credits: 1, reason: 'Moved away' }, headers: { 'Idempotency-Key': `card-refund-${unique()}` } }),
  },
  'POST /v1/packages/:id/refunds': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/packages/${fresh ? await sellToSpare() : fx.a.refundablePackageId}/refunds`, body: { reason: 'Moved away' } }),
  },

  // Session types and schedules
  'POST /v1/session-types': {
    access: ADMIN,
    request: ({ persona }) => ({ path: '/v1/session-types', body: { name: `Type ${unique()}`, durationMinutes: 30, price: { amount: 5000, currency: currencyOf(persona) } } }),
  },
  'GET /v1/session-types': { access: FRONT_DESK, request: get('/v1/session-types?limit=100'), list: true },
  'GET /v1/session-types/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/session-types/${fx.a.sessionTypeId}` }) },
  'PATCH /v1/session-types/:id': { access: ADMIN, request: () => ({ path: `/v1/session-types/${fx.a.sessionTypeId}`, body: { name: `Personal training ${unique()}` } }) },
  'GET /v1/session-types/:id/slots': { access: FRONT_DESK, request: () => ({ path: `/v1/session-types/${fx.a.sessionTypeId}/slots?from=${inDays(4)}&to=${inDays(5)}` }) },
  'POST /v1/schedules': {
    access: ADMIN,
    // Names A's session type: B's admin must not be able to attach it to a schedule of B's.
    request: () => ({ path: '/v1/schedules', body: { host: 'Coach Grace', timezone: 'UTC', weeklyHours: { monday: [{ start: '09:00', end: '12:00' }] }, sessionTypeIds: [fx.a.sessionTypeId] } }),
    foreign: [404, 422], // unknown to B, as a made-up id would be
  },
  'GET /v1/schedules': { access: FRONT_DESK, request: get('/v1/schedules?limit=100'), list: true },
  'GET /v1/schedules/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}` }) },
  'PATCH /v1/schedules/:id': { access: ADMIN, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}`, body: { host: `Coach ${unique()}` } }) },
  'POST /v1/schedules/:scheduleId/busy-calendars': {
    access: ADMIN,
    request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/busy-calendars`, body: { name: `Cal ${unique()}`, url: BUSY_URL } }),
  },
  'GET /v1/schedules/:scheduleId/busy-calendars': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/busy-calendars` }) },
  'DELETE /v1/schedules/:scheduleId/busy-calendars/:calendarId': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/schedules/${fx.a.scheduleId}/busy-calendars/${fresh ? await newBusyCalendar() : fx.a.busyCalendarId}` }),
    success: 204,
  },
  'POST /v1/schedules/:scheduleId/busy-calendars/:calendarId/refresh': {
    access: ADMIN,
    request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/busy-calendars/${fx.a.busyCalendarId}/refresh` }),
    success: 200,
  },
  'GET /v1/schedules/:id/slots': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/slots?from=${inDays(4)}&to=${inDays(5)}` }) },

  // Bookings
  'POST /v1/bookings': {
    access: FRONT_DESK,
    request: () => ({
      path: '/v1/bookings',
      body: { clientId: fx.a.client1Id, scheduleId: fx.a.scheduleId, sessionTypeId: fx.a.sessionTypeId, start: nextSlot(), packageId: fx.a.client1PackageId },
    }),
    foreign: [404, 422], // A's client, schedule, session type and package are unknown to B (a body reference answers 422)
  },
  'POST /v1/bookings/past-sessions': {
    access: FRONT_DESK,
    request: () => ({
      path: '/v1/bookings/past-sessions',
      body: { clientId: fx.a.client1Id, scheduleId: fx.a.scheduleId, sessionTypeId: fx.a.sessionTypeId, start: pastSlot(), packageId: fx.a.client1PackageId },
    }),
    foreign: [404, 422], // A's client, schedule, session type and package are unknown to B (a body reference answers 422)
  },
  'GET /v1/bookings': { access: FRONT_DESK, request: () => ({ path: `/v1/bookings?limit=100&clientId=${fx.a.client1Id}` }), list: true },
  'GET /v1/bookings/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/bookings/${fx.a.client1BookingId}` }) },
  'POST /v1/bookings/:id/cancellations': {
    access: FRONT_DESK,
    request: async ({ fresh }) => ({
      path: `/v1/bookings/${fresh ? await book(fx.a.client1Id, fx.a.client1PackageId) : fx.a.client1BookingId}/cancellations`,
      body: { reason: 'Client is ill' },
    }),
  },
  'POST /v1/bookings/:id/reschedules': {
    access: FRONT_DESK,
    request: async ({ fresh }) => ({
      path: `/v1/bookings/${fresh ? await book(fx.a.client1Id, fx.a.client1PackageId) : fx.a.client1BookingId}/reschedules`,
      body: { start: nextSlot() },
    }),
  },
  'POST /v1/bookings/:id/attendance': {
    access: FRONT_DESK,
    request: ({ fresh }) => {
      const bookingId = fresh ? fx.a.startedBookingIds.shift() : fx.a.startedBookingIds.at(-1);
      if (!bookingId) throw new Error('no started booking left: start more in beforeAll');
      return { path: `/v1/bookings/${bookingId}/attendance`, body: { attendance: 'attended' } };
    },
  },

  // Payments (ADR 0020): the business's Stripe connection, checkouts, and Stripe's webhooks (public: the signature is the proof)
  'GET /v1/payment-settings/stripe': { access: ADMIN, request: get('/v1/payment-settings/stripe') },
  'POST /v1/payment-settings/stripe': { access: ADMIN, request: () => ({ path: '/v1/payment-settings/stripe', body: stripeKeys }), success: 200 },
  'GET /v1/payment-settings/stripe/check': { access: ADMIN, request: get('/v1/payment-settings/stripe/check') }, // B checks its own connection
  'GET /v1/payment-settings/stripe/deliveries': { access: ADMIN, request: get('/v1/payment-settings/stripe/deliveries?limit=100'), list: true },
  'POST /v1/checkouts': {
    access: FRONT_DESK,
    request: () => ({ path: '/v1/checkouts', body: { offeringId: fx.a.offeringId, clientId: fx.a.spareClientId, ...RETURN_URLS } }),
    foreign: 422, // A's client and offering are unknown to B
  },
  'GET /v1/checkouts/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/checkouts/${fx.a.client1CheckoutId}` }) },
  'POST /v1/me/checkouts': {
    access: CLIENT,
    request: () => ({ path: '/v1/me/checkouts', body: { offeringId: fx.a.offeringId, ...RETURN_URLS } }),
    foreign: { 'other client': 201, 'other tenant client': 422 }, // A2 may buy A's offering too (for themselves); to B1 it is unknown
  },
  'GET /v1/me/checkouts/:id': { access: CLIENT, request: () => ({ path: `/v1/me/checkouts/${fx.a.client1CheckoutId}` }) },
  'POST /v1/webhooks/stripe/:tenantId': {
    access: PUBLIC,
    request: () => {
      const body = { id: `evt_${unique()}`, object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } };
      return { path: `/v1/webhooks/stripe/${fx.a.tenantId}`, body, headers: { 'Stripe-Signature': signatureFor(JSON.stringify(body), stripeKeys.webhookSecret) } };
    },
    success: 200,
  },

  // Outbound webhooks (ADR 0024): admins only
  'POST /v1/webhook-endpoints': { access: ADMIN, request: () => ({ path: '/v1/webhook-endpoints', body: { url: HOOK_URL, events: ['package.purchased'] } }) },
  'GET /v1/webhook-endpoints': { access: ADMIN, request: get('/v1/webhook-endpoints'), list: true },
  'GET /v1/webhook-endpoints/:id': { access: ADMIN, request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}` }) },
  'PATCH /v1/webhook-endpoints/:id': { access: ADMIN, request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}`, body: { description: `CRM ${unique()}` } }) },
  'DELETE /v1/webhook-endpoints/:id': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/webhook-endpoints/${fresh ? await newWebhookEndpoint() : fx.a.webhookEndpointId}` }),
    success: 204,
  },
  'POST /v1/webhook-endpoints/:id/secret-rotations': { access: ADMIN, request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}/secret-rotations` }), success: 200 },
  'GET /v1/webhook-endpoints/:id/deliveries': { access: ADMIN, request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}/deliveries` }), list: true },
  'GET /v1/webhook-endpoints/:id/deliveries/:deliveryId': {
    access: ADMIN,
    request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}/deliveries/${fx.a.webhookDeliveryId}` }),
  },
  'POST /v1/webhook-endpoints/:id/deliveries/:deliveryId/redeliveries': {
    access: ADMIN,
    request: () => ({ path: `/v1/webhook-endpoints/${fx.a.webhookEndpointId}/deliveries/${fx.a.webhookDeliveryId}/redeliveries` }),
    success: 202,
  },

  // Reports and exports
  'GET /v1/reports/contract-liability': { access: BOOKS, request: get('/v1/reports/contract-liability'), list: true },
  'GET /v1/reports/liability-rollforward': {
    access: BOOKS,
    request: () => ({ path: `/v1/reports/liability-rollforward?from=${since()}&to=${t.clock.now().toISOString()}` }),
    list: true,
  },
  'GET /v1/exports/journal.csv': { access: BOOKS, request: get('/v1/exports/journal.csv'), list: true },
  // The caller's own tenant's policy: tenant B's admin reads and sets B's (200), and nothing of A's is in it.
  'GET /v1/accounting/policy': { access: BOOKS, request: get('/v1/accounting/policy') },
  'PATCH /v1/accounting/policy': { access: ADMIN, request: () => ({ path: '/v1/accounting/policy', body: { recognitionBasis: 'delivery', reason: `Accountant ${unique()}` } }) },
  'GET /v1/exports/packages.csv': { access: BOOKS, request: get('/v1/exports/packages.csv'), list: true },
  'GET /v1/exports/ledger.csv': { access: BOOKS, request: get('/v1/exports/ledger.csv'), list: true },
  'GET /v1/exports/client-usage.csv': { access: BOOKS, request: () => ({ path: `/v1/exports/client-usage.csv?offeringId=${fx.a.offeringId}` }), foreign: 404 },

  // API keys
  'GET /v1/api-keys': { access: ADMIN, request: get('/v1/api-keys'), list: true },
  'POST /v1/api-keys': { access: ADMIN, request: () => ({ path: '/v1/api-keys', body: { role: 'staff', name: `Front desk ${unique()}` } }) },
  'POST /v1/api-keys/:id/revoke': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/api-keys/${fresh ? (await newKey('staff')).id : fx.a.spareKeyId}/revoke` }),
    success: 200,
  },
  'POST /v1/api-keys/:id/rotate': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/api-keys/${fresh ? (await newKey('staff')).id : fx.a.spareKeyId}/rotate`, body: {} }),
  },

  // The storefront: public by slug (the same answer for every caller, credentials are not read), for a client, and its settings.
  'GET /v1/storefront/:slug/offerings': { access: PUBLIC, request: () => ({ path: `/v1/storefront/${fx.a.storefrontSlug}/offerings` }) },
  'GET /v1/me/storefront/offerings': { access: CLIENT, request: get('/v1/me/storefront/offerings?limit=100'), list: true },
  'GET /v1/storefront-settings': { access: FRONT_DESK, request: get('/v1/storefront-settings'), list: true },
  'PATCH /v1/storefront-settings': {
    access: ADMIN,
    // A's own slug again (changes nothing, so the public cells keep finding it); for B's admin it is another business's: 409 slug_taken.
    request: () => ({ path: '/v1/storefront-settings', body: { slug: fx.a.storefrontSlug } }),
    foreign: 409,
  },

  // Lifecycle messages (issue 13): settings, templates, the message log, preferences; the unsubscribe link is public (its signed token is the proof).
  'GET /v1/message-settings': { access: FRONT_DESK, request: get('/v1/message-settings') },
  'PATCH /v1/message-settings': { access: ADMIN, request: () => ({ path: '/v1/message-settings', body: { expiryReminderDays: 7 } }) },
  'GET /v1/message-templates': { access: FRONT_DESK, request: get('/v1/message-templates') },
  'PUT /v1/message-templates/:kind': {
    access: ADMIN,
    request: () => ({ path: '/v1/message-templates/renewal_prompt', body: { subject: 'Thanks, {{client_name}}', html: '<p>{{package_name}}</p>', text: '{{package_name}}' } }),
    foreign: 200, // every business has its own templates
  },
  'DELETE /v1/message-templates/:kind': { access: ADMIN, request: get('/v1/message-templates/renewal_prompt'), foreign: 200 },
  'POST /v1/message-templates/:kind/preview': { access: FRONT_DESK, request: () => ({ path: '/v1/message-templates/booking_nudge/preview', body: {} }), success: 200, foreign: 200 },
  'GET /v1/messages': { access: FRONT_DESK, request: get('/v1/messages?limit=100'), list: true },
  'GET /v1/messages/:id': { access: FRONT_DESK, request: () => ({ path: `/v1/messages/purchase_confirmation:${fx.a.client2PackageId}` }) },
  'POST /v1/messages/:id/resend': {
    access: ADMIN,
    request: async ({ fresh }) => ({ path: `/v1/messages/purchase_confirmation:${fresh ? await unsentMessage() : fx.a.client2PackageId}/resend`, body: {} }),
    success: 202,
  },
  'GET /v1/clients/:id/message-preferences': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/message-preferences` }) },
  'PATCH /v1/clients/:id/message-preferences': { access: ADMIN, request: () => ({ path: `/v1/clients/${fx.a.spareClientId}/message-preferences`, body: { nudgesUnsubscribed: false } }) },
  // Erasure of a client's message data: idempotent, 204 each time; another tenant's client is unknown (404).
  'DELETE /v1/clients/:id/messages/personal-data': { access: ADMIN, request: () => ({ path: `/v1/clients/${fx.a.spareClientId}/messages/personal-data` }), success: 204 },
  'GET /v1/unsubscribe': { access: PUBLIC, request: () => ({ path: `/v1/unsubscribe?token=${encodeURIComponent(fx.a.unsubscribeToken)}` }) },
  'POST /v1/unsubscribe': { access: PUBLIC, request: () => ({ path: `/v1/unsubscribe?token=${encodeURIComponent(fx.a.unsubscribeToken)}` }), success: 200 },

  // Calendar feeds (issue 14, ADR 0025): a schedule's and a client's, managed by the front desk; the client's own; the feed itself is public (its token is the proof).
  'POST /v1/schedules/:scheduleId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/calendar-feed` }) },
  'GET /v1/schedules/:scheduleId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/calendar-feed` }) },
  'DELETE /v1/schedules/:scheduleId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/schedules/${fx.a.scheduleId}/calendar-feed` }), success: 204 },
  'POST /v1/clients/:clientId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/calendar-feed` }) },
  'GET /v1/clients/:clientId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/calendar-feed` }) },
  'DELETE /v1/clients/:clientId/calendar-feed': { access: FRONT_DESK, request: () => ({ path: `/v1/clients/${fx.a.client1Id}/calendar-feed` }), success: 204 },
  'POST /v1/me/calendar-feed': { access: CLIENT, request: get('/v1/me/calendar-feed') },
  'GET /v1/me/calendar-feed': { access: CLIENT, request: get('/v1/me/calendar-feed') },
  'DELETE /v1/me/calendar-feed': { access: CLIENT, request: get('/v1/me/calendar-feed'), success: 204 },
  'GET /v1/calendar-feeds/:file': { access: PUBLIC, request: () => ({ path: fx.a.calendarFeedPath }) },

  // The client's own records, with a client token (A1's: another client gets 404, as for an unknown id)
  'GET /v1/me': { access: CLIENT, request: get('/v1/me'), list: true },
  'GET /v1/me/packages': { access: CLIENT, request: get('/v1/me/packages'), list: true },
  'GET /v1/me/packages/:id': { access: CLIENT, request: () => ({ path: `/v1/me/packages/${fx.a.client1PackageId}` }) },
  'GET /v1/me/packages/:id/ledger': { access: CLIENT, request: () => ({ path: `/v1/me/packages/${fx.a.client1PackageId}/ledger` }) },
  'GET /v1/me/offerings': { access: CLIENT, request: get('/v1/me/offerings'), list: true },
  'GET /v1/me/schedules': { access: CLIENT, request: get('/v1/me/schedules'), list: true },
  'GET /v1/me/schedules/:id/slots': {
    access: CLIENT,
    request: () => ({ path: `/v1/me/schedules/${fx.a.scheduleId}/slots?from=${inDays(4)}&to=${inDays(5)}` }),
    foreign: { 'other client': 200 }, // A2 holds a package of the same offering: the schedule is A2's to book too
    list: true,
  },
  'POST /v1/me/bookings': {
    access: CLIENT,
    request: () => ({ path: '/v1/me/bookings', body: { scheduleId: fx.a.scheduleId, sessionTypeId: fx.a.sessionTypeId, start: nextSlot(), packageId: fx.a.client1PackageId } }),
    foreign: 422, // A1's package is not theirs: a body reference to nothing of theirs (422 unknown_package)
  },
  'GET /v1/me/bookings': { access: CLIENT, request: get('/v1/me/bookings?limit=100'), list: true },
  'GET /v1/me/bookings/:id': { access: CLIENT, request: () => ({ path: `/v1/me/bookings/${fx.a.client1BookingId}` }) },
  'POST /v1/me/bookings/:id/cancellations': {
    access: CLIENT,
    request: async ({ fresh }) => ({
      path: `/v1/me/bookings/${fresh ? await book(fx.a.client1Id, fx.a.client1PackageId) : fx.a.client1BookingId}/cancellations`,
      body: { reason: 'I am ill' },
    }),
  },
  'POST /v1/me/bookings/:id/reschedules': {
    access: CLIENT,
    request: async ({ fresh }) => ({
      path: `/v1/me/bookings/${fresh ? await book(fx.a.client1Id, fx.a.client1PackageId) : fx.a.client1BookingId}/reschedules`,
      body: { start: nextSlot() },
    }),
  },
};

// ---------------------------------------------------------------------------------------------
// Expected status of each cell

const methodOf = (route: string) => route.split(' ')[0] as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const patternOf = (route: string) => route.split(' ')[1];

function expectedStatuses(route: string, persona: Persona): number[] {
  const entry = ROUTES[route];
  const success = [entry.success ?? (methodOf(route) === 'POST' ? 201 : 200)];
  const foreign = () => {
    const declared = typeof entry.foreign === 'object' && !Array.isArray(entry.foreign) ? entry.foreign[persona] : entry.foreign;
    return declared !== undefined ? [declared].flat() : patternOf(route).includes(':') ? [404] : success;
  };
  const { access } = entry;
  if (access.kind === 'public') return success;
  if (UNAUTHENTICATED.includes(persona)) return [401];
  switch (access.kind) {
    case 'operator':
      return persona === 'operator' ? success : [403];
    case 'tenant':
      if (TENANT_A_ROLES.includes(persona)) return access.roles.includes(persona as TenantRole) ? success : [403];
      if (persona === 'other tenant admin') return access.roles.includes('admin') ? foreign() : [403];
      return [403]; // the operator and client tokens
    case 'client':
      if (persona === 'client') return success;
      if (persona === 'other client' || persona === 'other tenant client') return foreign();
      return [403]; // the operator and tenant keys
  }
}

const CELLS: [string, Persona, string][] = Object.keys(ROUTES).flatMap((route) =>
  PERSONAS.map((persona): [string, Persona, string] => [route, persona, expectedStatuses(route, persona).join(' or ')]),
);

// ---------------------------------------------------------------------------------------------
// Setup

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url } });
  credentials.operator = t.operatorKey;
  const a = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
  const b = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
  credentials.admin = a.key;
  credentials['other tenant admin'] = b.key;
  fx.a.tenantId = a.tenantId;
  fx.b.tenantId = b.tenantId;
  markA(a.tenantId);

  // Tenant A: clients, a bookable offering and packages.
  const client = async (name: string) => {
    const created = await asAdminA('post', '/v1/clients', { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${unique()}@example.com` });
    return created;
  };
  const a1 = await client(fx.a.client1Name);
  fx.a.client1Id = a1.id;
  markA1(a1.id, a1.name, a1.email);
  const a2 = await client('Bartholomew Inkwell');
  fx.a.client2Id = a2.id;
  markA(a2.id, a2.name, a2.email);
  fx.a.spareClientId = (await client('Sparrow Spare')).id;
  markA(fx.a.spareClientId);

  fx.a.sessionTypeId = (await asAdminA('post', '/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } })).id;
  fx.a.scheduleId = (await asAdminA('post', '/v1/schedules', everyHourUtc([fx.a.sessionTypeId]))).id;
  fx.a.offeringId = await newOffering({ name: 'Quillfeather Intensive', sessionCount: 1000, scheduleId: fx.a.scheduleId, sessionTypeIds: [fx.a.sessionTypeId] });
  markA(fx.a.sessionTypeId, fx.a.scheduleId, 'Quillfeather Intensive');
  fx.a.busyCalendarId = await newBusyCalendar();
  const sell = async (clientId: string) => (await asAdminA('post', '/v1/packages', { offeringId: fx.a.offeringId, clientId, payment: { method: 'cash' } })).id as string;
  fx.a.client1PackageId = await sell(fx.a.client1Id);
  markA1(fx.a.client1PackageId);
  fx.a.client2PackageId = await sell(fx.a.client2Id);
  markA(fx.a.client2PackageId);
  fx.a.creditPackageId = await sellToSpare();
  fx.a.redemptionId = (await asAdminA('post', `/v1/packages/${fx.a.creditPackageId}/redemptions`, {})).redemptionId;
  markA(fx.a.redemptionId);
  fx.a.refundablePackageId = await sellToSpare();
  fx.a.deletableOfferingId = await newOffering();
  fx.a.storefrontSlug = `studio-a-${randomBytes(4).toString('hex')}`;
  await asAdminA('patch', '/v1/storefront-settings', { slug: fx.a.storefrontSlug });
  markA(fx.a.storefrontSlug);

  // An outbound webhook endpoint with one delivery planned (the scheduler is off: nothing is sent).
  fx.a.webhookEndpointId = await newWebhookEndpoint();
  await sellToSpare();
  await planEverything(t);
  const planned = await t.db.pool.query('SELECT id FROM webhook_deliveries WHERE endpoint_id = $1', [fx.a.webhookEndpointId]);
  fx.a.webhookDeliveryId = planned.rows[0].id;
  markA(fx.a.webhookDeliveryId);

  // Sessions that have started (attendance): booked in the next hours, then the business clock moves past them.
  const firstStart = nextWholeHour(t.clock.now().getTime() + 60_000);
  pastCursor = firstStart - 2 * DAY_MS;
  for (let i = 0; i < 3; i++) fx.a.startedBookingIds.push(await book(fx.a.client1Id, fx.a.client1PackageId, new Date(firstStart + i * HOUR_MS).toISOString()));
  t.clock.advance(firstStart + 2 * HOUR_MS + 5 * 60_000 - t.clock.now().getTime());
  slotCursor = nextWholeHour(t.clock.now().getTime() + 3 * DAY_MS);

  fx.a.client1BookingId = await book(fx.a.client1Id, fx.a.client1PackageId);
  fx.a.client2BookingId = await book(fx.a.client2Id, fx.a.client2PackageId);

  // Tenant A sells online through the stand-in for Stripe's servers: A1's checkout, paid and delivered.
  stripeKeys = stripe.newAccountKeys();
  await asAdminA('post', '/v1/payment-settings/stripe', stripeKeys);
  const checkout = await asAdminA('post', '/v1/checkouts', { offeringId: fx.a.offeringId, clientId: fx.a.client1Id, ...RETURN_URLS });
  fx.a.client1CheckoutId = checkout.id;
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!;
  const paid = stripe.event('checkout.session.completed', stripe.pay(session.id));
  ok(await t.http.post(`/v1/webhooks/stripe/${fx.a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(paid, stripeKeys.webhookSecret)).send(paid), 'a Stripe webhook');
  const sold = await asAdminA('get', `/v1/checkouts/${checkout.id}`);
  fx.a.cardPackageId = sold.packageId;
  markA1(checkout.id, sold.packageId);

  // Tenant A's other keys, and an admin key that worked once and was then revoked.
  credentials.staff = (await newKey('staff')).key;
  credentials.accountant = (await newKey('accountant')).key;
  fx.a.spareKeyId = (await newKey('staff')).id;
  const revoked = await newKey('admin');
  await t.http.get('/v1/clients').set(bearer(revoked.key)).expect(200);
  await asAdminA('post', `/v1/api-keys/${revoked.id}/revoke`);
  credentials['revoked key'] = revoked.key;

  // Tenant B: client B1 with a package and a booking of B's own.
  const bAuth = bearer(b.key);
  const bPost = async (path: string, body: object) => ok(await t.http.post(path).set(bAuth).send(body), `B: POST ${path}`);
  fx.b.clientId = (await bPost('/v1/clients', { name: 'Bruno Beispiel', email: `bruno.${unique()}@example.com` })).id;
  const bSessionType = (await bPost('/v1/session-types', { name: 'Training', durationMinutes: 60, price: { amount: 8000, currency: 'EUR' } })).id;
  const bSchedule = (await bPost('/v1/schedules', everyHourUtc([bSessionType]))).id;
  fx.b.offeringId = (await bPost('/v1/offerings', { name: 'Beispiel Basics', sessionCount: 10, price: { amount: 10000, currency: 'EUR' }, scheduleId: bSchedule, sessionTypeIds: [bSessionType] })).id;
  fx.b.packageId = (await bPost('/v1/packages', { offeringId: fx.b.offeringId, clientId: fx.b.clientId, payment: { method: 'cash' } })).id;
  fx.b.bookingId = (await bPost('/v1/bookings', { clientId: fx.b.clientId, scheduleId: bSchedule, sessionTypeId: bSessionType, start: nextSlot(), packageId: fx.b.packageId })).id;
  await bPost('/v1/payment-settings/stripe', stripe.newAccountKeys()); // B sells online too, with its own Stripe account

  // Messages: the planner and dispatcher run once (no SMTP here: recorded not_sent), so the log has A's and B's.
  await readModelsCaughtUp();
  await t.app.get(MessageDispatcher).run();
  const link = new URL(t.app.get(MessageContent).unsubscribeUrl(fx.a.tenantId, fx.a.client2Id));
  fx.a.unsubscribeToken = link.searchParams.get('token')!;
  fx.a.calendarFeedPath = new URL((await asAdminA('post', `/v1/clients/${fx.a.spareClientId}/calendar-feed`)).url).pathname;

  // Client tokens, and the bad ones made from A1's.
  const tokenA1 = await mintToken(a.key, fx.a.client1Id);
  credentials.client = tokenA1;
  credentials['other client'] = await mintToken(a.key, fx.a.client2Id);
  credentials['other tenant client'] = await mintToken(b.key, fx.b.clientId);
  Object.assign(credentials, await badTokens(tokenA1));
});

afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

let liveTwinOfBadTokens = '';

/** Tokens that must all be refused, made from A1's real one. */
async function badTokens(real: string): Promise<Pick<Record<Persona, string>, 'expired token' | 'forged token' | 'tampered token' | 'unsigned token' | 'garbage bearer'>> {
  const decoded = jwt.decode(real, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new Error('the client token is not a JWT');
  const { header, payload } = decoded;
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const [, , signature] = real.split('.');
  const now = Math.floor(Date.now() / 1000);
  // The service's own secret (generated and stored when PUNCHCARD_TOKEN_SECRET is not set), so only the expiry is wrong.
  const { rows } = await t.db.pool.query<{ secret: string }>(`SELECT secret FROM signing_secrets WHERE id = 'client-tokens'`);
  if (!rows[0]) throw new Error('no stored client token secret: read it from where ClientTokens keeps it now');
  const algorithm = header.alg as jwt.Algorithm;
  // The same claims under the real secret, live: what the bad ones must differ from only in what makes them bad.
  liveTwinOfBadTokens = jwt.sign({ ...payload, iat: now, exp: now + 600 }, rows[0].secret, { algorithm });
  return {
    'expired token': jwt.sign({ ...payload, iat: now - 2 * 3600, exp: now - 3600 }, rows[0].secret, { algorithm }),
    'forged token': jwt.sign(payload, randomBytes(32).toString('base64url'), { algorithm }),
    'tampered token': `${base64url(header)}.${base64url({ ...payload, sub: fx.a.client2Id })}.${signature}`,
    'unsigned token': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`,
    'garbage bearer': 'eyJub3QiOiJhIEpXVCJ9.garbage.garbage',
  };
}

// ---------------------------------------------------------------------------------------------
// Tests

describe('the route table and the callers', () => {
  it('has an entry for every route the app serves, and every entry is a route the app serves', () => {
    const served = registeredRoutes(t.app);
    const listed = Object.keys(ROUTES);
    expect({ withoutEntry: served.filter((route) => !listed.includes(route)), notServed: listed.filter((route) => !served.includes(route)) }).toEqual({
      withoutEntry: [],
      notServed: [],
    });
  });

  it('every caller has a credential (or deliberately none)', () => {
    expect(PERSONAS.filter((persona) => persona !== 'no key' && !credentials[persona])).toEqual([]);
  });

  it("the bad tokens are refused for what is wrong with them: A1's claims under the real secret, live, are A1", async () => {
    const res = await t.http.get('/v1/me').set(bearer(liveTwinOfBadTokens)).expect(200);
    expect(res.body.id).toBe(fx.a.client1Id);
  });
});

describe('the access matrix', () => {
  it.each(CELLS)('%s as %s: %s', async (route, persona) => {
    const method = methodOf(route);
    const allowed = expectedStatuses(route, persona);
    const succeeds = allowed.every((status) => status < 300);
    const call = await ROUTES[route].request({ persona, fresh: succeeds });
    if (method === 'GET') await readModelsCaughtUp(); // reads see every earlier write
    const before = method === 'GET' ? null : await fingerprint();

    const req = t.http[method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete'](call.path).set(authorization(persona)).set(call.headers ?? {});
    const res = call.body === undefined ? await req : await req.send(call.body);
    notePosition(res);

    // The status, with the start of the body to say why when it is not the expected one.
    expect(`${res.status} ${res.text?.slice(0, 300)}`).toMatch(new RegExp(`^(${allowed.join('|')}) `));
    if (!succeeds) {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toMatch({ 401: /^unauthorized$/, 403: /^(role_)?forbidden$/, 404: /_not_found$/, 422: /_not_found$|^unknown_/ }[res.status as 401] ?? /./);
      if (before) expect(await fingerprint()).toEqual(before);
    }
    if (succeeds && ROUTES[route].list) expectNoLeak(persona, res);
  });
});

/**
 * What a refused write must leave as it was: the events, and the tables that are not event-sourced
 * (tenants, API keys, the client directory, webhook endpoints and deliveries).
 */
async function fingerprint() {
  const digest = (table: string) => `(SELECT md5(coalesce(string_agg(row_text, ',' ORDER BY row_text), '')) FROM (SELECT r::text AS row_text FROM ${table} r) rows)`;
  const { rows } = await t.db.pool.query(
    `SELECT (SELECT count(*)::int FROM events) AS events, ${digest('tenants')} AS tenants, ${digest('api_keys')} AS api_keys, ${digest('clients')} AS clients,
       ${digest('message_settings')} AS message_settings, ${digest('message_templates')} AS message_templates,
       ${digest('message_preferences')} AS message_preferences, ${digest('due_messages')} AS due_messages,
       ${digest('webhook_endpoints')} AS webhook_endpoints, ${digest('webhook_deliveries')} AS webhook_deliveries`,
  );
  return rows[0];
}

/** Another tenant's (another client's) list holds none of A's (A1's) data; A's own list does hold it, so the check can fail. */
function expectNoLeak(persona: Persona, res: Response) {
  const text = res.text ?? JSON.stringify(res.body);
  const found = (markers: Set<string>) => [...markers].filter((marker) => text.includes(marker));
  if (persona === 'other tenant admin' || persona === 'other tenant client') expect(found(tenantAMarkers)).toEqual([]);
  else if (persona === 'other client') expect(found(clientA1Markers)).toEqual([]);
  else if (TENANT_A_ROLES.includes(persona) || persona === 'client') expect(found(tenantAMarkers)).not.toEqual([]);
}
