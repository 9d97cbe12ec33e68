import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { Response } from 'supertest';
import { BODY_LIMIT_BYTES, badBodies, BadBody, modelOf, OpenApiDocument, requestSchemaOf, toJsonText, WriteRoute, writeRoutesOf } from '../support/body-fuzz';
import { MessageDispatcher } from '../../apps/api/src/messages';
import { MessageContent } from '../../apps/api/src/messages/message-content';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { planEverything } from '../support/webhook-receiver';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Every POST, PATCH and PUT route the app serves (read from its router, so a new one is fuzzed or the
 * test fails) gets generated bodies that are wrong by construction: one decisive mutation of a valid
 * seed body (unknown fields such as tenantId/creditsRemaining/role/__proto__, wrong types, huge
 * strings and numbers, floats, negatives, malformed instants, dates, zones and ids, a required
 * field left out, bodies that are not objects or are nested thousands deep), sometimes with noise
 * on other fields. Each must get a 4xx application/problem+json with a code (413 when over the body
 * limit), never a 5xx, and nothing may change: events, read documents, clients, tenants, keys.
 * The seed bodies are then sent as they are and must succeed, so it was the mutations that failed.
 *
 * FUZZ_SEED=<n> replays another run; FUZZ_RUNS=<n> sets the bodies per route; FUZZ_REPORT=<file>
 * appends every failure (the assertion shows the first ten per route).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20260505);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 150);
/** Share of POST requests sent with an Idempotency-Key; a third of those are sent twice. */
const IDEMPOTENT_SHARE = 0.25;
/** Share of requests whose path id is also wrong (not a UUID, unknown, another tenant's). */
const BAD_PATH_SHARE = 0.1;

let t: TestApp;
let a: TenantSession; // the tenant under test
let b: TenantSession; // another tenant: its ids are as good as unknown to `a`
let doc: OpenApiDocument;
let routes: WriteRoute[];
/** The local stand-in for Stripe's servers (test/support/stripe-stand-in.ts); tenant `a` is connected to it. */
let stripe: StripeStandIn;
let stripeKeys: { secretKey: string; webhookSecret: string };

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** Resources the seeds aim at, created in beforeAll. */
const fx = {
  clientId: '',
  offeringId: '', // sold in packages
  patchOfferingId: '', // what PATCH /v1/offerings/:id changes (no packages)
  deletableOfferingId: '',
  packageId: '', // redemptions, adjustments, expiry changes
  redemptionId: '', // on packageId, to be reversed
  refundPackageId: '',
  cardPackageId: '', // bought online (checkout, paid, webhook): card refunds
  sessionTypeId: '', // on both schedules, booked by bookingPackageId
  patchSessionTypeId: '',
  scheduleId: '',
  bookingScheduleId: '', // UTC, open all day every day: every hour is a slot
  bookingPackageId: '',
  startedBookingId: '', // started minutes ago (the test clock moved): attendance
  cancelBookingId: '',
  rescheduleBookingId: '',
  freeStart: '', // a free slot POST /v1/bookings takes
  pastStart: '', // a free slot in the past, for POST /v1/bookings/past-sessions
  unsubscribeToken: '', // fx.clientId's signed unsubscribe token
  rescheduleTo: '', // another free slot the reschedule moves to
  myCancelBookingId: '', // the client's own, for /v1/me/bookings/...
  myRescheduleBookingId: '',
  myFreeStart: '',
  myRescheduleTo: '',
  clientToken: '', // fx.clientId's token for /v1/me/...
  revokeKeyId: '', // staff keys for the key management routes
  rotateKeyId: '',
  webhookEndpointId: '', // an outbound webhook endpoint with one planned delivery
  busyCalendarId: '', // an external busy calendar of the schedule (an address that never resolves)
  webhookDeliveryId: '',
  foreignIds: [] as string[], // tenant b's client, offering, package, session type, schedule
};

type Caller = 'operator' | 'admin' | 'client';

interface Seed {
  /** Default: the tenant's admin key; 'client': fx.clientId's client token. */
  as?: Caller;
  path: () => string;
  /** A body the route accepts; every bad body is a mutation of it. */
  body: () => Record<string, unknown>;
  /** Integer fields where a negative number is valid. */
  signed?: string[];
  /** Headers the route needs besides the credential, for the seed body as it is (a webhook's signature). */
  headers?: () => Record<string, string>;
}

