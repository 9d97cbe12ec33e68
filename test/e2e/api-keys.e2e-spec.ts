import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { keyIdOf } from '../../apps/api/src/auth/api-keys';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * API key management (/v1/api-keys, admins only): keys with roles are created (secret shown once),
 * listed by prefix, revoked (refused at once in this process) and rotated with an optional grace
 * period; the tenant's last admin key cannot be revoked; other tenants' keys are not found.
 */

let t: TestApp;
let a: TenantSession;
let b: TenantSession;
let packageId: string;

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const LIST_FIELDS = ['createdAt', 'createdBy', 'id', 'name', 'prefix', 'revokedAt', 'revokedBy', 'role'];

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, contentType: res.headers['content-type'], code: res.body?.code }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    code,
  });
}

function createKey(session: TenantSession, body: Record<string, unknown>) {
  return t.http.post('/v1/api-keys').set(session.auth).send(body);
}

async function newKey(session: TenantSession, role: string, name = `${role} key`): Promise<{ id: string; key: string }> {
  const res = await createKey(session, { role, name }).expect(201);
  return { id: res.body.id, key: res.body.key };
}

async function listKeys(session: TenantSession): Promise<any[]> {
  return (await t.http.get('/v1/api-keys').set(session.auth).expect(200)).body.items;
}

/** Any read every role may make: 200 while the key works, 401 once it does not. */
const probe = (key: string) => t.http.get('/v1/packages').set(bearer(key));

beforeAll(async () => {
  t = await createTestApp();
  a = await t.newTenant();
  b = await t.newTenant();
  const clientId = await a.createClient();
  const offeringId = await a.createOffering({ sessionCount: 10 });
  packageId = (await a.sellPackage(offeringId, clientId)).id;
});

afterAll(async () => {
  await t?.close();
});

