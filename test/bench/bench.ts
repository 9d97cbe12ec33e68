/**
 * npm run bench — measures on this machine, against the raw PostgreSQL rate of the same run:
 *  1. raw single-row INSERT transactions/s at 1, 8, 32 connections
 *  2. event store appends/s through the port at 1, 8, 32 connections (one event per append), beside a bare
 *     insert of the same event row into a copy of the events table (the ceiling of an append)
 *  3. HTTP redemptions/s with p50/p99 latency at 32 concurrent clients (server in its own process)
 *     (every HTTP load is autocannon's, from this process; the server's per-key rate limit stays on: see keyRing),
 *     then GET /health, the floor under any request on this machine
 *  3a. the same redemptions with the API's projections off and the worker process running them (BENCH_ONLY=worker)
 *  4. HTTP bookings/s at 32 concurrent clients over 64 schedules, and slot listing p50/p99 for 4 weeks of a busy schedule
 *  4a. slot listing for 4 weeks with 3 external busy calendars of 500 events each (test/bench/busy-calendars.ts; BENCH_ONLY=busy-calendars)
 *  4b. verified Stripe webhook deliveries/s at 32 concurrent senders (test/bench/webhooks.ts)
 *  5. projection rebuild events/s over 100k and 200k events of one mix, in a database of its own, with peak RSS (memory must stay flat; BENCH_ONLY=rebuilds)
 *  5b. lifecycle messages: planning cost per event, the due-message scan with 100,000 scheduled, and
 *     the dispatch rate to a local SMTP server (test/bench/messages.ts; BENCH_ONLY=messages)
 *  6. a large tenant (BENCH_LARGE_EVENTS, default 1M events): projection catch-up, dashboard and
 *     point-in-time latencies, and the ledger CSV export's rate and memory (test/bench/large-tenant.ts)
 * Uses DATABASE_URL when set, else an embedded PostgreSQL; works in a scratch database it drops at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { createInfrastructure, Infrastructure, openDatabase } from '@punchcard/platform';
import { PostgresEventStore } from '@punchcard/event-store';
import { createPool, withTenant } from '@punchcard/postgres';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { bookingPlan, createScratchDatabase, dropScratchDatabase, fmt, KeyRing, keyRing, load, LoadResult, LoadSpec, pct, peakRss, rate, SECONDS, Server, startServer, startWorker } from './bench-kit';
import { benchEvent, seedPackages } from './bench-events';
import { busyCalendarBench } from './busy-calendars';
import { largeTenantBench } from './large-tenant';
import { messageBench } from './messages';
import { webhookBench } from './webhooks';

const rows: string[][] = [];
const report = (...cells: (string | number)[]) => {
  rows.push(cells.map(String));
  console.log(cells.join(' | '));
};

async function main() {
  // One service-role password for every database the bench creates: the roles belong to the server, and
  // a database without one would set its own (ADR 0014), locking the other databases' new connections out.
  process.env.PUNCHCARD_DB_SERVICE_PASSWORD ??= randomBytes(24).toString('base64url');
  const database = await openDatabase(process.env.DATABASE_URL || null, join(process.cwd(), '.tmp/bench-postgres'));
  const baseUrl = database.connectionString;
  const dbName = `punchcard_bench_${Date.now()}`;
  const admin = new Pool({ connectionString: baseUrl, max: 1 });
  // pool.end() resolves before its idle connection has closed: the embedded PostgreSQL's fast shutdown right
  // after may still reach it (57P01), which would crash the run after it had finished.
  admin.on('error', () => undefined);
  const benchUrl = await createScratchDatabase(admin, baseUrl, dbName);
  const server = (await admin.query('SHOW server_version')).rows[0].server_version;
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${server}${process.env.DATABASE_URL ? ' (DATABASE_URL)' : ' (embedded)'}`);
  console.log(`Each rate is measured for ${SECONDS} s.\n`);

  try {
    const raw: Record<number, number> = {};
    const pool = createPool({ connectionString: benchUrl, maxConnections: 40 });
    await pool.query('CREATE TABLE raw_inserts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data jsonb NOT NULL)');
    const infrastructure = await createInfrastructure({ connectionString: benchUrl, poolSize: 40, projections: ALL_PROJECTIONS });
    const store = new PostgresEventStore(pool);
    const payload = { packageId: randomUUID(), offeringId: randomUUID(), clientId: randomUUID(), redemptionId: randomUUID(), note: null, value: 9000 };

    report('measure', 'connections', 'per second', 'vs raw insert', 'p50 ms', 'p99 ms');
    for (const connections of [1, 8, 32]) {
      raw[connections] = await rate(connections, () => pool.query('INSERT INTO raw_inserts (data) VALUES ($1)', [JSON.stringify(payload)]));
      report('raw PostgreSQL single-row INSERT (autocommit)', connections, fmt(raw[connections]), '100%', '', '');
    }
    // BENCH_ONLY=large-tenant: the raw rate, then only the large tenant (a quicker run of that section).
    const onlyLargeTenant = process.env.BENCH_ONLY === 'large-tenant';
    // BENCH_ONLY=appends: the raw rate and the append rates only (the cost of the service role and RLS).
    const onlyAppends = process.env.BENCH_ONLY === 'appends';
    // BENCH_ONLY=http: the raw rate and the HTTP section only (redemptions, bookings, slots, webhooks).
    const onlyHttp = process.env.BENCH_ONLY === 'http';
    // BENCH_ONLY=webhooks: the raw rate and the Stripe webhook deliveries only.
    const onlyWebhooks = process.env.BENCH_ONLY === 'webhooks';
    // BENCH_ONLY=messages: the raw rate and the lifecycle messages section only.
    const onlyMessages = process.env.BENCH_ONLY === 'messages';
    // BENCH_ONLY=busy-calendars: the raw rate and slot listing with 3 external busy calendars only.
    const onlyBusyCalendars = process.env.BENCH_ONLY === 'busy-calendars';
    // BENCH_ONLY=worker: the raw rate and the redemptions with the projections in the worker process only.
    const onlyWorker = process.env.BENCH_ONLY === 'worker';
    // BENCH_ONLY=rebuilds: the raw rate and the rebuilds only (in their own database).
    const onlyRebuilds = process.env.BENCH_ONLY === 'rebuilds';
    const only = onlyLargeTenant || onlyAppends || onlyHttp || onlyWebhooks || onlyMessages || onlyBusyCalendars || onlyWorker || onlyRebuilds;
    // The ceiling of an append: the same row into a copy of the events table (its three indexes,
    // defaults and constraints), as the owner, with no version check, no row-level security and no tenant setting.
    if (!only || onlyAppends) await pool.query('CREATE TABLE raw_events (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES)');
    for (const connections of only && !onlyAppends ? [] : [1, 8, 32]) {
      const rawEvents = await rate(connections, () => {
        const event = benchEvent('BenchAppended', payload);
        return pool.query(
          'INSERT INTO raw_events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata) VALUES ($1, $2, 1, $3, $4, 1, $5, $6)',
          ['bench', `bench-${uuidv7()}`, event.eventId, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata)],
        );
      });
      report('raw PostgreSQL INSERT of one event row (copy of the events table and its indexes; no version check, no RLS)', connections, fmt(rawEvents), pct(rawEvents / raw[connections]), '', '');
      const appends = await rate(connections, () =>
        // A type no projection reads: a redemption without its purchase would stop projections that check it (accounting).
        store.append([{ streamId: `bench-${uuidv7()}`, expectedVersion: 0, events: [benchEvent('BenchAppended', payload)] }]),
      );
      report('event store append, 1 event (port)', connections, fmt(appends), pct(appends / raw[connections]), '', '');
      // What the service does: as punchcard_app on a connection acting for the tenant (ADR 0027), the append (row-level security).
      const scoped = await withTenant('bench', () =>
        rate(connections, () => infrastructure.eventStore.append([{ streamId: `bench-${uuidv7()}`, expectedVersion: 0, events: [benchEvent('BenchAppended', payload)] }])),
      );
      report('event store append, 1 event (service role, RLS, tenant setting)', connections, fmt(scoped), pct(scoped / raw[connections]), '', '');
    }

    if (!only || onlyHttp) await httpBench(benchUrl, raw[32]);
    if (!only || onlyHttp || onlyWorker) await workerTopologyBench(benchUrl, raw[32]);
    if (!only || onlyHttp || onlyBusyCalendars) await busyCalendarBench(benchUrl, report);
    if (!only || onlyHttp || onlyWebhooks) await webhookBench(benchUrl, raw[32], report);
    if (!only || onlyRebuilds) await rebuildBench(admin, baseUrl);
    // The message section plans over the log as it was when the rebuilds shared this database: the
    // sections' events, then packages seeded to 200,000 events or 100,000 past them.
    if (!only) {
      await seedPackages(store, Math.max(200_000, Number((await pool.query('SELECT count(*) FROM events')).rows[0].count) + 100_000));
      // As the rebuilds used to leave them: the large tenant's catch-up then times its own events only.
      await infrastructure.runner.catchUpAll();
    }
    if (!only || onlyMessages) await messageBench(infrastructure, raw[1], report);
    await pool.end();
    await infrastructure.close();
    if (!only || onlyLargeTenant) await largeTenantBench(benchUrl, raw[32], report);
  } finally {
    // BENCH_KEEP_DATABASE=1 leaves the database behind for inspection (its name is printed).
    if (process.env.BENCH_KEEP_DATABASE === '1' && process.env.DATABASE_URL) console.log(`Kept database ${dbName}.`);
    else await dropScratchDatabase(admin, dbName);
    await admin.end();
    await database.stop();
  }
  console.log('\nMarkdown:\n');
  console.log(`| ${rows[0].join(' | ')} |\n|${rows[0].map(() => ' --- ').join('|')}|`);
  for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
}

async function httpBench(databaseUrl: string, raw32: number) {
  const server = await startServer(databaseUrl);
  try {
    const { key, packages, clients } = await seedRedemptionTenant(server, 'Bench');
    console.log(`HTTP section: ${key.describe()}`);
    const measured = await measureRedemptions(server.port, key, packages);
    report(`HTTP POST /redemptions (${packages.length} packages, Idempotency-Key, separate server process)`, 32, fmt(measured.perSecond), pct(measured.perSecond / raw32), measured.p50, measured.p99);
    // The floor under any request: no key, one `SELECT 1`, the whole HTTP and framework pipeline.
    const health = await load(server.port, { name: 'HTTP GET /health', connections: 32, ring: key, next: () => ({ path: '/health' }), expect: (status) => status === 200 });
    report('HTTP GET /health (no key; one SELECT 1: the floor under any request)', 32, fmt(health.perSecond), pct(health.perSecond / raw32), health.p50, health.p99);
    await bookingBench(server, key, clients, raw32);
    report('server process peak RSS', '', `${peakRss(server.child)} MiB`, '', '', '');
  } finally {
    await server.stop();
  }
}

/**
 * The scaled-out topology on the same machine: the API with PUNCHCARD_PROJECTIONS=off and the projections
 * in the worker process, on a fresh tenant of the same database. Shows what the in-process runner costs the API.
 */