let emails = 0;
const WEBHOOK_SEED = { id: 'evt_1FuzzSeed', object: 'event', type: 'customer.created', created: 1767225600, data: { object: { id: 'cus_1', object: 'customer', email: 'ada@example.com' } } };
const range = (start: string, end: string) => ({ start, end });
const price = (amount: number) => ({ amount, currency: 'USD' });
const pkg = (suffix = '') => () => `/v1/packages/${fx.packageId}${suffix}`;

/**
 * A valid body for every POST/PATCH/PUT route (method + Express path). A route the app serves without
 * an entry here fails the test, so a new endpoint cannot go unfuzzed.
 */
const SEEDS: Record<string, Seed> = {
  'POST /v1/tenants': { as: 'operator', path: () => '/v1/tenants', body: () => ({ name: 'Studio Nord', timezone: 'Europe/Berlin', currency: 'EUR' }) },
  'POST /v1/tenants/:id/admin-keys': { as: 'operator', path: () => `/v1/tenants/${a.tenantId}/admin-keys`, body: () => ({ name: 'Owner laptop' }) },
  'POST /v1/clients': {
    path: () => '/v1/clients',
    body: () => ({ name: 'Grace Hopper', email: `grace${++emails}@example.com`, timezone: 'Europe/London', groups: ['VIP', 'Mornings'] }),
  },
  'PATCH /v1/clients/:id': {
    path: () => `/v1/clients/${fx.clientId}`,
    body: () => ({ name: 'Ada King', email: 'ada.king@example.com', timezone: 'Europe/London', groups: ['VIP'] }),
  },
  'POST /v1/offerings': {
    path: () => '/v1/offerings',
    body: () => ({
      name: '10 sessions',
      description: 'Ten personal training sessions',
      sessionCount: 10,
      price: price(90000),
      validityDays: 90,
      status: 'active',
      scheduleId: fx.bookingScheduleId,
      sessionTypeIds: [fx.sessionTypeId],
      maxSessionsPerWeek: 3,
      visibility: { kind: 'groups', groups: ['VIP'] },
      reminders: [{ amount: 24, unit: 'hours' }],
      feedbackRequest: true,
      cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'return' },
    }),
  },
  'PATCH /v1/offerings/:id': {
    path: () => `/v1/offerings/${fx.patchOfferingId}`,
    body: () => ({
      name: 'Renamed',
      description: 'Now eight sessions',
      sessionCount: 8,
      price: price(60000),
      expiresOn: '2099-12-31',
      status: 'paused',
      scheduleId: fx.bookingScheduleId,
      sessionTypeIds: [fx.sessionTypeId],
      maxSessionsPerWeek: 2,
      visibility: { kind: 'all' },
      reminders: [{ amount: 1, unit: 'days' }],
      feedbackRequest: false,
      cancellationPolicy: { noticeHours: 12, lateCancellation: 'return', noShow: 'forfeit' },
    }),
  },
  'POST /v1/offerings/:id/deletion': { path: () => `/v1/offerings/${fx.deletableOfferingId}/deletion`, body: () => ({ reason: 'Service discontinued' }) },
  'POST /v1/packages': { path: () => '/v1/packages', body: () => ({ offeringId: fx.offeringId, clientId: fx.clientId, payment: { method: 'cash', reference: 'R-1' } }) },
  'POST /v1/packages/:id/redemptions': {
    path: pkg('/redemptions'),
    body: () => ({ bookingId: 'booking-1', serviceId: 'svc-1', note: 'Deducted at the end of the workout', sessionAt: new Date(t.clock.now().getTime() - 60_000).toISOString() }),
  },
  'POST /v1/packages/:id/redemptions/:redemptionId/reversals': { path: () => `${pkg()()}/redemptions/${fx.redemptionId}/reversals`, body: () => ({ reason: 'Deducted twice' }) },
  'POST /v1/packages/:id/adjustments': { path: pkg('/adjustments'), body: () => ({ delta: 2, reason: 'Goodwill' }), signed: ['delta'] },
  'POST /v1/packages/:id/expiry-changes': { path: pkg('/expiry-changes'), body: () => ({ expiresAt: '2099-12-31T23:00:00Z', reason: 'Client was ill' }) },
  // A card-paid package, refunded through the stand-in for Stripe's servers; the route requires an Idempotency-Key.
  'POST /v1/packages/:id/card-refunds': {
    path: () => `/v1/packages/${fx.cardPackageId}/card-refunds`,
    body: () => ({ credits: 2, amount: 18000, reason: 'Client moved away' }),
    headers: () => ({ 'Idempotency-Key': `fuzz-card-refund-${randomUUID()}` }),
  },
  'POST /v1/packages/:id/refunds': { path: () => `/v1/packages/${fx.refundPackageId}/refunds`, body: () => ({ credits: 2, amount: 18000, reason: 'Client moved away' }) },
  'POST /v1/session-types': {
    path: () => '/v1/session-types',
    body: () => ({
      name: 'Personal training',
      description: 'One to one',
      coverImageUrl: 'https://cdn.example.com/pt.jpg',
      capacity: 2,
      nonMemberPrice: price(9000),
      location: 'Studio A',
      bufferMinutes: 15,
      minLeadHours: 2,
      maxLeadDays: 30,
      maxSessionsPerDay: 4,
      durationMinutes: 60,
      price: price(8000),
      status: 'active',
    }),
  },
  'PATCH /v1/session-types/:id': {
    path: () => `/v1/session-types/${fx.patchSessionTypeId}`,
    body: () => ({
      name: 'Small group',
      description: 'Up to four',
      coverImageUrl: 'https://cdn.example.com/group.jpg',
      capacity: 4,
      nonMemberPrice: price(5000),
      location: 'Studio B',
      bufferMinutes: 10,
      minLeadHours: 1,
      maxLeadDays: 60,
      maxSessionsPerDay: 6,
      durationMinutes: 45,
      price: price(4000),
      status: 'paused',
    }),
  },
  'POST /v1/schedules': {
    path: () => '/v1/schedules',
    body: () => ({
      host: 'Coach Ada',
      timezone: 'America/New_York',
      weeklyHours: { monday: [range('09:00', '12:00'), range('13:00', '24:00')], friday: [range('07:30', '10:00')] },
      overrides: [
        { date: '2027-01-04', hours: [] },
        { date: '2027-01-08', hours: [range('10:00', '11:00')] },
      ],
      sessionTypeIds: [fx.sessionTypeId],
      active: true,
    }),
  },
  'PATCH /v1/schedules/:id': {
    path: () => `/v1/schedules/${fx.scheduleId}`,
    body: () => ({
      host: 'Coach Bea',
      timezone: 'America/New_York', // its own: a schedule's zone is fixed once created
      weeklyHours: { tuesday: [range('08:00', '12:00')], sunday: [] },
      overrides: [{ date: '2027-02-01', hours: [range('09:00', '10:30')] }],
      sessionTypeIds: [fx.sessionTypeId],
      active: true,
    }),
  },
  'POST /v1/bookings': {
    path: () => '/v1/bookings',
    body: () => ({ clientId: fx.clientId, scheduleId: fx.bookingScheduleId, sessionTypeId: fx.sessionTypeId, start: fx.freeStart, packageId: fx.bookingPackageId }),
  },
  'POST /v1/bookings/past-sessions': {
    path: () => '/v1/bookings/past-sessions',
    body: () => ({ clientId: fx.clientId, scheduleId: fx.bookingScheduleId, sessionTypeId: fx.sessionTypeId, start: fx.pastStart, packageId: fx.bookingPackageId }),
  },
  'POST /v1/bookings/:id/cancellations': { path: () => `/v1/bookings/${fx.cancelBookingId}/cancellations`, body: () => ({ reason: 'Client is ill', byBusiness: true }) },
  'POST /v1/bookings/:id/reschedules': {
    path: () => `/v1/bookings/${fx.rescheduleBookingId}/reschedules`,
    body: () => ({ start: fx.rescheduleTo, scheduleId: fx.bookingScheduleId }),
  },
  'POST /v1/bookings/:id/attendance': { path: () => `/v1/bookings/${fx.startedBookingId}/attendance`, body: () => ({ attendance: 'no_show' }) },
  'POST /v1/api-keys': { path: () => '/v1/api-keys', body: () => ({ role: 'staff', name: 'Front desk tablet' }) },
  'PATCH /v1/accounting/policy': { path: () => '/v1/accounting/policy', body: () => ({ recognitionBasis: 'delivery', reason: 'IFRS 15: revenue when the session is delivered' }) },
  // Takes no body: the only valid one is empty, so every generated body is an unknown field or not an object.
  'POST /v1/api-keys/:id/revoke': { path: () => `/v1/api-keys/${fx.revokeKeyId}/revoke`, body: () => ({}) },
  'POST /v1/api-keys/:id/rotate': { path: () => `/v1/api-keys/${fx.rotateKeyId}/rotate`, body: () => ({ revokeOldAfterSeconds: 3600 }) },
  'POST /v1/clients/:id/tokens': { path: () => `/v1/clients/${fx.clientId}/tokens`, body: () => ({ ttlSeconds: 900 }) },
  'PATCH /v1/storefront-settings': { path: () => '/v1/storefront-settings', body: () => ({ slug: 'fuzz-studio' }) },
  'PATCH /v1/message-settings': {
    path: () => '/v1/message-settings',
    body: () => ({ expiryReminderDays: 5, disabledKinds: ['renewal_prompt'], bookingUrl: 'https://studio.example.com/book' }),
  },
  'PUT /v1/message-templates/:kind': {
    path: () => '/v1/message-templates/booking_nudge',
    body: () => ({ subject: 'Book soon, {{client_name}}', html: '<p>{{sessions_remaining}} left</p><a href="{{unsubscribe_url}}">Unsubscribe</a>', text: '{{sessions_remaining}} left' }),
  },
  'POST /v1/message-templates/:kind/preview': {
    path: () => '/v1/message-templates/purchase_confirmation/preview',
    body: () => ({ subject: 'Hi {{client_name}}', html: '<p>{{package_name}}</p>', text: '{{package_name}}', packageId: fx.packageId }),
  },
  // Takes no body (like revoke): the message was recorded not_sent in beforeAll (no SMTP here), so it may be resent.
  'POST /v1/messages/:id/resend': { path: () => `/v1/messages/purchase_confirmation:${fx.refundPackageId}/resend`, body: () => ({}) },
  'PATCH /v1/clients/:id/message-preferences': { path: () => `/v1/clients/${fx.clientId}/message-preferences`, body: () => ({ nudgesUnsubscribed: true }) },
  'POST /v1/schedules/:scheduleId/calendar-feed': { path: () => `/v1/schedules/${fx.scheduleId}/calendar-feed`, body: () => ({}) },
  'POST /v1/clients/:clientId/calendar-feed': { path: () => `/v1/clients/${fx.clientId}/calendar-feed`, body: () => ({}) },
  'POST /v1/me/calendar-feed': { as: 'client', path: () => '/v1/me/calendar-feed', body: () => ({}) },
  'POST /v1/unsubscribe': { path: () => `/v1/unsubscribe?token=${encodeURIComponent(fx.unsubscribeToken)}`, body: () => ({}) },
  'POST /v1/me/bookings': {
    as: 'client',
    path: () => '/v1/me/bookings',
    body: () => ({ scheduleId: fx.bookingScheduleId, sessionTypeId: fx.sessionTypeId, start: fx.myFreeStart, packageId: fx.bookingPackageId }),
  },
  'POST /v1/payment-settings/stripe': { path: () => '/v1/payment-settings/stripe', body: () => ({ ...stripeKeys }) },
  'POST /v1/checkouts': {
    path: () => '/v1/checkouts',
    body: () => ({ offeringId: fx.offeringId, clientId: fx.clientId, successUrl: 'https://studio.example.com/thanks?checkout={CHECKOUT_ID}', cancelUrl: 'https://studio.example.com/offers' }),
  },
  'POST /v1/me/checkouts': {
    as: 'client',
    path: () => '/v1/me/checkouts',
    body: () => ({ offeringId: fx.offeringId, successUrl: 'https://studio.example.com/thanks', cancelUrl: 'https://studio.example.com/offers' }),
  },
  // Signed for the seed body as it is: every mutated body fails the signature check (400), the seed passes (an event type Punchcard ignores).
  'POST /v1/webhooks/stripe/:tenantId': {
    path: () => `/v1/webhooks/stripe/${a.tenantId}`,
    body: () => structuredClone(WEBHOOK_SEED),
    headers: () => ({ 'Stripe-Signature': signatureFor(JSON.stringify(WEBHOOK_SEED), stripeKeys.webhookSecret) }),
  },
  'POST /v1/webhook-endpoints': {
    path: () => '/v1/webhook-endpoints',
    body: () => ({ url: 'https://93.184.215.14/punchcard-hooks', events: ['package.purchased', 'booking.created'], description: 'CRM sync', enabled: true }),
  },
  'POST /v1/schedules/:scheduleId/busy-calendars': {
    path: () => `/v1/schedules/${fx.scheduleId}/busy-calendars`,
    body: () => ({ name: 'Ada’s Google calendar', url: 'https://calendar.invalid/private-0123456789/basic.ics' }),
  },
  // Takes no body: the only valid one is empty.
  'POST /v1/schedules/:scheduleId/busy-calendars/:calendarId/refresh': { path: () => `/v1/schedules/${fx.scheduleId}/busy-calendars/${fx.busyCalendarId}/refresh`, body: () => ({}) },
  'PATCH /v1/webhook-endpoints/:id': {
    path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}`,
    body: () => ({ url: 'https://93.184.215.14/other-hooks', events: ['package.expired'], description: 'Changed', enabled: true }),
  },
  // Take no body: the only valid one is empty.
  'POST /v1/webhook-endpoints/:id/secret-rotations': { path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}/secret-rotations`, body: () => ({}) },
  'POST /v1/webhook-endpoints/:id/deliveries/:deliveryId/redeliveries': {
    path: () => `/v1/webhook-endpoints/${fx.webhookEndpointId}/deliveries/${fx.webhookDeliveryId}/redeliveries`,
    body: () => ({}),
  },
  'POST /v1/me/bookings/:id/cancellations': { as: 'client', path: () => `/v1/me/bookings/${fx.myCancelBookingId}/cancellations`, body: () => ({ reason: 'I am ill' }) },
  'POST /v1/me/bookings/:id/reschedules': {
    as: 'client',
    path: () => `/v1/me/bookings/${fx.myRescheduleBookingId}/reschedules`,
    body: () => ({ start: fx.myRescheduleTo, scheduleId: fx.bookingScheduleId }),
  },
};

