import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { TenantScopedPool } from './scoped-pool';
import { withTenant } from './tenant-scope';
import { inTransaction } from './transaction';

describe('inTransaction: isolation options, also on the tenant-scoped pool', () => {
  let db: TestDatabase;
  let scoped: TenantScopedPool;
  beforeAll(async () => {
    db = await createTestDatabase([]);
    scoped = new TenantScopedPool({ connectionString: db.connectionString, max: 2, options: `-c search_path=${db.schema}` });
  });
  afterAll(async () => {
    await scoped.end();
    await db.drop();
  });

  const settings = `SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS "readOnly",
    current_setting('punchcard.tenant_id', true) AS tenant`;

  it('opens a repeatable-read, read-only transaction that still acts for the tenant (one opening)', async () => {
    const row = await withTenant('tenant-1', () => inTransaction(scoped, async (c) => (await c.query(settings)).rows[0], { isolation: 'repeatable read', readOnly: true }));
    expect(row).toEqual({ isolation: 'repeatable read', readOnly: 'on', tenant: 'tenant-1' });
  });

  it('defaults to the server default (read committed), read-write', async () => {
    const row = await withTenant('tenant-1', () => inTransaction(scoped, async (c) => (await c.query(settings)).rows[0]));
    expect(row).toEqual({ isolation: 'read committed', readOnly: 'off', tenant: 'tenant-1' });
    expect((await inTransaction(db.pool, async (c) => (await c.query(settings)).rows[0], { isolation: 'serializable' })).isolation).toBe('serializable');
  });
});
