import { Pool } from 'pg';
import { inTransaction } from './transaction';

export interface Migration {
  /** Unique and never renamed: `<owner>-<nnn>-<what>`. */
  id: string;
  sql: string;
}

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction, under a
 * transaction-level advisory lock so several instances starting together do not race.
 */
export async function migrate(pool: Pool, migrations: Migration[]): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const migration of migrations) {
    await inTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':migrations'))`);
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (done.rowCount) return;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
    });
  }
}
