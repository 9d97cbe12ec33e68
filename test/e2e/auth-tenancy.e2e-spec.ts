import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Authentication (bearer keys, operator vs tenant) and tenant isolation: another tenant's ids are
 * indistinguishable from unknown ones, for reads, writes and lists alike (DESIGN.md §6).
 */

let t: TestApp;
let a: TenantSession;
let b: TenantSession;

/** What each tenant owns; A's things are what B must never see or touch. */
const A = { clientId: '', clientName: 'Alexandra Quillfeather', offeringId: '', offeringName: 'Quillfeather Intensive', packageId: '', redemptionId: '', position: '' };
const B = { clientId: '', offeringId: '', packageId: '' };

type Method = 'get' | 'post' | 'patch';

function call(method: Method, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const req = t.http[method](path).set(headers);
  return body === undefined ? req : req.send(body as object);
}

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, contentType: res.headers['content-type'], code: res.body?.code, detail: typeof res.body?.detail }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code,
    detail: 'string',
  });
}

/** Events, clients and tenants: what a refused request must not have changed. */
async function fingerprint() {
  const { rows } = await t.db.pool.query(
    'SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM clients) AS clients, (SELECT count(*)::int FROM tenants) AS tenants',
  );
  return rows[0];
}

async function streamLength(streamId: string): Promise<number> {
  const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [streamId]);
  return rows[0].n;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const operator = () => bearer(t.operatorKey);
/** The key with one character of its secret changed (still well-formed). */
const alterLastChar = (key: string) => key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');

beforeAll(async () => {
  t = await createTestApp();
  a = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
  b = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });

  B.clientId = await b.createClient('Bruno Beispiel');
  B.offeringId = await b.createOffering({ name: 'Beispiel Basics', price: { amount: 10000, currency: 'EUR' } });
  B.packageId = (await b.sellPackage(B.offeringId, B.clientId)).id;

  A.clientId = await a.createClient(A.clientName);
  A.offeringId = await a.createOffering({ name: A.offeringName });
  A.packageId = (await a.sellPackage(A.offeringId, A.clientId)).id;
  const redeemed = await t.http.post(`/v1/packages/${A.packageId}/redemptions`).set(a.auth).send({ note: 'first session' }).expect(201);
  A.redemptionId = redeemed.body.redemptionId;
  // A's last write is the last write overall: reads with ?after= it see everything.
  A.position = redeemed.headers['punchcard-position'];
});

afterAll(async () => {
  await t?.close();
});

