import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';

/** `npm run chaos`: the long runs (each count can still be set by its PUNCHCARD_CHAOS_* variable). */
export const CHAOS = process.env.npm_lifecycle_event === 'chaos';

/** A database of its own on the test server (DATABASE_URL), for a server process that uses the default schema. */
export async function createDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set (global-setup should have set it)');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: serverUrl, max: 1 }).on('error', () => undefined);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** Prints a suite's results and keeps them in .tmp/reliability-results/<suite>.json (docs/reliability.md quotes them). */
export function report(suite: string, results: Record<string, unknown>): void {
  const dir = resolve(__dirname, '../../../.tmp/reliability-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), JSON.stringify({ suite, at: new Date().toISOString(), ...results }, null, 2));
  console.log(`[reliability] ${suite}: ${JSON.stringify(results)}`);
}

export const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] } : null;
};
