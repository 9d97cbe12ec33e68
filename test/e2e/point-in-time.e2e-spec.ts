import { randomUUID } from 'node:crypto';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { packageLedgerProjection, packagesProjection } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Point in time: a package, or every package of a client, as it stood at a past instant, replayed
 * from the events (GET /v1/packages/{id}?asOf=, GET /v1/clients/{id}/packages?asOf=).
 */
describe('Point in time over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession;
  let other: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    other = await t.newTenant();
  });
  afterAll(() => t.close());

  const get = (path: string, query: Record<string, string> = {}, session = studio) => t.http.get(path).query(query).set(session.auth);
  /** The instant now, then a minute passes: every step of a history gets its own minute. */
  const tick = () => {
    const now = t.clock.now().toISOString();
    t.clock.advance(MINUTE);
    return now;
  };
  /** The package read models have applied every event so far (the sweep and reads without ?after= rely on them). */
  const settled = async () => {
    const { runner } = t.infrastructure;
    for (const { name } of [packagesProjection, packageLedgerProjection]) expect((await runner.waitUntil(() => runner.isCaughtUp(name), 5000)).reached).toBe(true);
  };
  const sweep = async () => {
    await settled();
    return t.app.get(ExpirySweep).run();
  };
  const between = (a: string, b: string) => new Date((Date.parse(a) + Date.parse(b)) / 2).toISOString();

  it('answers a package as of instants between its events, and 404 package_not_purchased_yet before its purchase', async () => {
    const clientId = await studio.createClient();
    const offeringId = await studio.createOffering({ sessionCount: 3, price: { amount: 900, currency: 'EUR' }, validityDays: 30 });
    const beforePurchase = tick();
    const pkg = await studio.sellPackage(offeringId, clientId);
    const purchased = tick();
    const first = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
    const afterFirst = tick();
    await t.http.post(`/v1/packages/${pkg.id}/redemptions/${first.body.redemptionId}/reversals`).set(studio.auth).send({ reason: 'by mistake' }).expect(201);
    const afterReversal = tick();
    await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
    await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).send({ delta: 2, reason: 'goodwill' }).expect(201);
    const afterAll = tick();

    const asOf = async (instant: string) => (await get(`/v1/packages/${pkg.id}`, { asOf: instant }).expect(200)).body;
    expect(await asOf(purchased)).toMatchObject({ id: pkg.id, status: 'active', creditsUsed: 0, creditsRemaining: 3, version: 1, asOf: purchased, expiryPending: false });
    expect(await asOf(afterFirst)).toMatchObject({ creditsUsed: 1, creditsRemaining: 2, paidValueRemaining: 600, version: 2 });
    expect(await asOf(afterReversal)).toMatchObject({ creditsUsed: 0, creditsRemaining: 3, paidValueRemaining: 900, version: 3 });
    const latest = await asOf(afterAll);
    expect(latest).toMatchObject({ creditsTotal: 5, creditsUsed: 1, creditsRemaining: 4, goodwillRemaining: 2, version: 5 });

    // Once every event has happened, the replay equals the read model (but for asOf and expiryPending).
    await settled();
    const current = (await get(`/v1/packages/${pkg.id}`).expect(200)).body;
    const { asOf: _, expiryPending: __, ...replayed } = latest;
    expect(replayed).toEqual(current);

    // An offset in the query is the same instant; the answer names it in UTC.
    const sameInstantInBerlin = new Date(Date.parse(afterFirst) + 60 * MINUTE).toISOString().replace('Z', '+01:00');
    expect(await asOf(sameInstantInBerlin)).toMatchObject({ asOf: afterFirst, creditsUsed: 1 });

    const early = await get(`/v1/packages/${pkg.id}`, { asOf: beforePurchase }).expect(404);
    expect(early.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(early.body).toMatchObject({ status: 404, code: 'package_not_purchased_yet' });
    expect(early.body.detail).toContain(pkg.purchasedAt);

    expect((await get(`/v1/packages/${randomUUID()}`, { asOf: afterAll }).expect(404)).body.code).toBe('package_not_found');
    expect((await get(`/v1/packages/${pkg.id}`, { asOf: afterAll }, other).expect(404)).body.code).toBe('package_not_found');
  });

  it('after expiresAt, before the sweep ran: expired with its credits forfeited, and the same answer once the sweep has recorded it', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 4, price: { amount: 1000, currency: 'EUR' }, validityDays: 1 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
    t.clock.advance(Date.parse(pkg.expiresAt) - t.clock.now().getTime() + 2 * DAY);

    const beforeExpiry = new Date(Date.parse(pkg.expiresAt) - 1).toISOString();
    const atExpiry = pkg.expiresAt;
    expect((await get(`/v1/packages/${pkg.id}`, { asOf: beforeExpiry }).expect(200)).body).toMatchObject({ status: 'active', creditsRemaining: 3, expiryPending: false });
    const pending = (await get(`/v1/packages/${pkg.id}`, { asOf: atExpiry }).expect(200)).body;
    expect(pending).toMatchObject({ status: 'expired', creditsRemaining: 0, creditsForfeited: 3, paidValueRemaining: 0, expiryPending: true, version: 2 });

    expect(await sweep()).toBeGreaterThanOrEqual(1);
    const swept = t.clock.now().toISOString();
    t.clock.advance(MINUTE);
    // Answers about a past instant do not change when later events are recorded.
    expect((await get(`/v1/packages/${pkg.id}`, { asOf: atExpiry }).expect(200)).body).toEqual(pending);
    const recorded = (await get(`/v1/packages/${pkg.id}`, { asOf: swept }).expect(200)).body;
    expect(recorded).toMatchObject({ status: 'expired', creditsForfeited: 3, expiryPending: false, version: 3 });
    const strip = ({ asOf: _, expiryPending: __, version: ___, updatedAt: ____, ...rest }: any) => rest;
    expect(strip(recorded)).toEqual(strip(pending));
  });

  it('after a refund: refunded, and active just before it', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 2, price: { amount: 500, currency: 'EUR' } });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    const beforeRefund = tick();
    await t.http.post(`/v1/packages/${pkg.id}/refunds`).set(studio.auth).send({ reason: 'moved away' }).expect(201);
    const afterRefund = tick();
    expect((await get(`/v1/packages/${pkg.id}`, { asOf: beforeRefund }).expect(200)).body).toMatchObject({ status: 'active', creditsRemaining: 2 });
    expect((await get(`/v1/packages/${pkg.id}`, { asOf: afterRefund }).expect(200)).body).toMatchObject({
      status: 'refunded',
      creditsRemaining: 0,
      creditsRefunded: 2,
      paidValueRemaining: 0,
      expiryPending: false,
    });
  });

  it('lists what a client held as of an instant: packages bought later left out, with totals', async () => {
    const clientId = await studio.createClient('Ada, "the first" Lovelace');
    const tenPack = await studio.createOffering({ sessionCount: 10, price: { amount: 10000, currency: 'EUR' } });
    const shortPack = await studio.createOffering({ sessionCount: 2, price: { amount: 3000, currency: 'EUR' }, validityDays: 1 });
    const first = await studio.sellPackage(tenPack, clientId);
    const short = await studio.sellPackage(shortPack, clientId);
    await t.http.post(`/v1/packages/${first.id}/redemptions`).set(studio.auth).send({}).expect(201);
    const march = tick();
    // The short package expires, and another package is bought after that.
    t.clock.advance(Date.parse(short.expiresAt) - t.clock.now().getTime() + DAY);
    const afterExpiry = tick();
    const later = await studio.sellPackage(tenPack, clientId);
    const last = await t.http.post(`/v1/packages/${later.id}/redemptions`).set(studio.auth).send({}).expect(201);
    const position = last.headers['punchcard-position'];
    const lastly = tick();

    const then = (await get(`/v1/clients/${clientId}/packages`, { asOf: march, after: position }).expect(200)).body;
    expect(then).toMatchObject({ clientId, asOf: march, client: { name: 'Ada, "the first" Lovelace' } });
    expect(then.items.map((p: any) => [p.id, p.status, p.creditsRemaining])).toEqual([
      [short.id, 'active', 2],
      [first.id, 'active', 9],
    ]);
    expect(then.totals).toEqual({
      packages: 2,
      byStatus: { active: 2, used_up: 0, expired: 0, refunded: 0, charged_back: 0 },
      creditsRemaining: 11,
      paidValueRemaining: [{ amount: 9000 + 3000, currency: 'EUR' }],
    });

    const afterwards = (await get(`/v1/clients/${clientId}/packages`, { asOf: afterExpiry }).expect(200)).body;
    expect(afterwards.items.map((p: any) => [p.id, p.status, p.creditsRemaining, p.expiryPending])).toEqual([
      [short.id, 'expired', 0, true],
      [first.id, 'active', 9, false],
    ]);
    expect(afterwards.totals).toMatchObject({ packages: 2, creditsRemaining: 9, byStatus: { active: 1, expired: 1 } });

    await settled();
    // Now, from the read model: all three, the short one shown expired (its credits are not usable).
    const now = (await get(`/v1/clients/${clientId}/packages`, { after: position }).expect(200)).body;
    expect(now.asOf).toBeNull();
    expect(now.items.map((p: any) => [p.id, p.status])).toEqual([
      [later.id, 'active'],
      [short.id, 'expired'],
      [first.id, 'active'],
    ]);
    expect(now.totals).toMatchObject({ packages: 3, creditsRemaining: 9 + 9, paidValueRemaining: [{ amount: 9000 + 9000, currency: 'EUR' }] });
    const nowReplayed = (await get(`/v1/clients/${clientId}/packages`, { asOf: lastly }).expect(200)).body;
    expect(nowReplayed.totals).toEqual(now.totals);
    expect(now.nextCursor).toBeNull();

    // Paged (cursor + limit, newest first); the totals always cover every package.
    for (const asOf of [undefined, lastly]) {
      const page1 = (await get(`/v1/clients/${clientId}/packages`, { limit: '2', ...(asOf && { asOf }) }).expect(200)).body;
      expect([page1.items.map((p: any) => p.id), page1.nextCursor]).toEqual([[later.id, short.id], short.id]);
      const page2 = (await get(`/v1/clients/${clientId}/packages`, { limit: '2', cursor: page1.nextCursor, ...(asOf && { asOf }) }).expect(200)).body;
      expect([page2.items.map((p: any) => p.id), page2.nextCursor]).toEqual([[first.id], null]);
      expect([page1.totals, page2.totals]).toEqual([now.totals, now.totals]);
    }
    expect((await get(`/v1/clients/${clientId}/packages`, { limit: '101' }).expect(400)).body.code).toBe('validation_failed');

    const nobody = (await get(`/v1/clients/${await studio.createClient()}/packages`, { asOf: march }).expect(200)).body;
    expect(nobody).toMatchObject({ items: [], totals: { packages: 0, creditsRemaining: 0, paidValueRemaining: [] } });
    expect((await get(`/v1/clients/${randomUUID()}/packages`).expect(404)).body.code).toBe('client_not_found');
    expect((await get(`/v1/clients/${clientId}/packages`, {}, other).expect(404)).body.code).toBe('client_not_found');
    expect((await get('/v1/clients/not-a-uuid/packages').expect(404)).body.code).toBe('client_not_found');
  });

  it('the ledger as of an instant has the balance the replay has, at every instant of a history', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 5, price: { amount: 5000, currency: 'EUR' }, validityDays: 3 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    const instants = [tick()];
    const redemptions: string[] = [];
    for (let i = 0; i < 3; i++) {
      redemptions.push((await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201)).body.redemptionId);
      instants.push(tick());
    }
    await t.http.post(`/v1/packages/${pkg.id}/redemptions/${redemptions[1]}/reversals`).set(studio.auth).send({ reason: 'wrong client' }).expect(201);
    instants.push(tick());
    await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).send({ delta: -1, reason: 'taken back' }).expect(201);
    instants.push(tick());
    await t.http.post(`/v1/packages/${pkg.id}/refunds`).set(studio.auth).send({ credits: 1, reason: 'partial' }).expect(201);
    instants.push(tick());
    t.clock.advance(Date.parse(pkg.expiresAt) - t.clock.now().getTime() + MINUTE);
    await sweep();
    const stream = await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`);
    expect(stream.at(-1)!.type).toBe('PackageExpired');
    const { transactionId, globalPosition } = stream.at(-1)!.position;
    const position = `${transactionId}-${globalPosition}`;
    const swept = stream.at(-1)!.metadata.occurredAt;
    instants.push(swept, tick());

    // Every event's own instant, and the midpoints between them.
    const eventTimes = stream.map((e) => e.metadata.occurredAt);
    const pendingExpiry = (at: string) => at >= pkg.expiresAt && at < swept;
    const all = [...new Set([...instants, ...eventTimes, ...eventTimes.slice(1).map((at, i) => between(eventTimes[i], at))])].filter((at) => !pendingExpiry(at)).sort();
    expect(all.length).toBeGreaterThan(10);
    for (const asOf of all) {
      const ledger = (await get(`/v1/packages/${pkg.id}/ledger`, { asOf, after: position }).expect(200)).body;
      const replayed = (await get(`/v1/packages/${pkg.id}`, { asOf }).expect(200)).body;
      expect({ asOf, balance: ledger.balance }).toEqual({ asOf, balance: replayed.creditsRemaining });
      expect(replayed.expiryPending).toBe(false);
    }

    // Between expiresAt and the sweep, the ledger shows only recorded movements: the forfeit is not
    // in it yet, while the replay shows it pending (the credits could no longer be used).
    const gap = between(pkg.expiresAt, swept);
    const ledger = (await get(`/v1/packages/${pkg.id}/ledger`, { asOf: gap, after: position }).expect(200)).body;
    const replayed = (await get(`/v1/packages/${pkg.id}`, { asOf: gap }).expect(200)).body;
    expect(replayed).toMatchObject({ expiryPending: true, creditsRemaining: 0 });
    expect(ledger.balance).toBe(replayed.creditsForfeited);
  });

  it('refuses a bad asOf with 400 problem+json and a stable code', async () => {
    const pkg = await studio.sellPackage(await studio.createOffering(), await studio.createClient());
    const clientId = pkg.clientId;
    const future = new Date(t.clock.now().getTime() + DAY).toISOString();
    const cases: [string, string][] = [
      ['yesterday', 'validation_failed'],
      ['2026-03-31', 'validation_failed'], // a date is not an instant
      ['2026-03-31T10:00:00', 'validation_failed'], // no offset
      ['2026-02-30T10:00:00Z', 'validation_failed'], // no such day
      ['2026-03-31T10:00:00 01:00', 'validation_failed'], // an unencoded + arrives as a space
      ['', 'validation_failed'],
      [future, 'as_of_in_future'],
    ];
    for (const path of [`/v1/packages/${pkg.id}`, `/v1/clients/${clientId}/packages`]) {
      for (const [asOf, code] of cases) {
        const res = await get(path, { asOf });
        expect({ path, asOf, status: res.status, code: res.body.code }).toEqual({ path, asOf, status: 400, code });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      const twice = await t.http.get(`${path}?asOf=2026-01-01T00:00:00Z&asOf=2026-01-02T00:00:00Z`).set(studio.auth).expect(400);
      expect(twice.body.code).toBe('validation_failed');
      expect((await get(path, { asof: '2026-01-01T00:00:00Z' }).expect(400)).body.code).toBe('validation_failed');
    }
  });
});