describe('authentication', () => {
  /** [method, path as shown in the test name, path]: ids are only known once beforeAll ran. */
  const protectedRoutes: [Method, string, () => string][] = [
    ['get', '/v1/packages', () => '/v1/packages'],
    ['get', '/v1/packages/:id', () => `/v1/packages/${A.packageId}`],
    ['get', '/v1/packages/:id/ledger', () => `/v1/packages/${A.packageId}/ledger`],
    ['post', '/v1/packages/:id/redemptions', () => `/v1/packages/${A.packageId}/redemptions`],
    ['get', '/v1/clients', () => '/v1/clients'],
    ['post', '/v1/clients', () => '/v1/clients'],
    ['get', '/v1/offerings', () => '/v1/offerings'],
    ['patch', '/v1/offerings/:id', () => `/v1/offerings/${A.offeringId}`],
    ['post', '/v1/tenants', () => '/v1/tenants'],
  ];

  it.each(protectedRoutes)('%s %s without a key is 401 with WWW-Authenticate: Bearer', async (method, _, path) => {
    const res = await call(method, path(), {}, method === 'get' ? undefined : {});
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  const badAuthorizations: [string, () => string][] = [
    ['an empty header', () => ''],
    ['"Bearer" without a key', () => 'Bearer'],
    ['"Bearer " and spaces', () => 'Bearer    '],
    ['Basic credentials', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['the key without a scheme', () => a.key],
    ['the key under another scheme', () => `Token ${a.key}`],
    ['a malformed key', () => 'Bearer not-a-key'],
    ['a key with the right shape that was never issued', () => `Bearer pc_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`],
    ["tenant A's key with an altered secret", () => `Bearer ${alterLastChar(a.key)}`],
    ["tenant A's key with a character appended", () => `Bearer ${a.key}x`],
    ["tenant A's key truncated", () => `Bearer ${a.key.slice(0, -1)}`],
    ["tenant A's key id with tenant B's secret", () => `Bearer ${a.key.slice(0, 20)}${b.key.slice(20)}`],
    ['an operator-shaped key that was never issued', () => `Bearer pcop_${randomBytes(32).toString('base64url')}`],
    ['the operator key with an altered secret', () => `Bearer ${alterLastChar(t.operatorKey)}`],
    ['a 10k character key', () => `Bearer ${'k'.repeat(10_000)}`],
  ];

  it.each(badAuthorizations)('%s is 401 unauthorized', async (_, header) => {
    const before = await fingerprint();
    for (const [method, path, body] of [
      ['get', '/v1/packages', undefined],
      ['post', '/v1/clients', { name: 'Eve', email: 'eve@example.com' }],
      ['post', '/v1/tenants', { name: 'Eve Inc', timezone: 'UTC', currency: 'USD' }],
    ] as [Method, string, unknown][]) {
      const res = await call(method, path, { Authorization: header() }, body);
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await fingerprint()).toEqual(before);
  });

  it('a tenant key cannot create tenants (403 forbidden)', async () => {
    const before = await fingerprint();
    expectProblem(await call('post', '/v1/tenants', a.auth, { name: 'Sneaky', timezone: 'UTC', currency: 'USD' }), 403, 'forbidden');
    expect(await fingerprint()).toEqual(before);
  });

  const tenantRoutes: [Method, string, () => string, unknown][] = [
    ['get', '/v1/packages', () => '/v1/packages', undefined],
    ['get', '/v1/packages/:id', () => `/v1/packages/${A.packageId}`, undefined],
    ['get', '/v1/packages/:id/ledger', () => `/v1/packages/${A.packageId}/ledger`, undefined],
    ['get', '/v1/clients', () => '/v1/clients', undefined],
    ['get', '/v1/offerings', () => '/v1/offerings', undefined],
    ['post', '/v1/clients', () => '/v1/clients', { name: 'Op', email: 'op@example.com' }],
    ['post', '/v1/offerings', () => '/v1/offerings', { name: 'Op', sessionCount: 1, price: { amount: 0, currency: 'USD' } }],
    ['patch', '/v1/offerings/:id', () => `/v1/offerings/${A.offeringId}`, { name: 'Op' }],
    ['post', '/v1/packages', () => '/v1/packages', { offeringId: A.offeringId, clientId: A.clientId, payment: { method: 'comp' } }],
    ['post', '/v1/packages/:id/redemptions', () => `/v1/packages/${A.packageId}/redemptions`, {}],
    ['post', '/v1/packages/:id/adjustments', () => `/v1/packages/${A.packageId}/adjustments`, { delta: 1, reason: 'x' }],
  ];

  it.each(tenantRoutes)('the operator key on tenant endpoint %s %s is 403 forbidden', async (method, _, path, body) => {
    const before = await fingerprint();
    expectProblem(await call(method, path(), operator(), body), 403, 'forbidden');
    expect(await fingerprint()).toEqual(before);
  });

  it('GET /health needs no key', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health ignores a bad key', async () => {
    await t.http.get('/health').set('Authorization', 'Bearer nonsense').expect(200);
  });
});

describe("tenant B cannot read tenant A's resources", () => {
  beforeAll(async () => {
    // A sees them (with the read models caught up), so B's 404s are about tenancy, not timing.
    await t.http.get(`/v1/packages/${A.packageId}?after=${A.position}`).set(a.auth).expect(200);
    await t.http.get(`/v1/packages/${A.packageId}/ledger?after=${A.position}`).set(a.auth).expect(200);
    await t.http.get(`/v1/offerings/${A.offeringId}?after=${A.position}`).set(a.auth).expect(200);
    await t.http.get(`/v1/clients/${A.clientId}`).set(a.auth).expect(200);
  });

  it.each([
    ['package', () => `/v1/packages/${A.packageId}?after=${A.position}`, 'package_not_found'],
    ['ledger', () => `/v1/packages/${A.packageId}/ledger?after=${A.position}`, 'package_not_found'],
    ['ledger as of now', () => `/v1/packages/${A.packageId}/ledger?asOf=${encodeURIComponent(new Date().toISOString())}`, 'package_not_found'],
    ['offering', () => `/v1/offerings/${A.offeringId}?after=${A.position}`, 'offering_not_found'],
    ['client', () => `/v1/clients/${A.clientId}`, 'client_not_found'],
  ])("A's %s is 404", async (_, path, code) => {
    expectProblem(await call('get', path(), b.auth), 404, code);
  });
});

describe("tenant B cannot change tenant A's resources", () => {
  const packageWrites: [string, () => string, unknown][] = [
    ['redeem a session', () => `/v1/packages/${A.packageId}/redemptions`, {}],
    ['add goodwill credits', () => `/v1/packages/${A.packageId}/adjustments`, { delta: 5, reason: 'Goodwill' }],
    ['remove credits', () => `/v1/packages/${A.packageId}/adjustments`, { delta: -1, reason: 'Correction' }],
    ['refund', () => `/v1/packages/${A.packageId}/refunds`, { reason: 'Moved away' }],
    ['change the expiry', () => `/v1/packages/${A.packageId}/expiry-changes`, { expiresAt: '2099-01-01T00:00:00Z', reason: 'Ill' }],
    ['remove the expiry', () => `/v1/packages/${A.packageId}/expiry-changes`, { expiresAt: null, reason: 'Forever' }],
    ['reverse a redemption', () => `/v1/packages/${A.packageId}/redemptions/${A.redemptionId}/reversals`, { reason: 'Mistake' }],
  ];

  it.each(packageWrites)("B cannot %s on A's package (404, A's stream unchanged)", async (_, path, body) => {
    const stream = `package-${A.packageId}`;
    const [streamBefore, totalBefore] = [await streamLength(stream), await t.eventCount()];
    expectProblem(await call('post', path(), b.auth, body), 404, 'package_not_found');
    expect(await streamLength(stream)).toBe(streamBefore);
    expect(await t.eventCount()).toBe(totalBefore);
  });

  it.each([
    ['rename', { name: 'Hijacked' }],
    ['archive', { status: 'archived' }],
  ])("B cannot %s A's offering (404, A's stream unchanged)", async (_, body) => {
    const stream = `offering-${A.offeringId}`;
    const before = await streamLength(stream);
    expectProblem(await call('patch', `/v1/offerings/${A.offeringId}`, b.auth, body), 404, 'offering_not_found');
    expect(await streamLength(stream)).toBe(before);
  });

  it.each([
    // Ids in a body that name nothing of this tenant: 422 unknown_<x> (issue 16; were 404 offering_not_found / 422 client_not_found).
    ["A's offering to B's client", () => ({ offeringId: A.offeringId, clientId: B.clientId }), 422, 'unknown_offering'],
    ["B's offering to A's client", () => ({ offeringId: B.offeringId, clientId: A.clientId }), 422, 'unknown_client'],
    ["A's offering to A's client", () => ({ offeringId: A.offeringId, clientId: A.clientId }), 422, 'unknown_client'],
  ] as [string, () => object, number, string][])('B cannot sell %s', async (_, ids, status, code) => {
    const before = await t.eventCount();
    expectProblem(await call('post', '/v1/packages', b.auth, { ...ids(), payment: { method: 'cash' } }), status, code);
    expect(await t.eventCount()).toBe(before);
  });

  it("A's package is exactly as A left it", async () => {
    const res = await t.http.get(`/v1/packages/${A.packageId}?after=${A.position}`).set(a.auth).expect(200);
    expect(res.body).toMatchObject({ id: A.packageId, creditsTotal: 6, creditsUsed: 1, creditsRemaining: 5, status: 'active' });
  });
});

describe("tenant B's lists never contain tenant A's data", () => {
  const aIds = () => [A.packageId, A.clientId, A.offeringId];
  const expectNoneOfA = (res: Response) => {
    const text = JSON.stringify(res.body);
    for (const id of aIds()) expect(text).not.toContain(id);
    expect(text).not.toContain(A.clientName);
    expect(text).not.toContain(A.offeringName);
  };

  const packageFilters: [string, () => Record<string, string>][] = [
    ['no filter', () => ({})],
    ["q = A's package id", () => ({ q: A.packageId })],
    ["q = A's client name", () => ({ q: A.clientName })],
    ["q = part of A's client name", () => ({ q: 'Quillfeather' })],
    ["q = A's offering name", () => ({ q: A.offeringName })],
    ["clientId = A's client", () => ({ clientId: A.clientId })],
    ["offeringId = A's offering", () => ({ offeringId: A.offeringId })],
    ["clientId and offeringId = A's", () => ({ clientId: A.clientId, offeringId: A.offeringId })],
    ['status = active', () => ({ status: 'active' })],
  ];

  it.each(packageFilters)('GET /v1/packages with %s', async (_, filter) => {
    const query = new URLSearchParams({ ...filter(), after: A.position, limit: '100' }).toString();
    const res = await t.http.get(`/v1/packages?${query}`).set(b.auth).expect(200);
    expectNoneOfA(res);
    // The same filter does find A's package for A, so the test would notice a leak.
    const own = await t.http.get(`/v1/packages?${query}`).set(a.auth).expect(200);
    expect(own.body.items.map((p: { id: string }) => p.id)).toContain(A.packageId);
  });

  it("GET /v1/packages without a filter shows B's own package", async () => {
    const res = await t.http.get(`/v1/packages?after=${A.position}`).set(b.auth).expect(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual([B.packageId]);
  });

  it('GET /v1/offerings', async () => {
    const res = await t.http.get(`/v1/offerings?after=${A.position}&limit=100`).set(b.auth).expect(200);
    expectNoneOfA(res);
    expect(res.body.items.map((o: { id: string }) => o.id)).toEqual([B.offeringId]);
  });

  it.each([
    ['no filter', ''],
    ["q = A's client name", `&q=${encodeURIComponent(A.clientName)}`],
  ])('GET /v1/clients with %s', async (_, filter) => {
    const res = await t.http.get(`/v1/clients?limit=100${filter}`).set(b.auth).expect(200);
    expectNoneOfA(res);
    if (!filter) expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([B.clientId]);
  });
});

describe('idempotency keys are scoped per tenant', () => {
  it('the same Idempotency-Key on POST /v1/clients works independently for A and B', async () => {
    const key = `client-import-${randomUUID()}`;
    const body = { name: 'Sam Same', email: 'sam.same@example.com' };
    const post = (session: TenantSession) => t.http.post('/v1/clients').set(session.auth).set('Idempotency-Key', key).send(body);

    const fromA = await post(a).expect(201);
    const fromB = await post(b).expect(201);
    expect(fromA.headers['idempotent-replayed']).toBeUndefined();
    expect(fromB.headers['idempotent-replayed']).toBeUndefined();
    expect(fromB.body.id).not.toBe(fromA.body.id);

    // Each tenant's client is its own, and a retry in each tenant replays that tenant's answer.
    await t.http.get(`/v1/clients/${fromA.body.id}`).set(a.auth).expect(200);
    await t.http.get(`/v1/clients/${fromB.body.id}`).set(b.auth).expect(200);
    expectProblem(await call('get', `/v1/clients/${fromA.body.id}`, b.auth), 404, 'client_not_found');
    expectProblem(await call('get', `/v1/clients/${fromB.body.id}`, a.auth), 404, 'client_not_found');

    const retryA = await post(a).expect(201);
    const retryB = await post(b).expect(201);
    expect(retryA.headers['idempotent-replayed']).toBe('true');
    expect(retryB.headers['idempotent-replayed']).toBe('true');
    expect(retryA.body.id).toBe(fromA.body.id);
    expect(retryB.body.id).toBe(fromB.body.id);
  });

  it('a key B used with another body is still free for A', async () => {
    const key = `other-body-${randomUUID()}`;
    await t.http.post('/v1/clients').set(b.auth).set('Idempotency-Key', key).send({ name: 'Bea', email: 'bea@example.com' }).expect(201);
    const res = await t.http.post('/v1/clients').set(a.auth).set('Idempotency-Key', key).send({ name: 'Abe', email: 'abe@example.com' }).expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.body).toMatchObject({ name: 'Abe', email: 'abe@example.com' });
  });
});
