import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../libs/postgres/src/embedded';

/**
 * Tests run against a real PostgreSQL: DATABASE_URL when set (CI uses the machine's server),
 * otherwise an embedded one started here for the run and stopped in global-teardown.
 */
export default async function globalSetup(): Promise<void> {
  // One service-role password for every test file's schema (roles belong to the cluster); without it an
  // owner URL with no password makes each schema generate and set its own.
  process.env.PUNCHCARD_DB_SERVICE_PASSWORD ??= randomBytes(24).toString('base64url');
  if (process.env.DATABASE_URL) {
    console.log(`\n[tests] using PostgreSQL at DATABASE_URL`);
    return;
  }
  const dataDir = join(__dirname, '../../.tmp/test-postgres');
  rmSync(dataDir, { recursive: true, force: true });
  const db = await startEmbeddedPostgres(dataDir);
  process.env.DATABASE_URL = db.connectionString;
  (globalThis as any).__embeddedPostgres = db;
  console.log(`\n[tests] DATABASE_URL not set: started embedded PostgreSQL in .tmp/test-postgres`);
}
