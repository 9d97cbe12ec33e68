import { Pool, PoolClient } from 'pg';
import { compileService } from './support/compile';
import { createDatabase, report } from './support/databases';
import { Answer, call, freePort, ServerProcess } from './support/server';
import { setupStudio, Studio } from './support/workload';

/**
 * Slow and failing database: a table held locked (by a test connection) makes statements wait. The
 * statement timeout and the pool's connect timeout turn that into 503 database_unavailable with
 * Retry-After, never a hang or a 500; and reports, on a pool of their own, cannot starve commands.
 */
const POOL = 4;
const REPORT_POOL = 2;

const expectUnavailable = (res: Answer, code = 'database_unavailable') => {
  expect({ status: res.status, code: res.body?.code, type: res.headers?.get('content-type') }).toEqual({ status: 503, code, type: expect.stringMatching(/^application\/problem\+json/) });
  expect(Number(res.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
};

describe('slow and failing database', () => {
  let database: { url: string; drop(): Promise<void> };
  let server: ServerProcess;
  let owner: Pool;
  let studio: Studio;
  let lock: PoolClient | null = null;

  /** Holds `table` locked (ACCESS EXCLUSIVE: reads wait too) until `unlock`. */
  const lockTable = async (table: string) => {
    lock = await owner.connect();
    await lock.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  };
  const unlock = async () => {
    await lock?.query('ROLLBACK');
    lock?.release();
    lock = null;
  };

  beforeAll(async () => {
    compileService();
    database = await createDatabase('chaos_slow');
    server = new ServerProcess(await freePort(), {
      DATABASE_URL: database.url,
      PUNCHCARD_DB_POOL_SIZE: String(POOL),
      PUNCHCARD_DB_REPORT_POOL_SIZE: String(REPORT_POOL),
      PUNCHCARD_DB_CONNECT_TIMEOUT_MS: '1000',
      PUNCHCARD_DB_STATEMENT_TIMEOUT_MS: '3000',
    });
    await server.start();
    owner = new Pool({ connectionString: database.url, max: 2 }).on('error', () => undefined);
    studio = await setupStudio(server.base, 2);
  }, 120_000);

  afterEach(unlock);
  afterAll(async () => {
    await server?.stop();
    await owner?.end();
    await database?.drop();
  });

  const packageId = () => [...studio.packagesByClient.values()][0][0];
  const redeem = () => call(server.base, 'POST', `/v1/packages/${packageId()}/redemptions`, { key: studio.key, body: { note: 'slow' }, timeoutMs: 30_000 });
  const eventsOf = async (id: string) => (await owner.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [`package-${id}`])).rows[0].n;

  it('statement timeouts and an exhausted pool answer 503 with Retry-After (not a hang, not a 500) and change nothing', async () => {
    const before = await eventsOf(packageId());
    await lockTable('events');
    // POOL requests wait on the lock until the statement timeout; the others wait for a connection until the connect timeout.
    const answers = await Promise.all(Array.from({ length: 3 * POOL }, redeem));
    for (const res of answers) expectUnavailable(res);
    await unlock();
    expect(await eventsOf(packageId())).toBe(before);
    expect((await redeem()).status).toBe(201);
    expect(await eventsOf(packageId())).toBe(before + 1);
    report('slow-database', { concurrentRequests: answers.length, answered503: answers.filter((r) => r.status === 503).length, hung: answers.filter((r) => r.status === 0).length });
  }, 60_000);

  it('a long-running report cannot starve writes: reports hold at most their own pool, commands keep theirs', async () => {
    await lockTable('read_documents'); // every report now runs until the statement timeout
    const reports = Promise.all(Array.from({ length: 3 * POOL }, () => call(server.base, 'GET', '/v1/reports/contract-liability', { key: studio.key, timeoutMs: 30_000 })));
    const writes: number[] = [];
    for (let i = 0; i < 2 * POOL; i++) writes.push((await redeem()).status);
    expect(writes).toEqual(Array(2 * POOL).fill(201));
    for (const res of await reports) expectUnavailable(res);
    await unlock();
    expect((await call(server.base, 'GET', '/v1/reports/contract-liability', { key: studio.key })).status).toBe(200);
  }, 60_000);

  it("the offering deletion's read_model_behind answers 503 with Retry-After", async () => {
    await lockTable('read_documents'); // the projections cannot move past the deletion
    const res = await call(server.base, 'POST', `/v1/offerings/${studio.offeringId}/deletion`, { key: studio.key, body: {}, timeoutMs: 60_000 });
    expectUnavailable(res, 'read_model_behind');
  }, 60_000);
});
