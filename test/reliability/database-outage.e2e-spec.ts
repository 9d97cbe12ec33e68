import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { Cluster, embeddedCluster, privateCluster } from './support/clusters';
import { compileService } from './support/compile';
import { CHAOS, report, stats } from './support/databases';
import { Answer, call, freePort, ServerProcess } from './support/server';
import { inspectLedger, projectionsCaughtUp } from './support/verify';
import { setupStudio, Studio, Workload } from './support/workload';

/**
 * PostgreSQL outage: the server runs under load while its PostgreSQL is stopped and started again
 * (CI: 5 times per kind; `npm run chaos`: PUNCHCARD_CHAOS_OUTAGES, 10), for the embedded default and
 * for an external server (a private cluster from Debian's binaries; never the machine's own on 5432).
 * While it is down every endpoint answers 503 problem+json with Retry-After (never 500) and /health is
 * not ready; once it is back the service recovers by itself within 30 s; no acknowledged write is lost.
 */
const OUTAGES = Number(process.env.PUNCHCARD_CHAOS_OUTAGES ?? (CHAOS ? 10 : 5));
const RECOVERY_LIMIT_MS = 30_000;
const TMP = resolve(__dirname, '../../.tmp');

/** Every route the OpenAPI document lists, with a made-up id for each path parameter; `public`: it takes no credential. */
async function documentedRoutes(base: string): Promise<{ method: string; path: string; public: boolean }[]> {
  const doc = (await call(base, 'GET', '/docs-json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, randomUUID()), public: !operation.security?.length })),
  );
}

const isUnavailable = (res: Answer) =>
  res.status === 503 && /^application\/problem\+json/.test(res.headers?.get('content-type') ?? '') && Number(res.headers?.get('retry-after')) >= 1;

describe.each(['embedded', 'external'] as const)('PostgreSQL outage (%s)', (kind) => {
  let server: ServerProcess;
  let cluster: Cluster;
  let destroy: () => Promise<void> = async () => undefined;
  let pool: Pool;
  let studio: Studio;

  beforeAll(async () => {
    compileService();
    const env = { PUNCHCARD_EXPIRY_SWEEP_MS: '500', PUNCHCARD_DB_CONNECT_TIMEOUT_MS: '2000' };
    if (kind === 'external') {
      const external = await privateCluster(await freePort());
      destroy = external.destroy;
      cluster = external;
      server = new ServerProcess(await freePort(), { ...env, DATABASE_URL: external.url });
      await server.start();
      pool = new Pool({ connectionString: external.url, max: 2 }).on('error', () => undefined);
    } else {
      const dataDir = mkdtempSync(join(TMP, 'outage-embedded-'));
      destroy = async () => rmSync(dataDir, { recursive: true, force: true });
      server = new ServerProcess(await freePort(), { ...env, DATABASE_URL: undefined, PUNCHCARD_DATA_DIR: dataDir });
      await server.start();
      const embedded = await embeddedCluster(join(dataDir, 'postgres'));
      cluster = embedded;
      pool = new Pool({ connectionString: `postgres://punchcard:punchcard@127.0.0.1:${embedded.port}/punchcard`, max: 2 }).on('error', () => undefined);
    }
    pool.on('error', () => undefined);
    studio = await setupStudio(server.base, 4);
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    await destroy();
  });

  it(`answers 503 with Retry-After everywhere while PostgreSQL is down and recovers by itself, ${OUTAGES} outages under load`, async () => {
    const routes = await documentedRoutes(server.base);
    expect(routes.length).toBeGreaterThan(40);
    const unknownKey = `pc_${'0'.repeat(16)}_${'x'.repeat(43)}`; // never cached: authentication itself needs the database
    const workload = new Workload(server.base, studio, { concurrency: 4, retryForMs: 15_000, kinds: ['redeem', 'redeem', 'book', 'sell', 'cancel'] });
    const recoveryMs: number[] = [];
    const wrong: string[] = [];
    workload.start();
    for (let outage = 1; outage <= OUTAGES; outage++) {
      await sleep(300 + Math.random() * 700);
      await cluster.stop();
      const health = await call(server.base, 'GET', '/health');
      if (!isUnavailable(health) || health.body?.code !== 'database_unavailable') wrong.push(`GET /health: ${health.status} ${JSON.stringify(health.body)}`);
      for (const route of routes) {
        if (route.path.startsWith('/docs')) continue;
        // An unknown key: its check needs the database. A valid key (cached) with an Idempotency-Key: the
        // key store needs it. Either way the answer is 503 (a body the validation refuses may be 400 first).
        // A public route checks no key: its own validation may refuse the empty request first (400), without the database.
        const anonymous = await call(server.base, route.method, route.path, { key: unknownKey, body: route.method === 'GET' ? undefined : {} });
        const refusedFirst = route.public && anonymous.status === 400 && anonymous.body?.code === 'validation_failed';
        if (!isUnavailable(anonymous) && !refusedFirst) wrong.push(`${route.method} ${route.path} (unknown key): ${anonymous.status}`);
        const known = await call(server.base, route.method, route.path, { key: studio.key, body: route.method === 'GET' ? undefined : {}, idempotencyKey: randomUUID() });
        if (!(isUnavailable(known) || (known.status >= 400 && known.status < 500))) wrong.push(`${route.method} ${route.path}: ${known.status} ${JSON.stringify(known.body)}`);
      }
      await cluster.start();
      const back = Date.now();
      for (;;) {
        const res = await call(server.base, 'POST', `/v1/clients`, { key: studio.key, body: { name: 'After', email: `after-${randomUUID()}@example.com` } });
        if (res.status === 201 && (await call(server.base, 'GET', '/health')).status === 200) break;
        if (Date.now() - back > RECOVERY_LIMIT_MS) throw new Error(`Not recovered ${RECOVERY_LIMIT_MS} ms after PostgreSQL came back (last: ${res.status}):\n${server.log()}`);
        await sleep(50);
      }
      recoveryMs.push(Date.now() - back);
    }
    await workload.stop();
    await projectionsCaughtUp(pool); // the projection runner took its lease again and resumed
    // And the scheduler took its lease again (one advisory lock each).
    for (let i = 0; ; i++) {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`);
      if (rows[0].n >= 2) break;
      if (i > 300) throw new Error(`Only ${rows[0].n} lease(s) held after the outages`);
      await sleep(100);
    }
    const findings = await inspectLedger(pool, workload.outcomes);
    report(`database-outage-${kind}`, {
      outages: OUTAGES,
      routesProbed: routes.length,
      operations: workload.outcomes.length,
      acknowledged: findings.acknowledged,
      lost: findings.lost.length,
      duplicated: findings.duplicated.length,
      internalErrors: workload.internalErrors.length,
      wrongAnswersWhileDown: wrong.length,
      recoveryMs: stats(recoveryMs),
    });
    expect(wrong).toEqual([]);
    expect(workload.internalErrors).toEqual([]);
    expect({ lost: findings.lost, duplicated: findings.duplicated, negative: findings.negative }).toEqual({ lost: [], duplicated: [], negative: 0 });
    expect(findings.acknowledged).toBeGreaterThan(0);
  }, 60_000 + OUTAGES * 60_000);
});
