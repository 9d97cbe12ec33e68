/**
 * Where a rebuild's time goes: seeds PROFILE_EVENTS events (default 200,000: packages of a purchase and 9
 * redemptions, as the bench's rebuild section; with PROFILE_SEED=large-tenant, the large tenant's history
 * of large-tenant-seed.ts), then rebuilds each projection (PROFILE_PROJECTIONS, comma separated names,
 * default all). It times the reads of events, the loads of documents, the commits and the switch, counts
 * the documents and the WAL written, and measures how fast PostgreSQL alone writes those documents.
 * Run: npm run build && node dist/test/bench/profile-rebuild.js
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createInfrastructure, openDatabase } from '@punchcard/platform';
import { PostgresEventStore } from '@punchcard/event-store';
import { createPool } from '@punchcard/postgres';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { seedPackages } from './bench-events';
import { createScratchDatabase, dropScratchDatabase, fmt } from './bench-kit';
import { seedSize, seedTenant } from './large-tenant-seed';

const TARGET = Number(process.env.PROFILE_EVENTS ?? 200_000);

async function main() {
  const database = await openDatabase(process.env.DATABASE_URL || null, join(process.cwd(), '.tmp/bench-postgres'));
  const admin = new Pool({ connectionString: database.connectionString, max: 1 });
  admin.on('error', () => undefined);
  const dbName = `punchcard_profile_${Date.now()}`;
  try {
    await profile(await createScratchDatabase(admin, database.connectionString, dbName));
  } finally {
    await dropScratchDatabase(admin, dbName);
    await admin.end();
    await database.stop();
  }
}

async function profile(databaseUrl: string) {
  const infrastructure = await createInfrastructure({ connectionString: databaseUrl, poolSize: 20, projections: ALL_PROJECTIONS });
  const pool = createPool({ connectionString: databaseUrl, maxConnections: 8 });
  try {
    const seeding = Date.now();
    if (process.env.PROFILE_SEED === 'large-tenant') {
      const tenantId = randomUUID();
      await pool.query(`INSERT INTO tenants (id, name, timezone, currency) VALUES ($1, 'Large tenant', 'UTC', 'USD')`, [tenantId]);
      await seedTenant(new PostgresEventStore(pool), pool, tenantId, seedSize(TARGET));
    } else await seedPackages(new PostgresEventStore(pool), TARGET);
    const seeded = Number((await pool.query('SELECT count(*) FROM events')).rows[0].count);
    console.log(`seeded ${fmt(seeded)} events in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
    const { runner, system } = infrastructure;
    const timings: Record<string, number> = {};
    const timed = <T extends object>(target: T, method: keyof T & string, label: string) => {
      const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
      (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        try {
          return await original(...args);
        } finally {
          timings[label] = (timings[label] ?? 0) + Number(process.hrtime.bigint() - started) / 1e6;
        }
      };
    };
    timed(system.eventStore, 'readAll', 'read events');
    timed(system.readStore, 'getMany', 'load documents');
    timed(system.readStore, 'commit', 'commit');
    timed(system.readStore, 'swap', 'switch');
    timed(system.readStore, 'reset', 'reset');
    const walPosition = async () => (await pool.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
    const wanted = process.env.PROFILE_PROJECTIONS?.split(',');
    for (const projection of ALL_PROJECTIONS.filter((p) => !wanted || wanted.includes(p.name))) {
      for (const key of Object.keys(timings)) delete timings[key];
      const walBefore = await walPosition();
      const started = Date.now();
      const events = await runner.rebuild(projection);
      const ms = Date.now() - started;
      const wal = Number((await pool.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes', [walBefore])).rows[0].bytes);
      const { rows } = await pool.query('SELECT collection, count(*)::int AS n FROM read_documents WHERE collection = ANY($1::text[]) GROUP BY 1 ORDER BY 1', [projection.collections]);
      const parts = Object.entries(timings).map(([label, t]) => `${label} ${(t / 1000).toFixed(2)} s`);
      console.log(`${projection.name}: ${fmt(events / (ms / 1000))} events/s, ${(ms / 1000).toFixed(2)} s (${parts.join(', ')}; read, load and commit overlap)`);
      console.log(`  documents: ${rows.map((r) => `${r.collection} ${fmt(r.n)}`).join(', ') || 'none'}; WAL ${fmt(wal / 2 ** 20)} MiB`);
      // The floor under any rebuild of this projection: PostgreSQL alone writing its final documents once,
      // from a copy on the server (no client, no JSON on the wire), under a collection name with no indexes
      // of its own, in one transaction. A rebuild writes each document at least twice (its batches, then the switch).
      const copying = Date.now();
      const copied = await pool.query(
        `INSERT INTO read_documents (collection, tenant_id, id, data) SELECT collection || '@floor', tenant_id, id, data FROM read_documents WHERE collection = ANY($1::text[])`,
        [projection.collections],
      );
      const copySeconds = (Date.now() - copying) / 1000;
      const written = copied.rowCount ?? 0;
      await pool.query(`DELETE FROM read_documents WHERE collection LIKE '%@floor'`);
      await pool.query('VACUUM read_documents'); // so the copy's dead rows are not vacuumed during the next rebuild
      if (written >= 1000) console.log(`  PostgreSQL alone writes these ${fmt(written)} documents at ${fmt(written / copySeconds)}/s (${copySeconds.toFixed(2)} s)`);
    }
  } finally {
    await pool.end();
    await infrastructure.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
