import { Logger } from '@nestjs/common';
import type { Response } from 'supertest';
import { hashKey, keyIdOf } from '../../apps/api/src/auth/api-keys';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Break-glass recovery (POST /v1/tenants/{id}/admin-keys, operator only): a tenant whose first admin
 * key was lost (its creation's response never arrived, and the Idempotency-Key replay does not show
 * the key again) gets a new admin key from the operator. Recorded as created by the operator, logged.
 */

let t: TestApp;
let operatorKeyId: string;

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const operator = () => bearer(t.operatorKey);
const ISSUED_FIELDS = ['createdAt', 'createdBy', 'id', 'key', 'name', 'prefix', 'revokedAt', 'revokedBy', 'role'];

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, contentType: res.headers['content-type'], code: res.body?.code }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code,
  });
}

const issueAdminKey = (tenantId: string, body?: object) => {
  const req = t.http.post(`/v1/tenants/${tenantId}/admin-keys`).set(operator());
  return body === undefined ? req : req.send(body);
};

async function keyCount(): Promise<number> {
  const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM api_keys');
  return rows[0].n;
}

/** A tenant created with an Idempotency-Key whose first response was "lost": the caller only has the replay. */
async function tenantWithLostKey(): Promise<{ tenantId: string; lostKey: string }> {
  const body = { name: 'Studio Lost Response', timezone: 'Europe/Berlin', currency: 'EUR' };
  const idempotencyKey = `create-tenant-${Date.now()}-${Math.random()}`;
  const lost = await t.http.post('/v1/tenants').set(operator()).set('Idempotency-Key', idempotencyKey).send(body).expect(201);
  const replay = await t.http.post('/v1/tenants').set(operator()).set('Idempotency-Key', idempotencyKey).send(body).expect(201);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.id).toBe(lost.body.id);
  expect(replay.body).not.toHaveProperty('adminApiKey');
  return { tenantId: replay.body.id, lostKey: lost.body.adminApiKey };
}

beforeAll(async () => {
  t = await createTestApp();
  // The id the key store gives the operator key the test app installed.
  const { rows } = await t.db.pool.query('SELECT id FROM operator_keys WHERE secret_hash = $1', [hashKey(t.operatorKey)]);
  operatorKeyId = rows[0].id;
});

afterAll(async () => {
  await t?.close();
});

describe('break-glass admin key', () => {
  it('recovers a tenant whose creation replay came back without its key: the new admin key works and is recorded as the operator\'s', async () => {
    const { tenantId, lostKey } = await tenantWithLostKey();
    const log = jest.spyOn(Logger.prototype, 'log');
    let issued: Response;
    try {
      issued = await issueAdminKey(tenantId, {}).expect(201);
      expect(log.mock.calls.map(([message]) => String(message)).filter((m) => m.includes(issued.body.id))).toEqual([
        expect.stringMatching(new RegExp(`(?=.*${tenantId})(?=.*${operatorKeyId})`)),
      ]);
      expect(log.mock.calls.flat().map(String).join('\n')).not.toContain(issued.body.key);
    } finally {
      log.mockRestore();
    }

    expect(Object.keys(issued.body).sort()).toEqual(ISSUED_FIELDS);
    expect(issued.body).toEqual({
      id: keyIdOf(issued.body.key),
      prefix: `pc_${issued.body.id}`,
      role: 'admin',
      name: 'admin (issued by operator)',
      createdAt: expect.any(String),
      createdBy: `operator:${operatorKeyId}`,
      revokedAt: null,
      revokedBy: null,
      key: expect.stringMatching(/^pc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
    });
    expect(issued.body.key).not.toBe(lostKey);

    const admin = bearer(issued.body.key);
    await t.http.get('/v1/packages').set(admin).expect(200);
    // The tenant's admins see who issued it; the key was made in this tenant only.
    const listed = (await t.http.get('/v1/api-keys').set(admin).expect(200)).body.items;
    const { key, ...view } = issued.body;
    expect(listed).toContainEqual(view);
    const { rows } = await t.db.pool.query('SELECT tenant_id, secret_hash FROM api_keys WHERE id = $1', [issued.body.id]);
    expect(rows).toEqual([{ tenant_id: tenantId, secret_hash: hashKey(key) }]);
  });

  it('takes an optional name (1 to 100 characters) and refuses anything else with 400, issuing nothing', async () => {
    const { tenantId } = await tenantWithLostKey();
    const named = await issueAdminKey(tenantId, { name: 'Owner laptop' }).expect(201);
    expect(named.body.name).toBe('Owner laptop');
    expect((await issueAdminKey(tenantId).expect(201)).body.name).toBe('admin (issued by operator)'); // no body at all

    const before = await keyCount();
    for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: null }, { name: 42 }, { role: 'staff' }, { name: 'x', tenantId }]) {
      expectProblem(await issueAdminKey(tenantId, body), 400, 'validation_failed');
    }
    expect(await keyCount()).toBe(before);
  });

  it('an Idempotency-Key retry answers without the secret and issues no second key', async () => {
    const { tenantId } = await tenantWithLostKey();
    const before = await keyCount();
    const first = await issueAdminKey(tenantId, {}).set('Idempotency-Key', `recover-${tenantId}`).expect(201);
    const replay = await issueAdminKey(tenantId, {}).set('Idempotency-Key', `recover-${tenantId}`).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const { key, ...withoutSecret } = first.body;
    expect(replay.body).toEqual(withoutSecret);
    expect(await keyCount()).toBe(before + 1);
    await t.http.get('/v1/packages').set(bearer(key)).expect(200);
  });

  it('an unknown or malformed tenant id is 404 tenant_not_found', async () => {
    const before = await keyCount();
    expectProblem(await issueAdminKey('00000000-0000-4000-8000-000000000000', {}), 404, 'tenant_not_found');
    expectProblem(await issueAdminKey('not-a-tenant', {}), 404, 'tenant_not_found');
    expect(await keyCount()).toBe(before);
  });

  it('is for the operator only: a tenant admin key gets 403 (also on its own tenant), no key 401', async () => {
    const tenant = await t.newTenant();
    const before = await keyCount();
    expectProblem(await t.http.post(`/v1/tenants/${tenant.tenantId}/admin-keys`).set(tenant.auth).send({}), 403, 'forbidden');
    expectProblem(await t.http.post(`/v1/tenants/${tenant.tenantId}/admin-keys`).send({}), 401, 'unauthorized');
    expect(await keyCount()).toBe(before);
  });
});
