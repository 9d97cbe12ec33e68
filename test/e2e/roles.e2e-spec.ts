import { DateTime } from 'luxon';
import type { Response } from 'supertest';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * What each tenant key role may do (docs/adr/0013), a few representative routes per role; the full
 * endpoint x credential matrix lives in the access-matrix test. A refused call changes nothing.
 */

const NY = 'America/New_York';
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAY_HOURS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };

let t: TestApp;
let studio: TenantSession;
const keys: Record<'staff' | 'accountant', { Authorization: string }> = {} as never;
const ids = { clientId: '', offeringId: '', packageId: '', redemptionId: '', sessionTypeId: '', scheduleId: '' };

type Method = 'get' | 'post' | 'patch';
/** [method, path, body]: functions, as ids are only known once beforeAll ran. */
type Call = [Method, () => string, (() => Record<string, unknown>)?];

function send(auth: { Authorization: string }, [method, path, body]: Call) {
  const req = t.http[method](path()).set(auth);
  return body === undefined ? req : req.send(body());
}

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, contentType: res.headers['content-type'], code: res.body?.code }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code,
  });
}

/** Events, clients and keys: what a refused request must not have changed. */
async function fingerprint() {
  const { rows } = await t.db.pool.query(
    'SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM clients) AS clients, (SELECT count(*)::int FROM api_keys) AS keys',
  );
  return rows[0];
}

// ------------------------------------------------------------------ representative routes

const listPackages: Call = ['get', () => '/v1/packages'];
const getPackage: Call = ['get', () => `/v1/packages/${ids.packageId}`];
const ledger: Call = ['get', () => `/v1/packages/${ids.packageId}/ledger`];
const clientPackages: Call = ['get', () => `/v1/clients/${ids.clientId}/packages`];
const listOfferings: Call = ['get', () => '/v1/offerings'];
const offeringUsage: Call = ['get', () => `/v1/offerings/${ids.offeringId}/usage`];
const liability: Call = ['get', () => '/v1/reports/contract-liability'];
const packagesCsv: Call = ['get', () => '/v1/exports/packages.csv'];
const journalCsv: Call = ['get', () => '/v1/exports/journal.csv'];
const listClients: Call = ['get', () => '/v1/clients'];
const getClient: Call = ['get', () => `/v1/clients/${ids.clientId}`];
const listBookings: Call = ['get', () => '/v1/bookings'];
const listSessionTypes: Call = ['get', () => '/v1/session-types'];
const listSchedules: Call = ['get', () => '/v1/schedules'];
const listKeys: Call = ['get', () => '/v1/api-keys'];

const createClient: Call = ['post', () => '/v1/clients', () => ({ name: 'Walk-in', email: 'walk-in@example.com' })];
const updateClient: Call = ['patch', () => `/v1/clients/${ids.clientId}`, () => ({ name: 'Renamed' })];
const redeem: Call = ['post', () => `/v1/packages/${ids.packageId}/redemptions`, () => ({ note: 'desk' })];
const reverse: Call = ['post', () => `/v1/packages/${ids.packageId}/redemptions/${ids.redemptionId}/reversals`, () => ({ reason: 'deducted by mistake' })];
const sell: Call = ['post', () => '/v1/packages', () => ({ offeringId: ids.offeringId, clientId: ids.clientId, payment: { method: 'cash' } })];
const adjust: Call = ['post', () => `/v1/packages/${ids.packageId}/adjustments`, () => ({ delta: 1, reason: 'goodwill' })];
const changeExpiry: Call = ['post', () => `/v1/packages/${ids.packageId}/expiry-changes`, () => ({ expiresAt: null, reason: 'never' })];
const refund: Call = ['post', () => `/v1/packages/${ids.packageId}/refunds`, () => ({ reason: 'moved away' })];
const createOffering: Call = ['post', () => '/v1/offerings', () => ({ name: 'New', sessionCount: 5, price: { amount: 100, currency: 'USD' } })];
const updateOffering: Call = ['patch', () => `/v1/offerings/${ids.offeringId}`, () => ({ name: 'Renamed' })];
const deletionPreview: Call = ['get', () => `/v1/offerings/${ids.offeringId}/deletion-preview`];
const createSessionType: Call = ['post', () => '/v1/session-types', () => ({ name: 'Yoga', durationMinutes: 60, price: { amount: 100, currency: 'USD' } })];
const createSchedule: Call = ['post', () => '/v1/schedules', () => ({ host: 'Bo', timezone: NY, weeklyHours: WEEKDAY_HOURS, sessionTypeIds: [ids.sessionTypeId] })];
const createKey: Call = ['post', () => '/v1/api-keys', () => ({ role: 'staff', name: 'x' })];