async function workerTopologyBench(databaseUrl: string, raw32: number) {
  const worker = startWorker(databaseUrl);
  const server = await startServer(databaseUrl, { PUNCHCARD_PROJECTIONS: 'off' });
  try {
    const { key, packages } = await seedRedemptionTenant(server, 'Bench (worker)');
    const measured = await measureRedemptions(server.port, key, packages);
    report('HTTP POST /redemptions, API with PUNCHCARD_PROJECTIONS=off and the projections in the worker process', 32, fmt(measured.perSecond), pct(measured.perSecond / raw32), measured.p50, measured.p99);
  } finally {
    await server.stop();
    await worker.stop();
  }
}

/**
 * A new tenant with 2,000 clients, each sold a 1,000-session package (16 sellers at once), and its key ring.
 * The rate limit stays on: the load is spread over a ring of admin keys sized to stay under it (keyRing).
 */
async function seedRedemptionTenant({ call, operatorKey }: Server, name: string): Promise<{ key: KeyRing; packages: string[]; clients: string[] }> {
  const created = await call('POST', '/v1/tenants', operatorKey, { name, timezone: 'UTC', currency: 'USD' });
  if (created.status !== 201) throw new Error(`creating the tenant ${name} answered ${created.status}: ${JSON.stringify(created.body)}`);
  const key = await keyRing(call, created.body.adminApiKey);
  const offering = (await call('POST', '/v1/offerings', key(), { name: 'Bench pack', sessionCount: 1000, price: { amount: 100000, currency: 'USD' } })).body;
  const packages: string[] = [];
  const clients: string[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async (_, seller) => {
      for (let i = 0; i < 125; i++) {
        const client = (await call('POST', '/v1/clients', key(), { name: `Client ${seller}-${i}`, email: `c${seller}-${i}@bench.test` })).body;
        clients.push(client.id);
        packages.push((await call('POST', '/v1/packages', key(), { offeringId: offering.id, clientId: client.id, payment: { method: 'cash' } })).body.id);
      }
    }),
  );
  return { key, packages, clients };
}