// ---------------------------------------------------------------------------------------------
// Setup

beforeAll(async () => {
  stripe = await StripeStandIn.start();
  t = await createTestApp({ config: { stripeApiUrl: stripe.url } });
  a = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
  b = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
  const post = async (session: TenantSession, path: string, body: Record<string, unknown>) => (await t.http.post(path).set(session.auth).send(body).expect(201)).body;

  fx.clientId = await a.createClient('Ada Lovelace');
  fx.offeringId = await a.createOffering();
  fx.patchOfferingId = await a.createOffering({ name: 'To be changed' });
  fx.deletableOfferingId = await a.createOffering({ name: 'To be deleted' });
  fx.packageId = (await a.sellPackage(fx.offeringId, fx.clientId)).id;
  fx.redemptionId = (await post(a, `/v1/packages/${fx.packageId}/redemptions`, {})).redemptionId;
  fx.refundPackageId = (await a.sellPackage(fx.offeringId, fx.clientId)).id;
  // Connected to the stand-in for Stripe's servers; a package bought online (checkout, paid, webhook) for card refunds.
  stripeKeys = stripe.newAccountKeys();
  await t.http.post('/v1/payment-settings/stripe').set(a.auth).send(stripeKeys).expect(200);
  const checkout = await post(a, '/v1/checkouts', { offeringId: fx.offeringId, clientId: fx.clientId, successUrl: 'https://studio.example.com/ok', cancelUrl: 'https://studio.example.com/no' });
  const paid = stripe.event('checkout.session.completed', stripe.pay([...stripe.sessions.values()].find((s) => s.client_reference_id === checkout.id)!.id));
  await t.http.post(`/v1/webhooks/stripe/${a.tenantId}`).set('Content-Type', 'application/json').set('Stripe-Signature', signatureFor(paid, stripeKeys.webhookSecret)).send(paid).expect(200);
  fx.cardPackageId = (await t.http.get(`/v1/checkouts/${checkout.id}`).set(a.auth).expect(200)).body.packageId;

  const sessionType = async (session: TenantSession, currency: string) =>
    (await post(session, '/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency } })).id;
  fx.sessionTypeId = await sessionType(a, 'USD');
  fx.patchSessionTypeId = await sessionType(a, 'USD');
  fx.scheduleId = (await post(a, '/v1/schedules', { host: 'Coach Ada', timezone: 'America/New_York', weeklyHours: { monday: [range('09:00', '12:00')] }, sessionTypeIds: [fx.sessionTypeId] })).id;
  const allDay = [range('00:00', '24:00')];
  const everyDay = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, allDay]));
  fx.bookingScheduleId = (await post(a, '/v1/schedules', { host: 'Coach Ada', timezone: 'UTC', weeklyHours: everyDay, sessionTypeIds: [fx.sessionTypeId] })).id;
  const bookable = await a.createOffering({ name: 'Bookable', sessionCount: 10, scheduleId: fx.bookingScheduleId, sessionTypeIds: [fx.sessionTypeId] });
  fx.bookingPackageId = (await a.sellPackage(bookable, fx.clientId)).id;
  const book = async (start: string) =>
    (await post(a, '/v1/bookings', { clientId: fx.clientId, scheduleId: fx.bookingScheduleId, sessionTypeId: fx.sessionTypeId, start, packageId: fx.bookingPackageId })).id;
  /** The first whole hour at least `ms` from the test clock's now. */
  const hourAfter = (ms: number) => new Date(Math.ceil((t.clock.now().getTime() + ms) / HOUR_MS) * HOUR_MS).toISOString();

  const startedStart = hourAfter(1000);
  fx.startedBookingId = await book(startedStart);
  fx.pastStart = shifted(startedStart, -2 * HOUR_MS);
  t.clock.advance(Date.parse(startedStart) + 5 * 60_000 - t.clock.now().getTime());
  const upcoming = hourAfter(2 * DAY_MS);
  fx.cancelBookingId = await book(upcoming);
  fx.rescheduleBookingId = await book(shifted(upcoming, HOUR_MS));
  fx.freeStart = shifted(upcoming, 2 * HOUR_MS);
  fx.rescheduleTo = shifted(upcoming, 3 * HOUR_MS);
  fx.myCancelBookingId = await book(shifted(upcoming, 4 * HOUR_MS));
  fx.myRescheduleBookingId = await book(shifted(upcoming, 5 * HOUR_MS));
  fx.myFreeStart = shifted(upcoming, 6 * HOUR_MS);
  fx.myRescheduleTo = shifted(upcoming, 7 * HOUR_MS);
  fx.clientToken = (await post(a, `/v1/clients/${fx.clientId}/tokens`, { ttlSeconds: 86_400 })).token;
  fx.revokeKeyId = (await post(a, '/v1/api-keys', { role: 'staff', name: 'To be revoked' })).id;
  fx.rotateKeyId = (await post(a, '/v1/api-keys', { role: 'staff', name: 'To be rotated' })).id;

  fx.busyCalendarId = (await post(a, `/v1/schedules/${fx.scheduleId}/busy-calendars`, { name: 'Private', url: 'https://calendar.invalid/private-0123456789/basic.ics' })).id;
  fx.webhookEndpointId = (await post(a, '/v1/webhook-endpoints', { url: 'https://93.184.215.14/punchcard-hooks', events: ['package.purchased'] })).id;
  await a.sellPackage(fx.offeringId, fx.clientId);
  await planEverything(t);
  fx.webhookDeliveryId = (await t.db.pool.query('SELECT id FROM webhook_deliveries WHERE endpoint_id = $1', [fx.webhookEndpointId])).rows[0].id;

  const otherClient = await b.createClient();
  const otherOffering = await b.createOffering({ price: { amount: 100, currency: 'EUR' } });
  const otherPackage = (await b.sellPackage(otherOffering, otherClient)).id;
  const otherSessionType = await sessionType(b, 'EUR');
  const otherSchedule = (await post(b, '/v1/schedules', { host: 'Bea', timezone: 'Europe/Berlin', sessionTypeIds: [otherSessionType] })).id;
  fx.foreignIds = [otherClient, otherOffering, otherPackage, otherSessionType, otherSchedule];

  // Messages planned and recorded (not_sent: no SMTP here), so a resend has something to resend.
  const { runner } = t.infrastructure;
  await runner.waitUntil(() => runner.isCaughtUp('packages-v2'), 10_000);
  await t.app.get(MessageDispatcher).run();
  fx.unsubscribeToken = new URL(t.app.get(MessageContent).unsubscribeUrl(a.tenantId, fx.clientId)).searchParams.get('token')!;

  doc = (await t.http.get('/docs-json').expect(200)).body;
  routes = writeRoutesOf(t.app);
  before = await stableSnapshot();
  eventsBefore = await t.eventCount();
  process.stdout.write(`fuzz: seed ${SEED} (FUZZ_SEED), ${RUNS_PER_ROUTE} bodies per route, ${routes.length} POST/PATCH/PUT routes served\n`);
});