beforeAll(async () => {
  t = await createTestApp();
  studio = await t.newTenant({ timezone: NY });
  for (const role of ['staff', 'accountant'] as const) {
    const created = await t.http.post('/v1/api-keys').set(studio.auth).send({ role, name: role }).expect(201);
    keys[role] = { Authorization: `Bearer ${created.body.key}` };
  }
  ids.clientId = await studio.createClient('Rhea Role');
  ids.sessionTypeId = (
    await t.http.post('/v1/session-types').set(studio.auth).send({ name: 'Training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } }).expect(201)
  ).body.id;
  ids.scheduleId = (
    await t.http.post('/v1/schedules').set(studio.auth).send({ host: 'Coach', timezone: NY, weeklyHours: WEEKDAY_HOURS, sessionTypeIds: [ids.sessionTypeId] }).expect(201)
  ).body.id;
  ids.offeringId = await studio.createOffering({ sessionCount: 10, scheduleId: ids.scheduleId, sessionTypeIds: [ids.sessionTypeId] });
  ids.packageId = (await studio.sellPackage(ids.offeringId, ids.clientId)).id;
  const redeemed = await t.http.post(`/v1/packages/${ids.packageId}/redemptions`).set(studio.auth).send({}).expect(201);
  ids.redemptionId = redeemed.body.redemptionId;
  // Reads below must include every write so far.
  await t.http.get('/v1/packages').query({ after: redeemed.headers['punchcard-position'] }).set(studio.auth).expect(200);
});

afterAll(async () => {
  await t?.close();
});

describe('accountant: reads packages, ledgers, reports and exports; changes nothing', () => {
  it.each([
    ['GET /v1/packages', listPackages],
    ['GET /v1/packages/:id', getPackage],
    ['GET /v1/packages/:id/ledger', ledger],
    ['GET /v1/clients/:id/packages', clientPackages],
    ['GET /v1/offerings', listOfferings],
    ['GET /v1/offerings/:id/usage', offeringUsage],
    ['GET /v1/reports/contract-liability', liability],
    ['GET /v1/exports/packages.csv', packagesCsv],
    ['GET /v1/exports/journal.csv', journalCsv],
  ])('may %s', async (_, call) => {
    await send(keys.accountant, call).expect(200);
  });

  it.each([
    ['POST /v1/clients', createClient],
    ['GET /v1/clients', listClients],
    ['GET /v1/clients/:id', getClient],
    ['POST /v1/packages/:id/redemptions', redeem],
    ['POST /v1/packages/:id/refunds', refund],
    ['POST /v1/packages', sell],
    ['GET /v1/bookings', listBookings],
    ['GET /v1/session-types', listSessionTypes],
    ['POST /v1/offerings', createOffering],
    ['GET /v1/api-keys', listKeys],
    ['POST /v1/api-keys', createKey],
  ])('may not %s (403 role_forbidden)', async (_, call) => {
    const before = await fingerprint();
    expectProblem(await send(keys.accountant, call), 403, 'role_forbidden');
    expect(await fingerprint()).toEqual(before);
  });
});

describe('staff: clients, bookings, attendance and manual redemptions; no selling, money or catalog changes', () => {
  it.each([
    ['GET /v1/clients', listClients],
    ['GET /v1/clients/:id', getClient],
    ['GET /v1/packages/:id/ledger', ledger],
    ['GET /v1/offerings', listOfferings],
    ['GET /v1/bookings', listBookings],
    ['GET /v1/session-types', listSessionTypes],
    ['GET /v1/schedules', listSchedules],
  ])('may %s', async (_, call) => {
    await send(keys.staff, call).expect(200);
  });

  it('may create and update a client, redeem a credit and reverse a redemption', async () => {
    await send(keys.staff, createClient).expect(201);
    await send(keys.staff, updateClient).expect(200);
    await send(keys.staff, redeem).expect(201);
    await send(keys.staff, reverse).expect(201);
  });

  it.each([
    ['POST /v1/packages', sell],
    ['POST /v1/packages/:id/adjustments', adjust],
    ['POST /v1/packages/:id/expiry-changes', changeExpiry],
    ['POST /v1/packages/:id/refunds', refund],
    ['POST /v1/offerings', createOffering],
    ['PATCH /v1/offerings/:id', updateOffering],
    ['GET /v1/offerings/:id/deletion-preview', deletionPreview],
    ['POST /v1/session-types', createSessionType],
    ['POST /v1/schedules', createSchedule],
    ['GET /v1/reports/contract-liability', liability],
    ['GET /v1/exports/packages.csv', packagesCsv],
    ['GET /v1/api-keys', listKeys],
    ['POST /v1/api-keys', createKey],
  ])('may not %s (403 role_forbidden)', async (_, call) => {
    const before = await fingerprint();
    expectProblem(await send(keys.staff, call), 403, 'role_forbidden');
    expect(await fingerprint()).toEqual(before);
  });

  it('books for a client and cancels by business: the credit returns whatever the notice', async () => {
    const monday = DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
    const start = monday.set({ hour: 10 }).toUTC().toISO()!;
    const booking = await t.http
      .post('/v1/bookings')
      .set(keys.staff)
      .send({ clientId: ids.clientId, scheduleId: ids.scheduleId, sessionTypeId: ids.sessionTypeId, start, packageId: ids.packageId })
      .expect(201);
    // Inside the notice window: only a cancellation by the business still returns the credit.
    const shift = Date.parse(start) - 60 * 60 * 1000 - t.clock.now().getTime();
    t.clock.advance(shift);
    try {
      const cancelled = await t.http.post(`/v1/bookings/${booking.body.id}/cancellations`).set(keys.staff).send({ byBusiness: true }).expect(201);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', rule: 'cancelled_by_business' });
      const events = await t.infrastructure.system.eventStore.readStream(`booking-${booking.body.id}`);
      expect(events.at(-1)!.metadata.actor).toEqual({ id: expect.stringMatching(/^api-key:[0-9a-f]{16}$/), role: 'staff' });
    } finally {
      t.clock.advance(-shift);
    }
  });
});

describe('admin: everything, including selling, money, the catalog and keys', () => {
  it('sells, adjusts, changes expiry, refunds, edits the catalog, reads reports and manages keys', async () => {
    const pkg = (await send(studio.auth, sell).expect(201)).body.id;
    await t.http.post(`/v1/packages/${pkg}/adjustments`).set(studio.auth).send({ delta: 1, reason: 'goodwill' }).expect(201);
    await t.http.post(`/v1/packages/${pkg}/expiry-changes`).set(studio.auth).send({ expiresAt: null, reason: 'never' }).expect(201);
    await t.http.post(`/v1/packages/${pkg}/refunds`).set(studio.auth).send({ reason: 'moved away' }).expect(201);
    await send(studio.auth, createOffering).expect(201);
    await send(studio.auth, deletionPreview).expect(200);
    await send(studio.auth, createSessionType).expect(201);
    await send(studio.auth, liability).expect(200);
    await send(studio.auth, listKeys).expect(200);
    await send(studio.auth, listBookings).expect(200);
  });
});