/** A front desk's redemption at 32 connections: a random package, the next ring key, a fresh Idempotency-Key; only 201 is expected. A warm-up run, then the measured one. */
async function measureRedemptions(port: number, key: KeyRing, packages: string[]): Promise<LoadResult> {
  const redemptions: LoadSpec = {
    name: 'HTTP POST /redemptions',
    connections: 32,
    ring: key,
    next: () => ({
      method: 'POST',
      path: `/v1/packages/${packages[Math.floor(Math.random() * packages.length)]}/redemptions`,
      key: key(),
      headers: { 'idempotency-key': randomUUID() },
      body: { note: 'bench' },
    }),
    expect: (status) => status === 201,
  };
  await load(port, redemptions); // warm-up
  return load(port, redemptions);
}

/**
 * Bookings through HTTP: 32 concurrent clients over 64 schedules (UTC, open all day, 30-minute private
 * sessions), each booking the next free slot of a random schedule with automatic package choice.
 * Then slot listing for a 4-week range on the busiest schedule.
 */
async function bookingBench(server: Server, key: KeyRing, clients: string[], raw32: number) {
  const { call, port } = server;
  const sessionType = (await call('POST', '/v1/session-types', key(), { name: 'Bench session', durationMinutes: 30, price: { amount: 5000, currency: 'USD' } })).body;
  const allDay = [{ start: '00:00', end: '24:00' }];
  const weeklyHours = { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay };
  const schedules: string[] = [];
  for (let i = 0; i < 64; i++) {
    schedules.push((await call('POST', '/v1/schedules', key(), { host: `Host ${i}`, timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionType.id] })).body.id);
  }
  const { booking, fillBusy, listingPath } = bookingPlan(schedules, sessionType.id, clients);
  // 201, or 409 when the slot was taken meanwhile (counted in the row); anything else fails the bench.
  let conflicts = 0;
  const bookings: LoadSpec = {
    name: 'HTTP POST /bookings',
    connections: 32,
    ring: key,
    next: () => ({ method: 'POST', path: '/v1/bookings', key: key(), headers: { 'idempotency-key': randomUUID() }, body: booking(Math.floor(Math.random() * schedules.length)) }),
    expect: (status) => {
      if (status === 409) conflicts++;
      return status === 201 || status === 409;
    },
  };
  await load(port, bookings); // warm-up
  conflicts = 0;
  const measured = await load(port, bookings);
  report(`HTTP POST /bookings (64 schedules, auto package, Idempotency-Key; ${conflicts} answered 409)`, 32, fmt(measured.perSecond), pct(measured.perSecond / raw32), measured.p50, measured.p99);

  // A busy schedule: ~20 bookings a day for 4 weeks on schedule 0.
  const busy = 0;
  await fillBusy(call, key, busy);
  const path = listingPath(busy);
  const freeSlots = (await call('GET', path, key())).body.slots.length;
  for (const connections of [1, 8]) {
    const listed = await load(port, { name: 'HTTP GET /schedules/{id}/slots', connections, ring: key, next: () => ({ path, key: key() }), expect: (status) => status === 200 });
    report(`HTTP GET /schedules/{id}/slots, 4 weeks (${freeSlots} free slots listed)`, connections, fmt(listed.perSecond), '', listed.p50, listed.p99);
  }
}