afterAll(async () => {
  if (stats.requests) {
    const statuses = Object.entries(stats.statuses)
      .sort()
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
    process.stdout.write(`fuzz: ${stats.routes} routes, ${stats.requests} requests (${stats.replays} idempotent replays) in ${(stats.ms / 1000).toFixed(1)} s; ${statuses}\n`);
  }
  await t?.close();
  await stripe?.close();
});

// ---------------------------------------------------------------------------------------------
// Sending and checking

const stats = { routes: 0, requests: 0, replays: 0, ms: 0, statuses: {} as Record<string, number> };

function headersFor(caller: Caller = 'admin'): Record<string, string> {
  if (caller === 'operator') return { Authorization: `Bearer ${t.operatorKey}` };
  if (caller === 'client') return { Authorization: `Bearer ${fx.clientToken}` };
  return a.auth;
}

function count(res: Response): Response {
  stats.requests++;
  stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
  return res;
}

async function send(method: 'POST' | 'PATCH' | 'PUT', path: string, headers: Record<string, string>, text: string): Promise<Response> {
  const req = method === 'POST' ? t.http.post(path) : method === 'PUT' ? t.http.put(path) : t.http.patch(path);
  return req.set(headers).set('Content-Type', 'application/json').send(text);
}

function problemOf(res: Response): { code?: unknown } | undefined {
  try {
    return JSON.parse(res.text);
  } catch {
    return undefined;
  }
}

