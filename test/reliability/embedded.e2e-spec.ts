import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileService } from './support/compile';
import { call, freePort, OPERATOR_KEY, ServerProcess } from './support/server';

/**
 * The embedded default as a supervisor uses it: real server processes with their embedded PostgreSQL,
 * killed and restarted at once; a PostgreSQL that cannot start says why; and a root user whose
 * checkout sits in a folder other users cannot enter still gets a working server.
 */
const TMP = resolve(__dirname, '../../.tmp');
const embeddedEnv = (dataDir: string, extra: Record<string, string> = {}) => ({ DATABASE_URL: undefined, PUNCHCARD_DATA_DIR: dataDir, ...extra });

describe('embedded PostgreSQL: restarts and folders', () => {
  const cleanup: string[] = [];
  const servers: ServerProcess[] = [];

  beforeAll(() => compileService());
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  const newServer = async (env: Record<string, string | undefined>) => {
    const server = new ServerProcess(await freePort(), env);
    servers.push(server);
    return server;
  };
  const newTenantKey = async (server: ServerProcess) => {
    const res = await call(server.base, 'POST', '/v1/tenants', { key: OPERATOR_KEY, body: { name: 'Studio', timezone: 'UTC', currency: 'USD' } });
    expect(res.status).toBe(201);
    return res.body.adminApiKey as string;
  };

  it('starts again at once after a SIGKILL of the server alone (its PostgreSQL left running) and of its whole process group', async () => {
    mkdirSync(TMP, { recursive: true });
    const dataDir = mkdtempSync(join(TMP, 'embedded-restart-'));
    cleanup.push(dataDir);
    const server = await newServer(embeddedEnv(dataDir));
    await server.start();
    const key = await newTenantKey(server);

    await server.kill(false); // the orphaned postmaster still holds the folder
    await server.start();
    expect((await call(server.base, 'GET', '/v1/clients', { key })).status).toBe(200);

    await server.kill(true); // PostgreSQL killed too: its processes and shared memory are going away
    await server.start();
    expect((await call(server.base, 'GET', '/v1/clients', { key })).status).toBe(200);

    // PostgreSQL that really cannot start: the server says so with PostgreSQL's own words.
    await server.stop();
    const clusterDir = join(dataDir, 'postgres');
    appendFileSync(join(clusterDir, 'postgresql.auto.conf'), "\nshared_buffers = 'plenty'\n");
    const failed = await server.startExpectingFailure();
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/Could not start the embedded PostgreSQL/);
    expect(failed.output).toMatch(/PostgreSQL said:[\s\S]*shared_buffers/);
  }, 180_000);

  (process.getuid?.() === 0 ? it : it.skip)('as root, runs from a data folder inside a folder other users cannot enter (mode 700), keeping the cluster private', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'punchcard-root-home-'));
    chmodSync(locked, 0o700);
    const reachable = mkdtempSync(join(TMP, 'embedded-reachable-'));
    cleanup.push(locked, reachable);
    const dataDir = join(locked, 'checkout', 'data');
    const server = await newServer(embeddedEnv(dataDir, { PUNCHCARD_EMBEDDED_FALLBACK_DIR: reachable }));
    await server.start();
    expect(server.log(Infinity)).toMatch(new RegExp(`cannot enter ${locked}`));
    const key = await newTenantKey(server);

    const [clusterFolder] = readdirSync(reachable);
    const cluster = join(reachable, clusterFolder, 'postgres');
    expect(statSync(cluster).mode & 0o077).toBe(0); // neither group nor others may read the data

    // The same data folder finds the same cluster again.
    await server.stop();
    await server.start();
    expect((await call(server.base, 'GET', '/v1/clients', { key })).status).toBe(200);
    expect(readdirSync(reachable)).toEqual([clusterFolder]);
  }, 180_000);
});
