import { Client, PoolClient } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { TenantScopedPool, TenantSettingScope } from './scoped-pool';
import { withTenant } from './tenant-scope';
import { inTransaction } from './transaction';

/** Every statement a pool's connections send to the server, in order. */
function recordStatements(pool: TenantScopedPool): string[] {
  const sent: string[] = [];
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      sent.push(typeof first === 'string' ? first : (first as { text: string }).text);
      return query(...args);
    };
  });
  return sent;
}

describe.each<TenantSettingScope>(['session', 'transaction'])('TenantScopedPool (%s setting)', (scope) => {
  let db: TestDatabase;
  let pool: TenantScopedPool;
  let sent: string[];
  const tenantOf = async () => (await pool.query<{ tenant: string }>(`SELECT current_setting('punchcard.tenant_id', true) AS tenant`)).rows[0].tenant;

  beforeAll(async () => {
    db = await createTestDatabase([]);
    // One connection: every checkout below reuses it, so a setting left behind would show.
    pool = new TenantScopedPool({ connectionString: db.connectionString, max: 1, options: `-c search_path=${db.schema}` }, scope);
    sent = recordStatements(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(() => (sent.length = 0));

  it('acts for the tenant of the scope on every checkout, the same connection moving from one tenant to another', async () => {
    expect(await withTenant('tenant-a', tenantOf)).toBe('tenant-a');
    expect(await withTenant('tenant-b', tenantOf)).toBe('tenant-b');
    expect(await withTenant('tenant-a', () => inTransaction(pool, async (c) => (await c.query(`SELECT current_setting('punchcard.tenant_id', true) AS t`)).rows[0].t))).toBe('tenant-a');
    // A connection handed out as it is: acting for the tenant (session), or for none outside a transaction (transaction).
    const raw = await withTenant('tenant-b', () => pool.connect());
    try {
      expect((await raw.query(`SELECT current_setting('punchcard.tenant_id', true) AS t`)).rows[0].t).toBe(scope === 'session' ? 'tenant-b' : '');
    } finally {
      raw.release();
    }
  });

  it('refuses to hand out a connection outside a tenant scope, or through a callback it could not set the tenant for', async () => {
    await expect(pool.query('SELECT 1')).rejects.toThrow(/outside a tenant scope/);
    await expect(pool.connect()).rejects.toThrow(/outside a tenant scope/);
    expect(() => withTenant('tenant-a', () => pool.connect(() => undefined))).toThrow(/takes no callback/);
  });

  it('round trips per statement: one for a tenant the connection already acts for (session), three otherwise (transaction)', async () => {
    await withTenant('tenant-c', tenantOf); // the connection now acts for tenant-c
    sent.length = 0;
    await withTenant('tenant-c', async () => {
      for (let i = 0; i < 3; i++) await pool.query('SELECT $1::int AS n', [i]);
    });
    if (scope === 'session') expect(sent).toEqual(['SELECT $1::int AS n', 'SELECT $1::int AS n', 'SELECT $1::int AS n']);
    else expect(sent).toHaveLength(9); // BEGIN + setting, the statement, COMMIT
    sent.length = 0;
    await withTenant('tenant-d', tenantOf);
    expect(sent).toHaveLength(scope === 'session' ? 2 : 3); // session: the setting once, then the statement
  });

  it('a failed statement leaves the connection usable and acting for its tenant', async () => {
    await withTenant('tenant-e', async () => {
      await expect(pool.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      expect(await tenantOf()).toBe('tenant-e');
    });
  });

  if (scope === 'transaction') {
    it('leaves nothing on the connection after a statement (transaction-local setting)', async () => {
      await withTenant('tenant-f', tenantOf);
      const checkedOut = await withTenant('tenant-f', () => pool.connect());
      try {
        expect((await checkedOut.query(`SELECT current_setting('punchcard.tenant_id', true) AS t`)).rows[0].t).toBe('');
      } finally {
        checkedOut.release();
      }
    });
  }
});

it('a connection the server closed is replaced, and the new one acts for the tenant of its checkout', async () => {
  const db = await createTestDatabase([]);
  const pool = new TenantScopedPool({ connectionString: db.connectionString, max: 1, options: `-c search_path=${db.schema}` }, 'session');
  pool.on('error', () => undefined); // the idle connection's termination
  const state = () => pool.query<{ pid: number; t: string }>(`SELECT pg_backend_pid() AS pid, current_setting('punchcard.tenant_id', true) AS t`).then((r) => r.rows[0]);
  try {
    const first = await withTenant('tenant-a', state);
    const admin = new Client({ connectionString: db.connectionString });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [first.pid]);
    await admin.end();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the pool notices the closed connection
    const next = await withTenant('tenant-a', state);
    expect(next.pid).not.toBe(first.pid);
    expect(next.t).toBe('tenant-a'); // set again on the new connection, not assumed from the old one's tag
  } finally {
    await pool.end();
    await db.drop();
  }
});

it('a connection handed back inside a transaction is closed, never set for the next tenant inside it', async () => {
  const db = await createTestDatabase([]);
  const pool = new TenantScopedPool({ connectionString: db.connectionString, max: 1, options: `-c search_path=${db.schema}` }, 'session');
  const state = () => pool.query<{ pid: number; t: string }>(`SELECT pg_backend_pid() AS pid, current_setting('punchcard.tenant_id', true) AS t`).then((r) => r.rows[0]);
  try {
    // A bug elsewhere: a connection released while its transaction is still open.
    const leaked = await withTenant('tenant-a', () => pool.connect());
    const leakedPid = (await leaked.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await leaked.query('BEGIN');
    leaked.release();
    const next = await withTenant('tenant-b', state);
    expect(next.pid).not.toBe(leakedPid); // a new connection, not the one inside a transaction
    expect(next.t).toBe('tenant-b');
  } finally {
    await pool.end();
    await db.drop();
  }
});