/** What is wrong with the answer to a bad body, or null. `malformed`: the body alone must be refused (400 or 413). */
function fault(res: Response, bytes: number, malformed: boolean): string | null {
  const contentType = String(res.headers['content-type'] ?? '');
  const code = problemOf(res)?.code;
  if (res.status >= 500) return `${res.status} ${String(code)}`;
  if (res.status < 400) return `accepted: ${res.status}`;
  if (!/^application\/problem\+json/.test(contentType)) return `${res.status} with content-type ${contentType || 'none'}`;
  if (typeof code !== 'string') return `${res.status} problem without a code`;
  if (bytes > BODY_LIMIT_BYTES && (res.status !== 413 || code !== 'payload_too_large')) return `${bytes} bytes answered ${res.status} ${code}, not 413 payload_too_large`;
  // The body must be what was refused: a request turned away before it (credentials, rate limit) tested nothing.
  if ([401, 403, 429].includes(res.status)) return `${res.status} ${code}: turned away before the body was read`;
  // A malformed value that reaches the handler (a 404/409/422 from the domain) slipped through validation.
  if (malformed && res.status !== 400 && res.status !== 413) return `${res.status} ${code}: a malformed body got past validation`;
  return null;
}

/** The path with one of its ids made wrong. */
function withBadId(path: string, pick: number): string {
  const ids = path.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [];
  const id = ids[pick % Math.max(ids.length, 1)];
  if (!id) return path;
  const bad = ['not-a-uuid', '..%2F..%2Fetc%2Fpasswd', randomUUID(), fx.foreignIds[pick % fx.foreignIds.length], '%00', id.toUpperCase(), `${id}%20`][pick % 7]!;
  return path.replace(id, bad);
}

