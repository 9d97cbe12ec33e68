import { randomUUID } from 'node:crypto';
import { Client, DatabaseError } from 'pg';
import { FindQuery, PostgresReadStore } from '@punchcard/read-store';
import { LEDGER_ENTRIES, ledgerEntryIds, PACKAGES } from '@punchcard/projections';
import { ensureServiceRoles, quoteIdent, SERVICE_ROLES, withTenant } from '@punchcard/postgres';
import { WebhookDispatcher } from '../../apps/api/src/outbound-webhooks/webhook-dispatcher';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';
import { planEverything, WebhookReceiver } from '../support/webhook-receiver';

/**
 * Defence in depth below the application: the service's database roles, row-level security on every
 * tenant table, and a ledger nobody can rewrite. These run SQL as the service roles directly, the way
 * a forgotten `WHERE tenant_id = ...` (or worse) would.
 */

let t: TestApp;
let a: TenantSession;
let b: TenantSession;
let urls: { app: string; system: string };
let receiver: WebhookReceiver;

const TENANT_TABLES = [
  'events',
  'read_documents',
  'clients',
  'api_keys',
  'tenants',
  'idempotency_keys',
  'storefronts',
  'webhook_endpoints',
  'webhook_deliveries',
  'webhook_delivery_attempts',
  'calendar_feed_tokens',
] as const;
const tenantColumn = (table: string) => (table === 'tenants' ? 'id::text' : 'tenant_id::text');

/** A connection as one of the service roles, on the test schema, nothing set. */
async function connectAs(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, options: `-c search_path=${quoteIdent(t.db.schema)}` });
  await client.connect();
  return client;
}

/** Runs `sql` in a transaction acting for `tenantId`, as the service does (libs/postgres/src/scoped-pool.ts). */
async function asTenant(client: Client, tenantId: string, sql: string, values: unknown[] = []) {
  await client.query(`BEGIN; SELECT set_config('punchcard.tenant_id', '${tenantId}', true)`);
  try {
    return await client.query(sql, values);
  } finally {
    await client.query('ROLLBACK');
  }
}

async function sqlState(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DatabaseError) return error.code ?? 'no code';
    throw error;
  }
  return 'succeeded';
}

async function ownerCount(table: string, tenantId: string): Promise<number> {
  const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${tenantColumn(table)} = $1`, [tenantId]);
  return rows[0].n;
}

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  t = await createTestApp({ config: { webhooks: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 2000, disableAfter: 20, intervalMs: 5000 } } });
  urls = await ensureServiceRoles(t.db.pool, t.db.connectionString);
  [a, b] = [await t.newTenant(), await t.newTenant()];
  for (const tenant of [a, b]) {
    await t.http.post('/v1/webhook-endpoints').set(tenant.auth).send({ url: receiver.url, events: ['package.purchased'] }).expect(201);
    const offering = await tenant.createOffering();
    const pkg = await tenant.sellPackage(offering, await tenant.createClient());
    const redeemed = await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(tenant.auth).set('Idempotency-Key', `redeem-${pkg.id}`).send({}).expect(201);
    // Read models written (read-your-writes), so every table holds rows of both tenants.
    await t.http.get(`/v1/packages/${pkg.id}?after=${redeemed.headers['punchcard-position']}`).set(tenant.auth).expect(200);
    await t.http.patch('/v1/storefront-settings').set(tenant.auth).send({ slug: `studio-${tenant.tenantId}` }).expect(200);
    await t.http.post(`/v1/clients/${pkg.clientId}/calendar-feed`).set(tenant.auth).expect(201);
  }
  // Outbound webhooks planned and sent (to a local receiver), so their tables hold rows of both tenants.
  await planEverything(t);
  await t.app.get(WebhookDispatcher).dispatchDue();
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe('the service roles', () => {
  it('are neither superusers nor exempt from row-level security, and own no table', async () => {
    const { rows } = await t.db.pool.query(
      `SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
              (SELECT count(*)::int FROM pg_tables WHERE schemaname = $2 AND tableowner = r.rolname) AS owned
       FROM pg_roles r WHERE r.rolname = ANY($1) ORDER BY r.rolname`,
      [Object.values(SERVICE_ROLES), t.db.schema],
    );
    expect(rows).toEqual(
      Object.values(SERVICE_ROLES)
        .sort()
        .map((rolname) => ({ rolname, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, owned: 0 })),
    );
  });

  it('every tenant table has row-level security enabled and forced', async () => {
    const { rows } = await t.db.pool.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = ANY($2) ORDER BY c.relname`,
      [t.db.schema, [...TENANT_TABLES]],
    );
    expect(rows).toEqual([...TENANT_TABLES].sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })));
  });
});

