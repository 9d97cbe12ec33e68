import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const DAY = 24 * 60 * 60 * 1000;

describe('Credit ledger: the business owner scenario over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'America/New_York' });
  });
  afterAll(() => t.close());

  it('sells a package, deducts, adds goodwill, extends and shortens expiry, refunds, and shows the whole ledger', async () => {
    const clientId = await studio.createClient('Ada Lovelace');
    const offeringId = await studio.createOffering({ name: '6 sessions, 90 days', sessionCount: 6, price: { amount: 54000, currency: 'USD' }, validityDays: 90 });

    const sold = await t.http
      .post('/v1/packages')
      .set(studio.auth)
      .send({ offeringId, clientId, payment: { method: 'bank_transfer', reference: 'TRX-1001' } })
      .expect(201);
    const id = sold.body.id;
    expect(sold.headers.location).toBe(`/v1/packages/${id}`);
    expect(sold.body).toMatchObject({ clientId, offeringId, creditsTotal: 6, creditsUsed: 0, creditsRemaining: 6, status: 'active' });
    expect(Date.parse(sold.body.expiresAt) - Date.parse(sold.body.purchasedAt)).toBeGreaterThan(90 * DAY);
    expect(Date.parse(sold.body.expiresAt) - Date.parse(sold.body.purchasedAt)).toBeLessThanOrEqual(91 * DAY);

    const redeemed = await t.http.post(`/v1/packages/${id}/redemptions`).set(studio.auth).send({ note: 'end of workout' }).expect(201);
    expect(redeemed.body).toMatchObject({ creditsUsed: 1, creditsRemaining: 5 });
    expect(redeemed.body.redemptionId).toEqual(expect.any(String));
    await t.http.post(`/v1/packages/${id}/redemptions`).set(studio.auth).send({ bookingId: 'bk-42', serviceId: 'pt-60' }).expect(201);

    const reversed = await t.http
      .post(`/v1/packages/${id}/redemptions/${redeemed.body.redemptionId}/reversals`)
      .set(studio.auth)
      .send({ reason: 'Deducted twice by mistake' })
      .expect(201);
    expect(reversed.body).toMatchObject({ creditsUsed: 1, creditsRemaining: 5 });

    const goodwill = await t.http.post(`/v1/packages/${id}/adjustments`).set(studio.auth).send({ delta: 1, reason: 'Class cancelled by the studio' }).expect(201);
    expect(goodwill.body).toMatchObject({ creditsTotal: 7, creditsRemaining: 6, goodwillRemaining: 1 });

    const extendedTo = new Date(Date.parse(sold.body.expiresAt) + 30 * DAY).toISOString();
    await t.http.post(`/v1/packages/${id}/expiry-changes`).set(studio.auth).send({ expiresAt: extendedTo, reason: 'Client was ill' }).expect(201);
    const shortenedTo = new Date(Date.parse(sold.body.expiresAt) - 10 * DAY).toISOString();
    const shortened = await t.http.post(`/v1/packages/${id}/expiry-changes`).set(studio.auth).send({ expiresAt: shortenedTo, reason: 'Promotion terms' }).expect(201);
    expect(shortened.body.expiresAt).toBe(shortenedTo);

    // 5 paid credits left of 6 sharing 540.00: worth 450.00; the goodwill credit is worth nothing.
    const refunded = await t.http.post(`/v1/packages/${id}/refunds`).set(studio.auth).send({ reason: 'Client moved away' }).expect(201);
    expect(refunded.body).toMatchObject({ status: 'refunded', creditsRemaining: 0, creditsRefunded: 6, paidValueRemaining: 0 });
    const position = refunded.headers['punchcard-position'];
    expect(position).toMatch(/^\d+-\d+$/);

    await t.http.post(`/v1/packages/${id}/redemptions`).set(studio.auth).send({}).expect(409).expect((r) => expect(r.body.code).toBe('package_refunded'));

    const ledger = await t.http.get(`/v1/packages/${id}/ledger?after=${position}`).set(studio.auth).expect(200);
    expect(ledger.body.balance).toBe(0);
    expect(ledger.body.entries.map((e: any) => [e.type, e.delta, e.balance, e.reason])).toEqual([
      ['PackagePurchased', 6, 6, null],
      ['SessionRedeemed', -1, 5, null],
      ['SessionRedeemed', -1, 4, null],
      ['RedemptionReversed', 1, 5, 'Deducted twice by mistake'],
      ['CreditsAdjusted', 1, 6, 'Class cancelled by the studio'],
      ['ExpiryChanged', 0, 6, 'Client was ill'],
      ['ExpiryChanged', 0, 6, 'Promotion terms'],
      ['PackageRefunded', -6, 0, 'Client moved away'],
    ]);
    const [purchase, manual, booked] = ledger.body.entries;
    expect(purchase.amount).toEqual({ amount: 54000, currency: 'USD' });
    expect(manual.note).toBe('end of workout');
    expect(booked).toMatchObject({ bookingId: 'bk-42', serviceId: 'pt-60', creditKind: 'paid' });
    expect(ledger.body.entries.at(-1).amount).toEqual({ amount: 45000, currency: 'USD' });
    for (const entry of ledger.body.entries) {
      expect(entry.actor).toEqual({ id: expect.stringMatching(/^api-key:/), role: 'admin' });
      expect(Date.parse(entry.occurredAt)).not.toBeNaN();
    }

    // As of just after the second redemption, the client held 4 credits.
    const asOf = ledger.body.entries[2].occurredAt;
    const past = await t.http.get(`/v1/packages/${id}/ledger`).query({ asOf }).set(studio.auth).expect(200);
    expect(past.body.entries.length).toBeGreaterThanOrEqual(3);
    expect(past.body.entries.every((e: any) => e.occurredAt <= asOf)).toBe(true);
    const before = await t.http.get(`/v1/packages/${id}/ledger`).query({ asOf: '2000-01-01T00:00:00Z' }).set(studio.auth).expect(200);
    expect(before.body).toMatchObject({ balance: 0, entries: [] });

    const detail = await t.http.get(`/v1/packages/${id}`).set(studio.auth).expect(200);
    expect(detail.body).toMatchObject({ id, clientId, offeringId, creditsTotal: 7, creditsUsed: 1, creditsRemaining: 0, status: 'refunded' });

    const offering = await t.http.get(`/v1/offerings/${offeringId}`).set(studio.auth).expect(200);
    expect(offering.body).toMatchObject({ packagesSold: 1, creditsGranted: 7, creditsUsed: 1, creditsRefunded: 6 });
    expect(offering.body.tenantId).toBeUndefined();
  });

  it('refuses a redemption beyond the credits with 409 no_credits_left', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 1 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
    const refused = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 409, code: 'no_credits_left' });
  });

  it('lists packages by client, offering, status and text, newest first, with cursor pages', async () => {
    const grace = await studio.createClient('Grace Hopper');
    const alan = await studio.createClient('Alan Turing');
    const yoga = await studio.createOffering({ name: 'Yoga ten-pack', sessionCount: 10 });
    const boxing = await studio.createOffering({ name: 'Boxing basics', sessionCount: 1 });
    const sold = [];
    for (const [offering, client] of [[yoga, grace], [yoga, alan], [boxing, grace], [yoga, grace]]) sold.push(await studio.sellPackage(offering, client));
    const used = await t.http.post(`/v1/packages/${sold[2].id}/redemptions`).set(studio.auth).send({}).expect(201);
    const after = used.headers['punchcard-position'];
    const list = async (query: Record<string, string | number>) =>
      (await t.http.get('/v1/packages').query({ after, ...query }).set(studio.auth).expect(200)).body;

    expect((await list({ clientId: grace })).items.map((p: any) => p.id)).toEqual([sold[3].id, sold[2].id, sold[0].id]);
    expect((await list({ offeringId: yoga, clientId: grace })).items.map((p: any) => p.id)).toEqual([sold[3].id, sold[0].id]);
    expect((await list({ offeringId: boxing, status: 'used_up' })).items.map((p: any) => p.id)).toEqual([sold[2].id]);
    expect((await list({ q: 'boxing' })).items.map((p: any) => p.id)).toEqual([sold[2].id]);
    expect((await list({ q: 'TURING' })).items.map((p: any) => p.id)).toEqual([sold[1].id]);
    expect((await list({ q: 'nobody-matches-this' })).items).toEqual([]);
    // An offering name and a client name together; a filter on top; part of a package id, in any case.
    expect((await list({ q: 'ing' })).items.map((p: any) => p.id)).toEqual([sold[2].id, sold[1].id]);
    expect((await list({ q: 'hopper', offeringId: yoga })).items.map((p: any) => p.id)).toEqual([sold[3].id, sold[0].id]);
    expect((await list({ q: sold[1].id.slice(-12).toUpperCase() })).items.map((p: any) => p.id)).toEqual([sold[1].id]);
    // The name a package was sold under, not the offering's name now.
    await t.http.patch(`/v1/offerings/${boxing}`).set(studio.auth).send({ name: 'Kickboxing' }).expect(200);
    expect((await list({ q: 'boxing basics' })).items.map((p: any) => p.id)).toEqual([sold[2].id]);

    const page1 = await list({ offeringId: yoga, limit: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await list({ offeringId: yoga, limit: 2, cursor: page1.nextCursor });
    expect(page2.nextCursor).toBeNull();
    expect([...page1.items, ...page2.items].map((p: any) => p.id)).toEqual([sold[3].id, sold[1].id, sold[0].id]);
  });

  it('grants a comp package at no charge and takes draft/paused/archived offerings off sale', async () => {
    const offeringId = await studio.createOffering({ status: 'draft' });
    const clientId = await studio.createClient();
    const sell = () => t.http.post('/v1/packages').set(studio.auth).send({ offeringId, clientId, payment: { method: 'comp' } });
    expect((await sell().expect(409)).body.code).toBe('offering_not_active');
    await t.http.patch(`/v1/offerings/${offeringId}`).set(studio.auth).send({ status: 'active', name: 'Intro pack' }).expect(200);
    const comp = await sell().expect(201);
    expect(comp.body).toMatchObject({ price: { amount: 0, currency: 'USD' }, payment: { method: 'comp', reference: null }, offeringName: 'Intro pack' });
    await t.http.patch(`/v1/offerings/${offeringId}`).set(studio.auth).send({ status: 'paused' }).expect(200);
    expect((await sell().expect(409)).body.code).toBe('offering_not_active');
    await t.http.patch(`/v1/offerings/${offeringId}`).set(studio.auth).send({ status: 'archived' }).expect(200);
    const archived = await t.http.patch(`/v1/offerings/${offeringId}`).set(studio.auth).send({ status: 'active' }).expect(409);
    expect(archived.body.code).toBe('offering_archived');
  });

  it('expires packages: a redemption after expiresAt is refused before the sweep, and the sweep forfeits the credits', async () => {
    const offeringId = await studio.createOffering({ sessionCount: 3, validityDays: 1 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    const redeemed = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);

    t.clock.advance(Date.parse(pkg.expiresAt) - t.clock.now().getTime() + 1000);
    const late = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(409);
    expect(late.body.code).toBe('package_expired');
    const shown = await t.http.get(`/v1/packages/${pkg.id}?after=${redeemed.headers['punchcard-position']}`).set(studio.auth).expect(200);
    expect(shown.body.status).toBe('expired'); // shown as expired at once, before the sweep records it
    // ... and filtered as it is shown, in the list and in both exports.
    const after = redeemed.headers['punchcard-position'];
    const listed = async (status: string) =>
      (await t.http.get('/v1/packages').query({ after, clientId: pkg.clientId, status }).set(studio.auth).expect(200)).body.items.map((p: any) => p.id);
    expect(await listed('expired')).toEqual([pkg.id]);
    expect(await listed('active')).toEqual([]);
    const exported = async (csv: string, status: string) =>
      (await t.http.get(`/v1/exports/${csv}`).query({ after, clientId: pkg.clientId, status }).set(studio.auth).expect(200)).text.split('\n').filter((line) => line.includes(pkg.id)).length;
    expect(await exported('packages.csv', 'expired')).toBe(1);
    expect(await exported('packages.csv', 'active')).toBe(0);
    expect(await exported('ledger.csv', 'expired')).toBe(2); // the sale and the redemption
    expect(await exported('ledger.csv', 'active')).toBe(0);

    const pkgEventsBefore = (await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`)).length;
    expect(await t.app.get(ExpirySweep).run()).toBeGreaterThanOrEqual(1);
    const stream = await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`);
    expect(stream).toHaveLength(pkgEventsBefore + 1);
    expect(stream.at(-1)).toMatchObject({ type: 'PackageExpired', data: { creditsForfeited: 2, paidCreditsForfeited: 2, value: 36000 } });
    expect(stream.at(-1)!.metadata.actor).toEqual({ id: 'system:expiry-sweep', role: 'system' });

    const position = `${stream.at(-1)!.position.transactionId}-${stream.at(-1)!.position.globalPosition}`;
    const ledger = await t.http.get(`/v1/packages/${pkg.id}/ledger?after=${position}`).set(studio.auth).expect(200);
    expect(ledger.body.entries.at(-1)).toMatchObject({ type: 'PackageExpired', delta: -2, balance: 0 });
    // A second sweep finds nothing left to do for this package.
    await t.app.get(ExpirySweep).run();
    expect(await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`)).toHaveLength(pkgEventsBefore + 1);
  });
});
