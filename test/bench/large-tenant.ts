/**
 * The large-tenant section of npm run bench: one tenant with BENCH_LARGE_EVENTS events (default
 * 1,000,000: 10,000 clients, 20,000 packages, one package of 1,000 events) and a second tenant with a
 * tenth of that. Measures the seeding append rate, the projections' catch-up in the server process,
 * dashboard and point-in-time latencies over HTTP, and the ledger CSV export (rows/s, server peak RSS
 * at both sizes: memory must stay flat in the number of rows). BENCH_LARGE_EVENTS=0 skips it.
 */
import { Pool } from 'pg';
import { comparePositions, Position, PostgresEventStore } from '@punchcard/event-store';
import { createPool } from '@punchcard/postgres';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { currentRss, download, fmt, KeyRing, keyRing, load, pct, peakRss, Report, resetPeakRss, Server, startServer } from './bench-kit';
import { seedSize, seedTenant, SeededTenant } from './large-tenant-seed';

const CATCH_UP_TIMEOUT_MS = 60 * 60_000;

export async function largeTenantBench(databaseUrl: string, raw32: number, report: Report): Promise<void> {
  const events = Number(process.env.BENCH_LARGE_EVENTS ?? 1_000_000);
  if (!(events > 0)) return;
  const size = seedSize(events);
  const smallSize = seedSize(Math.round(events / 10));
  console.log(`\nLarge tenant: ${fmt(size.events)} events, ${fmt(size.clients)} clients, ${fmt(size.packages)} packages; small tenant: a tenth of that.`);

  // Tenants and keys through the API (projections off: nothing to project yet).
  let server = await startServer(databaseUrl, { PUNCHCARD_PROJECTIONS: 'off' });
  const newTenant = async (name: string) => (await server.call('POST', '/v1/tenants', server.operatorKey, { name, timezone: 'UTC', currency: 'USD' })).body as { id: string; adminApiKey: string };
  const large = await newTenant('Large tenant');
  const small = await newTenant('Small tenant');
  await server.stop();

  const pool = createPool({ connectionString: databaseUrl, maxConnections: 4 });
  try {
    const store = new PostgresEventStore(pool);
    let started = Date.now();
    const seeded = await seedTenant(store, pool, large.id, size, 1);
    const smallSeeded = await seedTenant(store, pool, small.id, smallSize, 2);
    const total = seeded.events + smallSeeded.events;
    const seedSeconds = (Date.now() - started) / 1000;
    report(`large tenant: seed ${fmt(total)} events (domain decisions, multi-stream appends of ~10k events)`, 1, fmt(total / seedSeconds), pct(total / seedSeconds / raw32), '', '');

    server = await startServer(databaseUrl);
    started = Date.now();
    await waitForProjections(pool, total);
    const catchUpSeconds = (Date.now() - started) / 1000;
    report(`large tenant: projections catch up over ${fmt(total)} new events (${ALL_PROJECTIONS.length} projections, server process)`, 1, fmt(total / catchUpSeconds), '', '', '');

    const ring = await keyRing(server.call, large.adminApiKey);
    console.log(`Large tenant reads: ${ring.describe()}`);
    await measureReads(server, ring, seeded);
    await measureExports(server, large.adminApiKey, small.adminApiKey, report);
    report('server process peak RSS (large tenant section)', '', `${peakRss(server.child)} MiB`, '', '', '');
  } finally {
    await server.stop();
    await pool.end();
  }

  async function measureReads(srv: Server, key: KeyRing, tenant: SeededTenant) {
    const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)];
    // A past instant after `from` (package ids are UUIDv7 stamped with their purchase time).
    const instant = (from = tenant.from) => new Date(from + Math.random() * (Date.now() - 120_000 - from)).toISOString();
    const purchasedAt = (packageId: string) => parseInt(packageId.replace(/-/g, '').slice(0, 12), 16);
    const get = async (path: string) => {
      const res = await srv.call('GET', path, key());
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    // One reader (autocannon, 1 connection) for the run's seconds, keys from the ring (the rate limit stays on).
    const latency = async (measure: string, path: () => string) => {
      for (let i = 0; i < 20; i++) await get(path()); // warm-up
      const measured = await load(srv.port, { name: measure, connections: 1, ring: key, next: () => ({ path: path(), key: key() }), expect: (status) => status === 200 });
      report(measure, 1, fmt(measured.perSecond), '', measured.p50, measured.p99);
    };
    const big = (await get(`/v1/packages/${tenant.bigPackageId}`)) as { version: number };

    await latency('GET /v1/packages (first page of 20, newest first)', () => '/v1/packages?limit=20');
    await latency('GET /v1/packages, a later page (cursor)', () => `/v1/packages?limit=20&cursor=${pick(tenant.packageIds)}`);
    await latency('GET /v1/packages?status=active', () => '/v1/packages?limit=20&status=active');
    await latency('GET /v1/packages?offeringId=…', () => `/v1/packages?limit=20&offeringId=${pick(tenant.offeringIds)}`);
    await latency('GET /v1/packages?clientId=…', () => `/v1/packages?limit=20&clientId=${pick(tenant.clientIds)}`);
    await latency('GET /v1/packages?q=… (client name search)', () => `/v1/packages?limit=20&q=${encodeURIComponent(`Client ${Math.floor(Math.random() * tenant.clientIds.length)}`)}`);
    await latency('GET /v1/packages?q=sessions (every offering name matches)', () => '/v1/packages?limit=20&q=sessions');
    // Hex digits only: could be part of an id, so every id is read too.
    await latency('GET /v1/packages?q=… (4 hex digits: ids searched too)', () => `/v1/packages?limit=20&q=${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`);
    await latency('GET /v1/packages/{id}', () => `/v1/packages/${pick(tenant.packageIds)}`);
    await latency('GET /v1/packages/{id}/ledger (first 100 entries)', () => `/v1/packages/${pick(tenant.packageIds)}/ledger`);
    await latency(`point in time: GET /v1/packages/{id}?asOf= (${fmt(big.version)} events replayed)`, () => `/v1/packages/${tenant.bigPackageId}?asOf=${instant()}`);
    await latency('point in time: GET /v1/packages/{id}?asOf= (any package, after its purchase)', () => {
      const id = pick(tenant.packageIds);
      return `/v1/packages/${id}?asOf=${instant(purchasedAt(id))}`;
    });
    await latency('point in time: GET /v1/clients/{id}/packages?asOf=', () => `/v1/clients/${pick(tenant.clientIds)}/packages?asOf=${instant()}`);
    await latency('GET /v1/clients/{id}/packages (now)', () => `/v1/clients/${pick(tenant.clientIds)}/packages`);

    // The usage dashboard and client usage table (another part of the issue): measured if present.
    const probe = await srv.call('GET', `/v1/offerings/${tenant.offeringIds[0]}/usage`, key());
    if (probe.status === 404 && probe.body?.code === 'route_not_found') {
      report('GET /v1/offerings/{id}/usage: endpoint not present', '', '', '', '', '');
    } else {
      await latency('GET /v1/offerings/{id}/usage (dashboard)', () => `/v1/offerings/${pick(tenant.offeringIds)}/usage`);
    }
    const table = (offeringId: string, cursor?: string) => `/v1/offerings/${offeringId}/clients?sort=booked&order=desc&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const first = await srv.call('GET', table(tenant.offeringIds[0]), key());
    if (first.status === 404 && first.body?.code === 'route_not_found') {
      report('GET /v1/offerings/{id}/clients: endpoint not present', '', '', '', '', '');
      return;
    }
    await latency('GET /v1/offerings/{id}/clients?sort=booked&order=desc&limit=50', () => table(pick(tenant.offeringIds)));
    // Later pages: cursors gathered by walking up to 10 pages of each offering.
    const pages: string[] = [];
    for (const offeringId of tenant.offeringIds) {
      let cursor: string | null = (await get(table(offeringId))).nextCursor ?? null;
      for (let page = 0; cursor && page < 10; page++) {
        pages.push(table(offeringId, cursor));
        cursor = (await get(table(offeringId, cursor))).nextCursor ?? null;
      }
    }
    if (pages.length) await latency(`  same, next pages (${pages.length} cursors, up to page 11)`, () => pick(pages));
  }
}

/** Waits until every projection's checkpoint has passed the last event, logging progress. */
async function waitForProjections(pool: Pool, events: number): Promise<void> {
  const { rows } = await pool.query('SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1');
  const last: Position = rows[0];
  const names = ALL_PROJECTIONS.map((p) => p.name);
  const started = Date.now();
  let logged = started;
  for (;;) {
    const checkpoints = await pool.query('SELECT projection, transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM projection_checkpoints WHERE projection = ANY($1)', [names]);
    const behind = names.filter((name) => {
      const row = checkpoints.rows.find((r) => r.projection === name);
      return !row || comparePositions(row, last) < 0;
    });
    if (behind.length === 0) return;
    if (Date.now() - started > CATCH_UP_TIMEOUT_MS) throw new Error(`projections did not catch up: ${behind.join(', ')}`);
    if (Date.now() - logged > 15_000) {
      logged = Date.now();
      console.log(`  catching up (${fmt(events)} events): ${Math.round((logged - started) / 1000)} s, still behind: ${behind.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The ledger CSV of the small tenant, then of the large one: rows/s and the server's peak RSS during each. */
async function measureExports(server: Server, largeKey: string, smallKey: string, report: Report): Promise<void> {
  const exportOnce = async (label: string, path: string, key: string) => {
    global.gc?.();
    const before = currentRss(server.child);
    const resettable = resetPeakRss(server.child);
    const started = Date.now();
    const result = await download(server.port, path, key);
    const seconds = (Date.now() - started) / 1000;
    if (result.status !== 200) throw new Error(`${path} answered ${result.status}`);
    const rows = result.lines - 1;
    const peak = resettable ? `${peakRss(server.child)} MiB peak` : 'peak not resettable';
    report(`${label}: ${fmt(rows)} rows, ${fmt(result.bytes / 2 ** 20)} MiB; server RSS ${before} MiB before, ${peak}`, 1, `${fmt(rows / seconds)} rows/s`, '', '', '');
  };
  await exportOnce('GET /v1/exports/ledger.csv, small tenant', '/v1/exports/ledger.csv', smallKey);
  await exportOnce('GET /v1/exports/ledger.csv, large tenant', '/v1/exports/ledger.csv', largeKey);
  await exportOnce('GET /v1/exports/packages.csv, large tenant', '/v1/exports/packages.csv', largeKey);
}
