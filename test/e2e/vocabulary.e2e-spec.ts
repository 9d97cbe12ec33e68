import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * One vocabulary for the credit figures (docs/api-guide.md, "Vocabulary"): every view names a figure
 * the same way, "forfeited" is never expiry, and the published old names carry the same figures,
 * marked deprecated in the OpenAPI document.
 */
describe('One vocabulary of credit figures', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant();
  });
  afterAll(() => t.close());

  it('marks the old names deprecated in the OpenAPI document, each beside its replacement', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body;
    const schemaOf = (path: string) => document.paths[path].get.responses['200'].content['application/json'].schema;
    const view = (path: string) => schemaOf(path).properties;
    const item = (path: string) => schemaOf(path).properties.items.items.properties;
    const deprecatedIn = (properties: Record<string, { deprecated?: boolean }>) => Object.keys(properties).filter((name) => properties[name].deprecated).sort();
    expect(deprecatedIn(view('/v1/packages/{id}'))).toEqual(['creditsForfeited']);
    expect(deprecatedIn(item('/v1/packages'))).toEqual(['creditsForfeited']);
    expect(deprecatedIn(item('/v1/clients/{id}/packages'))).toEqual(['creditsForfeited']);
    expect(deprecatedIn(view('/v1/offerings/{id}'))).toEqual(['creditsForfeited', 'creditsGranted']);
    expect(deprecatedIn(item('/v1/offerings'))).toEqual(['creditsForfeited', 'creditsGranted']);
    expect(deprecatedIn(view('/v1/offerings/{id}/usage'))).toEqual(['creditsGranted', 'creditsLeft', 'sessionsBooked']);
    expect(deprecatedIn(item('/v1/offerings/{id}/clients'))).toEqual(['booked', 'expired', 'left', 'limit', 'refunded']);
    for (const path of ['/v1/packages/{id}', '/v1/offerings/{id}', '/v1/offerings/{id}/usage']) {
      expect(Object.keys(view(path))).toEqual(expect.arrayContaining(['creditsTotal', 'creditsUsed', 'creditsRefunded', 'creditsExpired']));
    }
  });

  it('counts expired credits as creditsExpired in the package, the offering, the usage dashboard and the export', async () => {
    const offeringId = await studio.createOffering({ name: 'Three sessions', sessionCount: 3, validityDays: 1 });
    const pkg = await studio.sellPackage(offeringId, await studio.createClient());
    const redeemed = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
    await t.http.get(`/v1/packages/${pkg.id}`).query({ after: redeemed.headers['punchcard-position'] }).set(studio.auth).expect(200); // the sweep reads the read model
    t.clock.advance(Date.parse(pkg.expiresAt) - t.clock.now().getTime() + 1000);
    await t.app.get(ExpirySweep).run();
    const [last] = (await t.infrastructure.system.eventStore.readStream(`package-${pkg.id}`)).slice(-1);
    const after = `${last.position.transactionId}-${last.position.globalPosition}`;
    const get = async (path: string) => (await t.http.get(path).query({ after }).set(studio.auth).expect(200)).body;

    expect(await get(`/v1/packages/${pkg.id}`)).toMatchObject({ creditsTotal: 3, creditsUsed: 1, creditsRemaining: 0, creditsExpired: 2, creditsForfeited: 2 });
    expect(await get(`/v1/offerings/${offeringId}`)).toMatchObject({ creditsTotal: 3, creditsUsed: 1, creditsExpired: 2, creditsGranted: 3, creditsForfeited: 2 });
    expect(await get(`/v1/offerings/${offeringId}/usage`)).toMatchObject({ creditsTotal: 3, creditsUsed: 1, creditsRemaining: 0, creditsExpired: 2 });
    const [row] = (await get(`/v1/offerings/${offeringId}/clients`)).items;
    expect(row).toMatchObject({ creditsTotal: 3, creditsUsed: 1, creditsRemaining: 0, creditsExpired: 2 });
    const csv = (await t.http.get('/v1/exports/packages.csv').query({ after, offeringId }).set(studio.auth).expect(200)).text.split('\r\n');
    const header = csv[0].split(',');
    const values = csv[1].split(',');
    expect(header).not.toContain('credits_forfeited');
    expect(values[header.indexOf('credits_expired')]).toBe('2');
  });
});
