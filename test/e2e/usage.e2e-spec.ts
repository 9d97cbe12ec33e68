import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Response } from 'supertest';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { usageProjection } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const NY = 'America/New_York';
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAYS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

// ------------------------------------------------------------------------------------------ helpers

const positionOf = (res: Response): string => {
  expect(res.headers['punchcard-position']).toMatch(/^\d+-\d+$/);
  return res.headers['punchcard-position'];
};
const expectProblem = (res: Response, status: number, code: string) => {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
};
const moveClockTo = (instant: string, offsetMs = 0) => t.clock.advance(Date.parse(instant) + offsetMs - t.clock.now().getTime());
const at = (day: DateTime, hour: number) => day.set({ hour, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;

async function createClient(tenant: TenantSession, name: string, email = `${randomUUID()}@example.com`): Promise<string> {
  return (await t.http.post('/v1/clients').set(tenant.auth).send({ name, email }).expect(201)).body.id;
}
const post = (tenant: TenantSession, path: string, body: object = {}) => t.http.post(path).set(tenant.auth).send(body).expect(201);
const redeem = (tenant: TenantSession, packageId: string) => post(tenant, `/v1/packages/${packageId}/redemptions`);

/** Runs the expiry sweep once the read models include `res` (the sweep finds due packages in them). */
async function sweepAfter(tenant: TenantSession, res: Response): Promise<number> {
  await t.http.get('/v1/packages').query({ after: positionOf(res), limit: 1 }).set(tenant.auth).expect(200);
  return t.app.get(ExpirySweep).run();
}

/** A GET that waits for the read models to include `after`. */
const get = async (tenant: TenantSession, path: string, query: Record<string, unknown> = {}, after?: string) =>
  (await t.http.get(path).query({ ...query, ...(after && { after }) }).set(tenant.auth).expect(200)).body;

/** A 60-minute session type on a New York weekday schedule and a 3-session offering booking it (no-shows and late cancellations forfeit). */
async function bookableOffering(tenant: TenantSession) {
  const sessionTypeId = (await post(tenant, '/v1/session-types', { name: 'PT', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } })).body.id;
  const scheduleId = (await post(tenant, '/v1/schedules', { host: 'Coach', timezone: NY, weeklyHours: WEEKDAYS, sessionTypeIds: [sessionTypeId] })).body.id;
  const offering = await post(tenant, '/v1/offerings', {
    name: '3 sessions',
    sessionCount: 3,
    price: { amount: 27000, currency: 'USD' },
    validityDays: 90,
    scheduleId,
    sessionTypeIds: [sessionTypeId],
    cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' },
  });
  return { sessionTypeId, scheduleId, offeringId: offering.body.id as string };
}

/** Every row of the client table, paged with `pageSize`, checking each page's size and cursor. */
async function allPages(tenant: TenantSession, offeringId: string, query: Record<string, unknown>, pageSize: number, after: string) {
  const rows: any[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await get(tenant, `/v1/offerings/${offeringId}/clients`, { ...query, limit: pageSize, ...(cursor && { cursor }) }, after);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    rows.push(...page.items);
    if (!page.nextCursor) return rows;
    expect(page.items).toHaveLength(pageSize);
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

// ------------------------------------------------------------------------------------------ dashboard

describe('usage dashboard and client table', () => {
  let studio: TenantSession;
  let offeringId: string;
  let after: string;
  const clients: Record<'ada' | 'grace' | 'alan' | 'linus', string> = { ada: '', grace: '', alan: '', linus: '' };

  beforeAll(async () => {
    studio = await t.newTenant({ timezone: NY });
    const { sessionTypeId, scheduleId, offeringId: id } = await bookableOffering(studio);
    offeringId = id;
    for (const [key, name] of [['ada', 'Ada Lovelace'], ['grace', 'Grace Hopper'], ['alan', 'Alan Turing'], ['linus', 'Linus Torvalds']] as const) {
      clients[key] = await createClient(studio, name, `${key}@example.com`);
    }
    const sell = async (clientId: string) => (await post(studio, '/v1/packages', { offeringId, clientId, payment: { method: 'cash' } })).body.id as string;
    const book = async (clientId: string, packageId: string, start: string) =>
      (await post(studio, '/v1/bookings', { clientId, packageId, scheduleId, sessionTypeId, start })).body.id as string;
    const monday = DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });

    // Ada: attended, no-show (forfeited, stays booked), cancelled in time (returned), one manual deduction: fully used.
    const ada = await sell(clients.ada);
    const attended = await book(clients.ada, ada, at(monday, 9));
    const missed = await book(clients.ada, ada, at(monday, 10));
    const cancelled = await book(clients.ada, ada, at(monday.plus({ days: 1 }), 9));
    await post(studio, `/v1/bookings/${cancelled}/cancellations`, { reason: 'Travelling' });
    await redeem(studio, ada);

    // Grace: +2 goodwill, −1 removed, one booking not yet marked, one credit refunded: 2 left.
    const grace = await sell(clients.grace);
    await post(studio, `/v1/packages/${grace}/adjustments`, { delta: 2, reason: 'Studio closed a week' });
    await post(studio, `/v1/packages/${grace}/adjustments`, { delta: -1, reason: 'Entered twice' });
    await book(clients.grace, grace, at(monday, 12));
    await post(studio, `/v1/packages/${grace}/refunds`, { credits: 1, reason: 'Moving away soon' });

    // Alan: never booked, everything refunded.
    await post(studio, `/v1/packages/${await sell(clients.alan)}/refunds`, { reason: 'Changed his mind' });

    // Linus: one manual deduction, then his package expires with 2 credits (the sweep forfeits them).
    const linus = await sell(clients.linus);
    await redeem(studio, linus);

    moveClockTo(at(monday, 9), 5 * MINUTE);
    await post(studio, `/v1/bookings/${attended}/attendance`, { attendance: 'attended' });
    moveClockTo(at(monday, 10), 5 * MINUTE);
    await post(studio, `/v1/bookings/${missed}/attendance`, { attendance: 'no_show' });
    const shortened = await post(studio, `/v1/packages/${linus}/expiry-changes`, { expiresAt: new Date(t.clock.now().getTime() + HOUR).toISOString(), reason: 'Promotion ends' });
    t.clock.advance(2 * HOUR);
    expect(await sweepAfter(studio, shortened)).toBeGreaterThanOrEqual(1);
    // The sweep's append answers no HTTP request: a command after it gives a position that includes it.
    after = positionOf(await post(studio, '/v1/offerings', { name: 'Unsold', sessionCount: 1, price: { amount: 100, currency: 'USD' } }));
  });

  it('counts Booked / Total slots, Attended / Booked and the figures behind them', async () => {
    const usage = await get(studio, `/v1/offerings/${offeringId}/usage`, {}, after);
    expect(usage).toEqual({
      offeringId,
      offeringName: '3 sessions',
      status: 'active',
      deleted: false,
      packagesSold: 4,
      clients: 4,
      clientsFullyUsed: 2, // Ada, Linus
      clientsNotBooked: 1, // Alan
      creditsPurchased: 12,
      creditsAdded: 2,
      creditsRemoved: 1,
      creditsTotal: 13,
      creditsUsed: 5, // Ada 3 (attended, no-show, manual), Grace 1, Linus 1 (manual)
      manualDeductions: 2,
      attended: 3, // Ada's attended booking and both manual deductions
      noShows: 1,
      cancellations: 1,
      creditsRemaining: 2, // Grace
      creditsRefunded: 4, // Grace 1, Alan 3
      creditsExpired: 2, // Linus
      // The deprecated names of creditsTotal, creditsUsed and creditsRemaining: the same figures.
      creditsGranted: 13,
      sessionsBooked: 5,
      creditsLeft: 2,
      bookedPercent: 38.5, // 5 / 13
      attendedPercent: 60, // 3 / 5
      lastBookingAt: expect.any(String),
    });
    expect(usage.creditsUsed + usage.creditsRemaining + usage.creditsRefunded + usage.creditsExpired).toBe(usage.creditsTotal);
  });

  it('lists each client with booked of limit, left, attended, no-shows and last booking, joined with the directory', async () => {
    const rows = (await get(studio, `/v1/offerings/${offeringId}/clients`, { sort: 'booked', order: 'desc' }, after)).items;
    const byName = Object.fromEntries(rows.map((r: any) => [r.name, r]));
    expect(rows).toHaveLength(4);
    expect(byName['Ada Lovelace']).toMatchObject({ clientId: clients.ada, email: 'ada@example.com', booked: 3, limit: 3, left: 0, attended: 2, noShows: 1, refunded: 0, expired: 0 });
    // One vocabulary: the same figures under the names every view uses (the short ones are deprecated).
    for (const row of rows) {
      expect([row.creditsUsed, row.creditsTotal, row.creditsRemaining, row.creditsRefunded, row.creditsExpired]).toEqual([row.booked, row.limit, row.left, row.refunded, row.expired]);
    }
    const bySort = async (sort: string) => (await get(studio, `/v1/offerings/${offeringId}/clients`, { sort, order: 'desc' }, after)).items.map((r: any) => r.clientId);
    expect(await bySort('creditsUsed')).toEqual(await bySort('booked'));
    expect(await bySort('creditsTotal')).toEqual(await bySort('limit'));
    expect(await bySort('creditsRemaining')).toEqual(await bySort('left'));
    expect(byName['Grace Hopper']).toMatchObject({ booked: 1, limit: 4, left: 2, attended: 0, noShows: 0, refunded: 1, expired: 0 });
    expect(byName['Alan Turing']).toMatchObject({ booked: 0, limit: 3, left: 0, attended: 0, refunded: 3, expired: 0, lastBookingAt: null });
    expect(byName['Linus Torvalds']).toMatchObject({ booked: 1, limit: 3, left: 0, attended: 1, refunded: 0, expired: 2 });
    expect(Date.parse(byName['Ada Lovelace'].lastBookingAt)).not.toBeNaN();
    expect(rows.map((r: any) => r.booked)).toEqual([3, 1, 1, 0]);

    const names = async (filter: string) => (await get(studio, `/v1/offerings/${offeringId}/clients`, { filter, sort: 'booked', order: 'desc' }, after)).items.map((r: any) => r.name);
    expect((await names('fully_used')).sort()).toEqual(['Ada Lovelace', 'Linus Torvalds']);
    expect(await names('not_booked')).toEqual(['Alan Turing']);
  });

  it('shows null for a client erased from the directory, and the row stays', async () => {
    const offering = (await post(studio, '/v1/offerings', { name: 'Single', sessionCount: 1, price: { amount: 100, currency: 'USD' } })).body.id;
    const gone = await createClient(studio, 'Erased Person');
    const sold = await post(studio, '/v1/packages', { offeringId: offering, clientId: gone, payment: { method: 'comp' } });
    await t.db.pool.query('DELETE FROM clients WHERE id = $1', [gone]);
    const rows = (await get(studio, `/v1/offerings/${offering}/clients`, {}, positionOf(sold))).items;
    const figures = { creditsUsed: 0, creditsTotal: 1, creditsRemaining: 1, attended: 0, noShows: 0, creditsRefunded: 0, creditsExpired: 0, lastBookingAt: null };
    const deprecated = { booked: 0, limit: 1, left: 1, refunded: 0, expired: 0 };
    expect(rows).toEqual([{ clientId: gone, name: null, email: null, ...figures, ...deprecated }]);
    const pkg = await get(studio, `/v1/packages/${sold.body.id}`);
    expect(pkg.client).toBeNull();
  });

  it('exports the client table as CSV in the same order, names joined', async () => {
    const res = await t.http.get('/v1/exports/client-usage.csv').query({ offeringId, sort: 'booked', order: 'asc', after }).set(studio.auth).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="client-usage-${offeringId}.csv"`);
    const lines = res.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('client_id,name,email,credits_used,credits_total,credits_remaining,attended,no_shows,credits_refunded,credits_expired,last_booking_at');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(new RegExp(`^${clients.alan},Alan Turing,alan@example.com,0,3,0,0,0,3,0,$`));
    expect(lines[4]).toMatch(new RegExp(`^${clients.ada},Ada Lovelace,ada@example.com,3,3,0,2,1,0,0,\\d{4}-`));

    const fullyUsed = await t.http.get('/v1/exports/client-usage.csv').query({ offeringId, filter: 'not_booked' }).set(studio.auth).expect(200);
    expect(fullyUsed.text.split('\r\n').filter(Boolean)).toHaveLength(2);
  });

  it('rebuilds into exactly the documents the live run wrote', async () => {
    await t.infrastructure.runner.stop();
    await t.infrastructure.runner.catchUpAll();
    const snapshot = async () =>
      (await t.db.pool.query(`SELECT collection, tenant_id, id, data FROM read_documents WHERE collection = ANY($1) ORDER BY 1, 2, 3`, [usageProjection.collections])).rows;
    const live = await snapshot();
    expect(live.length).toBeGreaterThan(5);
    await t.infrastructure.runner.rebuild(usageProjection);
    expect(await snapshot()).toEqual(live);
    t.infrastructure.runner.start();
  });
});

// ------------------------------------------------------------------------------------------ sorting and paging

describe('client table order and paging', () => {
  let studio: TenantSession;
  let offeringId: string;
  let after: string;

  beforeAll(async () => {
    studio = await t.newTenant();
    offeringId = (await post(studio, '/v1/offerings', { name: 'Four', sessionCount: 4, price: { amount: 4000, currency: 'USD' } })).body.id;
    // Redemptions and adjustments per client: many ties, a never-booked client, a fully used one, a refunded one.
    const plan: { redeem: number; adjust?: number; refund?: boolean }[] = [
      { redeem: 0 },
      { redeem: 1 },
      { redeem: 2 },
      { redeem: 2, adjust: 2 },
      { redeem: 4 },
      { redeem: 0, adjust: -1 },
      { redeem: 3 },
      { redeem: 1, refund: true },
      { redeem: 0, refund: true },
    ];
    let last: Response | undefined;
    for (const [i, step] of plan.entries()) {
      const clientId = await createClient(studio, `Client ${i}`);
      const pkg = (await post(studio, '/v1/packages', { offeringId, clientId, payment: { method: 'cash' } })).body.id;
      last = undefined;
      for (let r = 0; r < step.redeem; r++) last = await redeem(studio, pkg);
      if (step.adjust) last = await post(studio, `/v1/packages/${pkg}/adjustments`, { delta: step.adjust, reason: 'tuning' });
      if (step.refund) last = await post(studio, `/v1/packages/${pkg}/refunds`, { reason: 'refund' });
    }
    after = positionOf(last!);
  });

  const FIELDS: Record<string, string> = { booked: 'booked', limit: 'limit', left: 'left', attended: 'attended', lastBookingAt: 'lastBookingAt' };
  const cases = Object.keys(FIELDS).flatMap((sort) => ['asc', 'desc'].flatMap((order) => [undefined, 'fully_used', 'not_booked'].map((filter) => ({ sort, order, filter }))));

  it.each(cases)('sort=$sort order=$order filter=$filter: pages of 2 neither skip nor repeat rows, in order', async ({ sort, order, filter }) => {
    const query = { sort, order, ...(filter && { filter }) };
    const full = (await get(studio, `/v1/offerings/${offeringId}/clients`, { ...query, limit: 100 }, after)).items;
    const expectedCount: number = { undefined: 9, fully_used: 2, not_booked: 3 }[String(filter)]!;
    expect(full).toHaveLength(expectedCount);
    // By the sort value (never booked = ''), then the client id; desc reverses both.
    const key = (row: any) => row[FIELDS[sort]] ?? '';
    const sorted = [...full].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.clientId < b.clientId ? -1 : 1));
    if (order === 'desc') sorted.reverse();
    expect(full.map((r: any) => r.clientId)).toEqual(sorted.map((r: any) => r.clientId));
    const paged = await allPages(studio, offeringId, query, 2, after);
    expect(paged.map((r: any) => r.clientId)).toEqual(full.map((r: any) => r.clientId));
  });

  it('defaults to the latest booking first, 20 rows a page', async () => {
    const page = await get(studio, `/v1/offerings/${offeringId}/clients`, {}, after);
    const explicit = await get(studio, `/v1/offerings/${offeringId}/clients`, { sort: 'lastBookingAt', order: 'desc' }, after);
    expect(page).toEqual(explicit);
    expect(page.items).toHaveLength(9);
    expect(page.nextCursor).toBeNull();
  });
});

// ------------------------------------------------------------------------------------------ package list

describe('admin package list', () => {
  let studio: TenantSession;
  const sold: any[] = [];
  let after: string;
  let grace: string;

  beforeAll(async () => {
    studio = await t.newTenant();
    const ninetyDays = await studio.createOffering({ name: 'Ninety', validityDays: 90 });
    const forever = await studio.createOffering({ name: 'Forever', validityDays: undefined });
    grace = await createClient(studio, 'Grace Hopper', 'grace.hopper@navy.example');
    const alan = await createClient(studio, 'Alan Turing', 'alan@bletchley.example');
    for (const [offering, client] of [[ninetyDays, grace], [ninetyDays, alan], [forever, grace], [ninetyDays, grace]]) {
      const res = await post(studio, '/v1/packages', { offeringId: offering, clientId: client, payment: { method: 'cash' } });
      sold.push(res.body);
      after = positionOf(res);
      t.clock.advance(DAY);
    }
    after = positionOf(await redeem(studio, sold[3].id));
  });

  const ids = async (query: Record<string, unknown>) => (await get(studio, '/v1/packages', query, after)).items.map((p: any) => p.id);

  it('filters by purchase date range (from inclusive, to exclusive), with any offset', async () => {
    expect(await ids({ purchasedFrom: sold[1].purchasedAt })).toEqual([sold[3].id, sold[2].id, sold[1].id]);
    expect(await ids({ purchasedTo: sold[1].purchasedAt })).toEqual([sold[0].id]);
    expect(await ids({ purchasedFrom: sold[1].purchasedAt, purchasedTo: sold[3].purchasedAt })).toEqual([sold[2].id, sold[1].id]);
    const inNewYork = DateTime.fromISO(sold[2].purchasedAt).setZone(NY).toISO()!; // same instant, -05:00 or -04:00
    expect(await ids({ purchasedFrom: inNewYork, clientId: grace })).toEqual([sold[3].id, sold[2].id]);
    expect(await ids({ purchasedFrom: sold[3].purchasedAt, purchasedTo: sold[3].purchasedAt })).toEqual([]);
  });

  it('filters by expiry date range; packages that never expire match no range', async () => {
    expect(sold[2].expiresAt).toBeNull();
    expect(await ids({ expiresFrom: sold[0].expiresAt })).toEqual([sold[3].id, sold[1].id, sold[0].id]);
    expect(await ids({ expiresFrom: sold[1].expiresAt, expiresTo: sold[3].expiresAt })).toEqual([sold[1].id]);
    expect(await ids({ expiresTo: sold[1].expiresAt, status: 'active' })).toEqual([sold[0].id]);
  });

  it('shows each row with the client’s name and email, and searches by either', async () => {
    const page = await get(studio, '/v1/packages', { limit: 2 }, after);
    expect(page.items[0]).toMatchObject({ id: sold[3].id, client: { name: 'Grace Hopper', email: 'grace.hopper@navy.example' }, creditsUsed: 1, creditsRemaining: 5 });
    expect(await ids({ q: 'NAVY.example' })).toEqual([sold[3].id, sold[2].id, sold[0].id]);
    expect(await ids({ q: 'bletchley' })).toEqual([sold[1].id]);
    expect((await get(studio, `/v1/packages/${sold[1].id}`)).client).toEqual({ name: 'Alan Turing', email: 'alan@bletchley.example' });
  });

  it('covers every status: active, used_up (fully redeemed), expired and refunded', async () => {
    const offering = await studio.createOffering({ name: 'One', sessionCount: 1, validityDays: 1 });
    const clientId = await createClient(studio, 'Status Client');
    const sell = async () => (await post(studio, '/v1/packages', { offeringId: offering, clientId, payment: { method: 'cash' } })).body.id;
    const [usedUp, refunded, expired, active] = [await sell(), await sell(), await sell(), await sell()];
    await redeem(studio, usedUp);
    await post(studio, `/v1/packages/${refunded}/refunds`, { reason: 'r' });
    const shortened = await post(studio, `/v1/packages/${expired}/expiry-changes`, { expiresAt: new Date(t.clock.now().getTime() + HOUR).toISOString(), reason: 'r' });
    t.clock.advance(2 * HOUR);
    expect(await sweepAfter(studio, shortened)).toBeGreaterThanOrEqual(1);
    const last = positionOf(await post(studio, `/v1/packages/${active}/adjustments`, { delta: 1, reason: 'r' }));
    const status = async (s: string) => (await get(studio, '/v1/packages', { clientId, status: s }, last)).items.map((p: any) => p.id);
    expect(await status('active')).toEqual([active]);
    expect(await status('used_up')).toEqual([usedUp]);
    expect(await status('refunded')).toEqual([refunded]);
    expect(await status('expired')).toEqual([expired]);
  });

  it('lists every movement of a package: sessions with date, session type and booking, adjustments with who and why', async () => {
    const ledger = await get(studio, `/v1/packages/${sold[3].id}/ledger`, {}, after);
    expect(ledger.entries.map((e: any) => e.type)).toEqual(['PackagePurchased', 'SessionRedeemed']);
    expect(ledger.entries[1]).toMatchObject({ sessionAt: expect.any(String), sessionTypeId: null, bookingId: null, actor: { id: expect.stringMatching(/^api-key:/), role: 'admin' } });
  });
});

// ------------------------------------------------------------------------------------------ bad input

describe('bad input answers 4xx problem+json', () => {
  let studio: TenantSession;
  let other: TenantSession;
  let offeringId: string;
  let otherOfferingId: string;

  beforeAll(async () => {
    studio = await t.newTenant();
    other = await t.newTenant();
    offeringId = await studio.createOffering();
    otherOfferingId = await other.createOffering();
    for (let i = 0; i < 3; i++) await studio.sellPackage(offeringId, await studio.createClient());
    // The paging cases need all three clients in the table: wait for the read models to pass the last sale.
    const last = await t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId: await studio.createClient(), payment: { method: 'cash' } }).expect(201);
    await t.http.get(`/v1/offerings/${offeringId}/usage`).query({ after: positionOf(last) }).set(studio.auth).expect(200);
  });

  const send = (path: string, query: Record<string, unknown> = {}) => t.http.get(path).query(query).set(studio.auth);
  const clientsOf = (id: string) => `/v1/offerings/${id}/clients`;

  it('answers 404 offering_not_found for an unknown, malformed or foreign offering', async () => {
    for (const id of ['not-a-uuid', randomUUID(), otherOfferingId]) {
      expectProblem(await send(`/v1/offerings/${id}/usage`), 404, 'offering_not_found');
      expectProblem(await send(clientsOf(id)), 404, 'offering_not_found');
    }
    expectProblem(await send('/v1/exports/client-usage.csv', { offeringId: otherOfferingId }), 404, 'offering_not_found');
  });

  it.each([
    ['unknown sort', { sort: 'name' }],
    ['sort in another case', { sort: 'Booked' }],
    ['unknown order', { order: 'up' }],
    ['unknown filter', { filter: 'all' }],
    ['limit 0', { limit: 0 }],
    ['limit 101', { limit: 101 }],
    ['limit not a number', { limit: 'ten' }],
    ['cursor empty', { cursor: '' }],
    ['cursor garbage', { cursor: 'not-a-cursor' }],
    ['cursor JSON of another shape', { cursor: Buffer.from('[1,2]').toString('base64url') }],
    ['unknown parameter', { q: 'ada' }],
  ])('clients table: %s → 400 validation_failed', async (_, query) => {
    expectProblem(await send(clientsOf(offeringId), query), 400, 'validation_failed');
  });

  it('refuses a cursor given out for another sort, order or offering', async () => {
    const page = (await send(clientsOf(offeringId), { sort: 'left', order: 'asc', limit: 1 }).expect(200)).body;
    expect(page.nextCursor).toEqual(expect.any(String));
    await send(clientsOf(offeringId), { sort: 'left', order: 'asc', limit: 1, cursor: page.nextCursor }).expect(200);
    expectProblem(await send(clientsOf(offeringId), { sort: 'booked', order: 'asc', cursor: page.nextCursor }), 400, 'validation_failed');
    expectProblem(await send(clientsOf(offeringId), { sort: 'left', order: 'desc', cursor: page.nextCursor }), 400, 'validation_failed');
    const another = await studio.createOffering();
    expectProblem(await send(clientsOf(another), { sort: 'left', order: 'asc', cursor: page.nextCursor }), 400, 'validation_failed');
  });

  it.each([
    ['no offeringId', {}],
    ['offeringId not a UUID', { offeringId: 'abc' }],
    ['unknown sort', { offeringId: randomUUID(), sort: 'email' }],
  ])('CSV export: %s → 400 validation_failed', async (_, query) => {
    expectProblem(await send('/v1/exports/client-usage.csv', query), 400, 'validation_failed');
  });

  it.each([
    ['purchasedFrom a date without time', { purchasedFrom: '2026-01-01' }],
    ['purchasedFrom without offset', { purchasedFrom: '2026-01-01T10:00:00' }],
    ['purchasedTo month 13', { purchasedTo: '2026-13-01T00:00:00Z' }],
    ['expiresFrom a word', { expiresFrom: 'tomorrow' }],
    ['expiresTo empty', { expiresTo: '' }],
    ['purchasedTo before purchasedFrom', { purchasedFrom: '2026-02-01T00:00:00Z', purchasedTo: '2026-01-31T23:59:59Z' }],
    ['expiresTo before expiresFrom (other offsets)', { expiresFrom: '2026-02-01T00:00:00+01:00', expiresTo: '2026-01-31T21:59:59-01:00' }],
  ])('package list: %s → 400 validation_failed', async (_, query) => {
    const res = await send('/v1/packages', query);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('accepts a range whose end equals its start (an empty range)', async () => {
    const res = await send('/v1/packages', { purchasedFrom: '2026-02-01T00:00:00Z', purchasedTo: '2026-02-01T01:00:00+01:00' }).expect(200);
    expect(res.body.items).toEqual([]);
  });
});