/** Everything a bad body must leave as it was (idempotency records and projection checkpoints may move). */
const IGNORED_TABLES = new Set(['idempotency_keys', 'projection_checkpoints', 'schema_migrations']);
const IGNORED_COLUMNS = /^last_(used|seen)/;
let before: Record<string, string>;
let eventsBefore: number;

async function stableSnapshot(): Promise<Record<string, string>> {
  await t.infrastructure.runner.stop();
  await t.infrastructure.runner.catchUpAll(); // every event so far is in the read documents
  const { rows: columns } = await t.db.pool.query(
    `SELECT c.table_name, array_agg(quote_ident(c.column_name) ORDER BY c.ordinal_position) AS columns
     FROM information_schema.columns c JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE' GROUP BY c.table_name ORDER BY c.table_name`,
  );
  const snapshot: Record<string, string> = {};
  for (const { table_name: table, columns: cols } of columns as { table_name: string; columns: string[] }[]) {
    if (IGNORED_TABLES.has(table)) continue;
    const kept = cols.filter((c) => !IGNORED_COLUMNS.test(c.replace(/"/g, '')));
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS hash FROM (SELECT ${kept.join(', ')} FROM ${JSON.stringify(table)}) r`,
    );
    snapshot[table] = `${rows[0].n} rows, ${rows[0].hash}`;
  }
  t.infrastructure.runner.start();
  return snapshot;
}

/** A stable number per route, so adding a route does not change the bodies another one gets. */
const routeSeed = (key: string) => [...key].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED);

// ---------------------------------------------------------------------------------------------
// Tests

it('has a seed body for every POST/PATCH/PUT route the app serves (a new route must be added to SEEDS)', () => {
  expect(routes.length).toBeGreaterThan(0);
  expect(routes.map((r) => r.key).filter((key) => !SEEDS[key])).toEqual([]);
});

describe.each(Object.keys(SEEDS))('%s', (key) => {
  it('answers every bad body with a 4xx problem+json and a code, never a 5xx', async () => {
    const route = routes.find((r) => r.key === key);
    if (!route) throw new Error(`SEEDS has ${key}, which the app does not serve: remove or rename the entry`);
    const seed = SEEDS[key];
    const model = modelOf(seed.body(), doc, requestSchemaOf(doc, route), { signed: seed.signed });
    const cases = fc.sample(
      // Rolls without fast-check's bias towards small values, so the shares above hold.
      fc.tuple(badBodies(model, fx.foreignIds), fc.noBias(fc.integer({ min: 0, max: 999 })).map((n) => n / 1000), fc.noBias(fc.integer({ min: 0, max: 999 })).map((n) => n / 1000), fc.nat()),
      { seed: routeSeed(key), numRuns: RUNS_PER_ROUTE },
    );
    const failures: string[] = [];
    const started = Date.now();
    for (const [bad, idempotencyRoll, pathRoll, pick] of cases as [BadBody, number, number, number][]) {
      const text = toJsonText(bad.build(seed.body()));
      const bytes = Buffer.byteLength(text);
      const path = pathRoll < BAD_PATH_SHARE ? withBadId(seed.path(), pick) : seed.path();
      const malformed = bad.malformed && path === seed.path(); // a wrong path id may be answered 404 first
      const headers = { ...headersFor(seed.as), ...seed.headers?.() };
      const idempotent = route.method === 'POST' && idempotencyRoll < IDEMPOTENT_SHARE;
      if (idempotent) headers['Idempotency-Key'] = `fuzz-${randomUUID()}`;
      const report = (what: string, res: Response) =>
        failures.push(`${what} — ${bad.label}\n    ${route.method} ${path}${idempotent ? ' (Idempotency-Key)' : ''}\n    body (${bytes} bytes): ${text.slice(0, 300)}\n    answer: ${res.status} ${res.text.slice(0, 300)}`);

      const res = count(await send(route.method, path, headers, text));
      const problem = fault(res, bytes, malformed);
      if (problem) report(problem, res);
      if (idempotent && idempotencyRoll < IDEMPOTENT_SHARE / 3) {
        // The same key and body again: the same answer (stored, or refused again), still a problem.
        const again = count(await send(route.method, path, headers, text));
        stats.replays++;
        const replayProblem = fault(again, bytes, malformed);
        if (replayProblem) report(`replay: ${replayProblem}`, again);
        else if (again.status !== res.status || problemOf(again)?.code !== problemOf(res)?.code) {
          report(`replay answered ${again.status} ${String(problemOf(again)?.code)} after ${res.status} ${String(problemOf(res)?.code)}`, again);
        }
      }
    }
    stats.routes++;
    stats.ms += Date.now() - started;
    if (process.env.FUZZ_REPORT && failures.length) appendFileSync(process.env.FUZZ_REPORT, `## ${key}\n${failures.join('\n')}\n`);
    expect({ route: key, failures: failures.length, first: failures.slice(0, 10) }).toEqual({ route: key, failures: 0, first: [] });
  });
});

describe('after every bad body', () => {
  it('the database is as it was: no event appended, no read document, client, tenant or key changed', async () => {
    expect(await t.eventCount()).toBe(eventsBefore);
    expect(await stableSnapshot()).toEqual(before);
  });

  // Last, because it changes things: the seeds are valid, so it was each mutation that was refused.
  it('every seed body as it is succeeds', async () => {
    const refused: string[] = [];
    for (const [key, seed] of Object.entries(SEEDS)) {
      const method = key.split(' ')[0] as 'POST' | 'PATCH' | 'PUT';
      const text = JSON.stringify(seed.body());
      const res = await send(method, seed.path(), { ...headersFor(seed.as), ...seed.headers?.() }, text);
      if (res.status >= 300) refused.push(`${key}: ${res.status} ${res.text.slice(0, 300)}\n    body: ${text.slice(0, 300)}`);
    }
    expect(refused).toEqual([]);
  });
});
