import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createPool, ensureSchema, ensureServiceRoles, migrate, Migration, quoteIdent } from '@punchcard/postgres';

export interface TestDatabase {
  connectionString: string;
  schema: string;
  pool: Pool;
  /** Another pool on the same schema (e.g. for a second "instance"). */
  newPool(maxConnections?: number): Pool;
  drop(): Promise<void>;
}

/** A fresh schema on the test server, so test files run in parallel without seeing each other. */
export async function createTestDatabase(migrations: Migration[], maxConnections = 20): Promise<TestDatabase> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set (global-setup should have set it)');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await ensureSchema(connectionString, schema);
  const pools: Pool[] = [];
  const newPool = (max = maxConnections) => {
    const pool = createPool({ connectionString, schema, maxConnections: max });
    pools.push(pool);
    return pool;
  };
  const pool = newPool();
  await ensureServiceRoles(pool, connectionString); // the security migration grants to them
  await migrate(pool, migrations);
  return {
    connectionString,
    schema,
    pool,
    newPool,
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      const admin = new Pool({ connectionString, max: 1 });
      await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      await admin.end();
    },
  };
}