describe('a query that forgets its tenant filter', () => {
  it.each(TENANT_TABLES)('%s: the application role sees only the tenant set on its transaction', async (table) => {
    const client = await connectAs(urls.app);
    try {
      for (const tenant of [a, b]) {
        const { rows } = await asTenant(client, tenant.tenantId, `SELECT DISTINCT ${tenantColumn(table)} AS tenant, count(*) OVER ()::int AS n FROM ${table}`);
        expect(rows.map((r) => r.tenant)).toEqual([tenant.tenantId]);
        expect(rows[0].n).toBe(await ownerCount(table, tenant.tenantId));
      }
    } finally {
      await client.end();
    }
  });

  it.each(TENANT_TABLES)('%s: with no tenant set, the application role sees nothing', async (table) => {
    const client = await connectAs(urls.app);
    try {
      expect(await ownerCount(table, a.tenantId)).toBeGreaterThan(0);
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });

  it("through the service's own pool, an unfiltered read in tenant A's scope returns only A's rows", async () => {
    const unfiltered = `SELECT DISTINCT tenant_id FROM read_documents UNION SELECT DISTINCT tenant_id FROM events`;
    const seen = await withTenant(a.tenantId, () => t.infrastructure.pool.query(unfiltered));
    expect(seen.rows.map((r) => r.tenant_id)).toEqual([a.tenantId]);
  });

  it('the tenant-scoped pool refuses to run outside a tenant scope rather than return nothing', async () => {
    await expect(t.infrastructure.pool.query('SELECT 1')).rejects.toThrow(/outside a tenant scope/);
  });

  it("cannot read another tenant's stream by its id, nor write into another tenant", async () => {
    const { rows } = await t.db.pool.query('SELECT stream_id FROM events WHERE tenant_id = $1 LIMIT 1', [b.tenantId]);
    const client = await connectAs(urls.app);
    try {
      expect((await asTenant(client, a.tenantId, 'SELECT * FROM events WHERE stream_id = $1', [rows[0].stream_id])).rowCount).toBe(0);
      const forged = `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata)
                      VALUES ($1, 'forged-stream', 1, gen_random_uuid(), 'Forged', 1, '{}', '{}')`;
      expect(await sqlState(asTenant(client, a.tenantId, forged, [b.tenantId]))).toBe('42501'); // new row violates row-level security
      expect(await sqlState(asTenant(client, a.tenantId, `INSERT INTO clients (tenant_id, id, name, email) VALUES ($1, gen_random_uuid(), 'x', 'x@example.com')`, [b.tenantId]))).toBe('42501');
      // Moving one of A's own rows to B is refused as well.
      expect(await sqlState(asTenant(client, a.tenantId, 'UPDATE clients SET tenant_id = $1', [b.tenantId]))).toBe('42501');
    } finally {
      await client.end();
    }
  });
});

describe('the ledger cannot be rewritten by the service', () => {
  it.each(['app', 'system'] as const)('punchcard_%s may not UPDATE, DELETE or TRUNCATE events', async (role) => {
    const before = await t.eventCount();
    const client = await connectAs(urls[role]);
    try {
      const run = (sql: string) => sqlState(asTenant(client, a.tenantId, sql));
      expect(await run(`UPDATE events SET data = '{}'`)).toBe('42501'); // insufficient_privilege
      expect(await run('DELETE FROM events')).toBe('42501');
      expect(await run('TRUNCATE events')).toBe('42501');
      expect(await run('ALTER TABLE events DISABLE ROW LEVEL SECURITY')).toBe('42501'); // must be owner
      expect(await run('DROP POLICY tenant_rows ON events')).toBe('42501');
    } finally {
      await client.end();
    }
    expect(await t.eventCount()).toBe(before);
  });

  it('the application role may not write read models, checkpoints or operator keys, nor read the latter two', async () => {
    const client = await connectAs(urls.app);
    try {
      const run = (sql: string) => sqlState(asTenant(client, a.tenantId, sql));
      expect(await run(`UPDATE read_documents SET data = '{}'`)).toBe('42501');
      expect(await run('DELETE FROM read_documents')).toBe('42501');
      expect(await run('SELECT * FROM projection_checkpoints')).toBe('42501');
      expect(await run('SELECT * FROM operator_keys')).toBe('42501');
      expect(await run('SELECT * FROM schema_migrations')).toBe('42501');
    } finally {
      await client.end();
    }
  });
});

describe('read models stay indexed under row-level security (ADR 0032)', () => {
  // Enough package documents (written as the owner) that the planner's costs tell plans apart:
  // 2,000 packages under 20 offering names (and 3 under a rare one) for 1,000 clients.
  const clientIds = Array.from({ length: 1000 }, () => randomUUID());
  const fixture = 'plan-guard';
  beforeAll(async () => {
    const packages = Array.from({ length: 2000 }, (_, i) => ({ id: randomUUID(), offeringName: i < 3 ? 'Rare offering' : `Offering ${i % 20}`, clientId: clientIds[i % 1000], fixture }));
    await t.db.pool.query(
      `INSERT INTO read_documents (collection, tenant_id, id, data) SELECT $1, $2, p->>'id', p FROM jsonb_array_elements($3::jsonb) AS p`,
      [PACKAGES, a.tenantId, JSON.stringify(packages)],
    );
    await t.db.pool.query('ANALYZE read_documents');
  });
  afterAll(() => t.db.pool.query(`DELETE FROM read_documents WHERE data->>'fixture' = $1`, [fixture]));

  /** The plan of the statement `find` sends, as the application role acting for tenant a. */
  const planAsTenant = (query: FindQuery, collection: string) => planOfRead((store) => store.find(collection, a.tenantId, query));

  /** The plan of the last statement `read` sends, as the application role acting for tenant a. */
  async function planOfRead(read: (store: PostgresReadStore) => Promise<unknown>): Promise<string> {
    const client = await connectAs(urls.app);
    try {
      const sent: [string, unknown[]][] = [];
      const reader = { query: (text: string, values?: unknown[]) => (sent.push([text, values ?? []]), client.query(text, values)) };
      await client.query(`BEGIN; SELECT set_config('punchcard.tenant_id', '${a.tenantId}', true); SET LOCAL enable_seqscan = off`);
      try {
        await read(new PostgresReadStore(t.db.pool, reader as never));
        const [text, values] = sent.at(-1)!;
        return (await client.query(`EXPLAIN (ANALYZE, VERBOSE) ${text}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK');
      }
    } finally {
      await client.end();
    }
  }

  it('a filter on a declared field is an index condition on its key column, not a filter after the policy', async () => {
    const plan = await planAsTenant({ where: { clientId: randomUUID() }, limit: 20 }, PACKAGES);
    expect(plan).toMatch(/Index Cond: .*f_clientId/);
  });

  it('a text search finds the matching offering names by index probes, then their packages and the matching clients by key column', async () => {
    const names = await planOfRead((store) => store.distinctValues(PACKAGES, a.tenantId, 'offeringName', { contains: 'pack', limit: 500 }));
    expect(names).toMatch(/Index Cond: .*f_offeringName" > v\.value/);
    // Names with 100 packages and with 3, a client with 2: each an index condition, per value.
    const search: FindQuery['search'] = { fields: [], text: 'offering', orAnyOf: [{ offeringName: { in: ['Offering 7', 'Rare offering'] } }, { clientId: { in: [clientIds[500]] } }] };
    const packages = await planAsTenant({ search, order: 'desc', limit: 21 }, PACKAGES);
    expect(packages).toMatch(/Index Cond: .*f_offeringName" = v\w*\.value/);
    expect(packages).toMatch(/Index Cond: .*f_clientId" = v\w*\.value/);
  });

  it("a package's ledger is an id range on the primary key", async () => {
    const plan = await planAsTenant({ where: { packageId: randomUUID() }, idBetween: ledgerEntryIds(randomUUID()), limit: 20 }, LEDGER_ENTRIES);
    expect(plan).toMatch(/Index Cond: .*id >=/);
  });
});