describe('creating and listing keys', () => {
  it('creates a key of each role, shows its secret in that response only, and lists prefixes (never secrets or hashes)', async () => {
    const adminId = keyIdOf(a.key)!;
    const created: Record<string, any> = {};
    for (const role of ['admin', 'staff', 'accountant']) {
      const res = await createKey(a, { role, name: `Front desk ${role}` }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        key: expect.stringMatching(/^pc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
        prefix: `pc_${res.body.id}`,
        role,
        name: `Front desk ${role}`,
        createdAt: expect.any(String),
        createdBy: adminId,
        revokedAt: null,
        revokedBy: null,
      });
      expect(res.body.key.startsWith(`${res.body.prefix}_`)).toBe(true);
      await probe(res.body.key).expect(200);
      created[role] = res.body;
    }

    const list = await listKeys(a);
    for (const row of list) expect(Object.keys(row).sort()).toEqual(LIST_FIELDS);
    const listed = JSON.stringify(list);
    for (const key of [a.key, ...Object.values(created).map((c) => c.key)]) expect(listed).not.toContain(key.slice(20));
    for (const { id, role, name, prefix } of Object.values(created)) expect(list).toContainEqual(expect.objectContaining({ id, role, name, prefix }));
    // The tenant's first key was made with the tenant, by the operator.
    expect(list).toContainEqual(expect.objectContaining({ id: adminId, role: 'admin', name: 'admin', createdBy: null, revokedAt: null }));
    // Newest first.
    expect(list.map((k) => k.createdAt)).toEqual([...list.map((k) => k.createdAt)].sort().reverse());

    // Stored as a SHA-256 hash only.
    const { rows } = await t.db.pool.query('SELECT secret_hash FROM api_keys WHERE id = $1', [created.staff.id]);
    expect(rows[0].secret_hash.equals(createHash('sha256').update(created.staff.key).digest())).toBe(true);
  });

  it('pages the list with limit and cursor, without overlap', async () => {
    const session = await t.newTenant();
    for (const role of ['staff', 'staff', 'accountant']) await newKey(session, role);
    const first = await t.http.get('/v1/api-keys').query({ limit: 2 }).set(session.auth).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t.http.get('/v1/api-keys').query({ limit: 2, cursor: first.body.nextCursor }).set(session.auth).expect(200);
    expect(second.body).toEqual({ items: expect.any(Array), nextCursor: null });
    const ids = [...first.body.items, ...second.body.items].map((k) => k.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual((await listKeys(session)).map((k) => k.id));
  });

  it('refuses bad input with 400 and creates nothing', async () => {
    const before = (await listKeys(a)).length;
    for (const body of [
      {},
      { role: 'owner', name: 'x' },
      { role: 'operator', name: 'x' },
      { role: 'staff' },
      { role: 'staff', name: '' },
      { role: 'staff', name: '   ' },
      { role: 'staff', name: 'x'.repeat(101) },
      { role: 'staff', name: 42 },
      { role: 'staff', name: 'x', tenantId: b.tenantId },
      { role: 'staff', name: 'x', createdBy: 'someone' },
    ]) {
      expectProblem(await createKey(a, body), 400, 'validation_failed');
    }
    const staff = await newKey(a, 'staff');
    for (const body of [{ revokeOldAfterSeconds: -1 }, { revokeOldAfterSeconds: 604801 }, { revokeOldAfterSeconds: 1.5 }, { revokeOldAfterSeconds: '60' }, { revokeOldAfterSeconds: null }, { role: 'admin' }]) {
      expectProblem(await t.http.post(`/v1/api-keys/${staff.id}/rotate`).set(a.auth).send(body), 400, 'validation_failed');
    }
    expectProblem(await t.http.get('/v1/api-keys').query({ limit: 101 }).set(a.auth), 400, 'validation_failed');
    expect((await listKeys(a)).length).toBe(before + 1);
    await probe(staff.key).expect(200);
  });

  it('never stores the secret for an Idempotency-Key replay: the retry answers without it and creates no second key', async () => {
    const before = (await listKeys(a)).length;
    const body = { role: 'accountant', name: 'Books' };
    const first = await createKey(a, body).set('Idempotency-Key', 'new-accountant-key').expect(201);
    const replay = await createKey(a, body).set('Idempotency-Key', 'new-accountant-key').expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const { key, ...withoutSecret } = first.body;
    expect(replay.body).toEqual(withoutSecret);
    expect((await listKeys(a)).length).toBe(before + 1);
    const { rows } = await t.db.pool.query(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = 'new-accountant-key'`);
    expect(rows[0].body).toContain(first.body.id);
    expect(rows[0].body).not.toContain(key.slice(20));
  });
});

describe('roles of created keys', () => {
  it('a staff key redeems (the event records the key and its role) but may not refund', async () => {
    const staff = await newKey(a, 'staff');
    const redeemed = await t.http.post(`/v1/packages/${packageId}/redemptions`).set(bearer(staff.key)).send({ note: 'front desk' }).expect(201);
    const stream = await t.infrastructure.system.eventStore.readStream(`package-${packageId}`);
    const redemption = stream.find((e) => (e.data as { redemptionId?: string }).redemptionId === redeemed.body.redemptionId)!;
    expect(redemption.metadata.actor).toEqual({ id: `api-key:${staff.id}`, role: 'staff' });

    const events = await t.eventCount();
    expectProblem(await t.http.post(`/v1/packages/${packageId}/refunds`).set(bearer(staff.key)).send({ reason: 'try' }), 403, 'role_forbidden');
    expect(await t.eventCount()).toBe(events);
  });

  it('only admins manage keys: staff and accountant keys get 403 and change nothing', async () => {
    const target = await newKey(a, 'staff');
    const before = await listKeys(a);
    for (const role of ['staff', 'accountant']) {
      const { key } = await newKey(a, role);
      const as = bearer(key);
      expectProblem(await t.http.post('/v1/api-keys').set(as).send({ role: 'admin', name: 'escalate' }), 403, 'role_forbidden');
      expectProblem(await t.http.get('/v1/api-keys').set(as), 403, 'role_forbidden');
      expectProblem(await t.http.post(`/v1/api-keys/${target.id}/revoke`).set(as).send(), 403, 'role_forbidden');
      expectProblem(await t.http.post(`/v1/api-keys/${target.id}/rotate`).set(as).send({}), 403, 'role_forbidden');
    }
    const after = await listKeys(a);
    expect(after.filter((k) => !before.some((old) => old.id === k.id)).map((k) => k.role)).toEqual(['accountant', 'staff']);
    expect(after.find((k) => k.id === target.id).revokedAt).toBeNull();
    await probe(target.key).expect(200);
  });

  it('the operator key cannot manage a tenant’s keys', async () => {
    expectProblem(await t.http.get('/v1/api-keys').set(bearer(t.operatorKey)), 403, 'forbidden');
    expectProblem(await t.http.post('/v1/api-keys').set(bearer(t.operatorKey)).send({ role: 'admin', name: 'x' }), 403, 'forbidden');
  });
});

describe('revoking', () => {
  it('a revoked key answers 401 at once (even though it was just used and cached); revoking again changes nothing', async () => {
    const staff = await newKey(a, 'staff');
    await probe(staff.key).expect(200);
    const revoked = await t.http.post(`/v1/api-keys/${staff.id}/revoke`).set(a.auth).send().expect(200);
    expect(revoked.body).toMatchObject({ id: staff.id, role: 'staff', revokedAt: expect.any(String), revokedBy: keyIdOf(a.key) });
    expect(Object.keys(revoked.body).sort()).toEqual(LIST_FIELDS);
    expectProblem(await probe(staff.key), 401, 'unauthorized');

    const again = await t.http.post(`/v1/api-keys/${staff.id}/revoke`).set(a.auth).send().expect(200);
    expect(again.body).toEqual(revoked.body);
    expect((await listKeys(a)).find((k) => k.id === staff.id)).toEqual(revoked.body);
  });

  it('another tenant’s key ids and unknown ids are not found, and their keys stay untouched', async () => {
    const bStaff = await newKey(b, 'staff');
    for (const id of [bStaff.id, keyIdOf(b.key)!, '0123456789abcdef', 'not-a-key-id', `pc_${bStaff.id}`]) {
      expectProblem(await t.http.post(`/v1/api-keys/${id}/revoke`).set(a.auth).send(), 404, 'api_key_not_found');
      expectProblem(await t.http.post(`/v1/api-keys/${id}/rotate`).set(a.auth).send({}), 404, 'api_key_not_found');
    }
    await probe(bStaff.key).expect(200);
    const aIds = (await listKeys(a)).map((k) => k.id);
    expect(aIds).not.toContain(bStaff.id);
    expect(aIds).not.toContain(keyIdOf(b.key));
    expect((await listKeys(b)).every((k) => k.revokedAt === null)).toBe(true);
  });

  it('the tenant’s last active admin key cannot be revoked (409 last_admin_key)', async () => {
    const studio = await t.newTenant();
    const firstId = keyIdOf(studio.key)!;
    expectProblem(await t.http.post(`/v1/api-keys/${firstId}/revoke`).set(studio.auth).send(), 409, 'last_admin_key');

    // With a second admin key, the first can go; then the second is the last one.
    const second = await newKey(studio, 'admin');
    await t.http.post(`/v1/api-keys/${firstId}/revoke`).set(bearer(second.key)).send().expect(200);
    expectProblem(await probe(studio.key), 401, 'unauthorized');
    expectProblem(await t.http.post(`/v1/api-keys/${second.id}/revoke`).set(bearer(second.key)).send(), 409, 'last_admin_key');

    // A key in its rotation grace period is on its way out: it does not count as another admin key.
    const rotated = await t.http.post(`/v1/api-keys/${second.id}/rotate`).set(bearer(second.key)).send({ revokeOldAfterSeconds: 600 }).expect(201);
    expectProblem(await t.http.post(`/v1/api-keys/${rotated.body.id}/revoke`).set(bearer(second.key)).send(), 409, 'last_admin_key');
    await probe(rotated.body.key).expect(200);
    await probe(second.key).expect(200);
  });
});

describe('rotating', () => {
  it('without a grace period the old key stops at once; the new one has the same role and name', async () => {
    const old = await newKey(a, 'staff', 'Tablet');
    await probe(old.key).expect(200);
    const res = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(a.auth).send({}).expect(201);
    expect(res.body).toMatchObject({ role: 'staff', name: 'Tablet', createdBy: keyIdOf(a.key), revokedAt: null, key: expect.stringMatching(/^pc_/) });
    expect(res.body.id).not.toBe(old.id);
    expect(res.body.previous).toMatchObject({ id: old.id, revokedBy: keyIdOf(a.key), revokedAt: expect.any(String) });
    expect(res.body.previous.key).toBeUndefined();
    expectProblem(await probe(old.key), 401, 'unauthorized');
    await t.http.post(`/v1/packages/${packageId}/redemptions`).set(bearer(res.body.key)).send({}).expect(201);
    expectProblem(await t.http.post(`/v1/packages/${packageId}/refunds`).set(bearer(res.body.key)).send({ reason: 'x' }), 403, 'role_forbidden');

    // A revoked or already rotated key is not rotated again.
    expectProblem(await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(a.auth).send({}), 409, 'api_key_revoked');
  });

  it('with a grace period both keys work until the old one is revoked (or the grace period ends)', async () => {
    const old = await newKey(a, 'accountant', 'Bookkeeper');
    const rotated = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(a.auth).send({ revokeOldAfterSeconds: 600 }).expect(201);
    const revokeAt = Date.parse(rotated.body.previous.revokedAt);
    expect(revokeAt - Date.now()).toBeGreaterThan(590_000);
    expect(revokeAt - Date.now()).toBeLessThanOrEqual(600_000);
    await probe(old.key).expect(200);
    await probe(rotated.body.key).expect(200);
    expectProblem(await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(a.auth).send({}), 409, 'api_key_revoked');

    // Revoking during the grace period ends it now.
    const revoked = await t.http.post(`/v1/api-keys/${old.id}/revoke`).set(a.auth).send().expect(200);
    expect(Date.parse(revoked.body.revokedAt)).toBeLessThan(revokeAt);
    expectProblem(await probe(old.key), 401, 'unauthorized');
    await probe(rotated.body.key).expect(200);
  });

  it('a key whose grace period has passed is refused', async () => {
    const old = await newKey(a, 'staff');
    const rotated = await t.http.post(`/v1/api-keys/${old.id}/rotate`).set(a.auth).send({ revokeOldAfterSeconds: 600 }).expect(201);
    // The grace period elapses (moved in the database: the old key was not used since, so nothing is cached).
    await t.db.pool.query(`UPDATE api_keys SET revoked_at = now() - interval '1 second' WHERE id = $1`, [old.id]);
    expectProblem(await probe(old.key), 401, 'unauthorized');
    await probe(rotated.body.key).expect(200);
  });
});