/**
 * Rebuilds every projection at 100,000 and at 200,000 events, to see whether the rate holds as the log
 * grows. It works in a scratch database of its own, seeded with one mix (packages of a purchase and 9
 * redemptions): over the sections' log, the first size was mostly events the heavy projections skip, so
 * the two sizes compared different mixes.
 */
async function rebuildBench(admin: Pool, baseUrl: string) {
  const dbName = `punchcard_bench_rebuild_${Date.now()}`;
  const url = await createScratchDatabase(admin, baseUrl, dbName);
  try {
    const infrastructure = await createInfrastructure({ connectionString: url, poolSize: 40, projections: ALL_PROJECTIONS });
    const pool = createPool({ connectionString: url, maxConnections: 8 });
    try {
      await rebuildAtTwoSizes(infrastructure, pool);
    } finally {
      await pool.end();
      await infrastructure.close();
    }
  } finally {
    await dropScratchDatabase(admin, dbName);
  }
}

async function rebuildAtTwoSizes(infrastructure: Infrastructure, pool: Pool) {
  const store = new PostgresEventStore(pool);
  for (const target of [100_000, 200_000]) {
    await seedPackages(store, target);
    const total = Number((await pool.query('SELECT count(*) FROM events')).rows[0].count);
    for (const projection of ALL_PROJECTIONS) {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = Date.now();
      const events = await infrastructure.runner.rebuild(projection);
      const seconds = (Date.now() - started) / 1000;
      clearInterval(sampler);
      report(`rebuild ${projection.name} over ${fmt(total)} events (packages of a purchase and 9 redemptions)`, 1, fmt(events / seconds), '', '', '');
      report(`  peak RSS during that rebuild`, '', `${Math.round(peak / 2 ** 20)} MiB`, '', '', '');
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
