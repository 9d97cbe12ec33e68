import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { compileService } from './support/compile';
import { CHAOS, createDatabase, report, stats } from './support/databases';
import { freePort, ServerProcess } from './support/server';
import { inspectLedger, projectionsCaughtUp, ReplayCheck } from './support/verify';
import { setupStudio, Workload } from './support/workload';

/**
 * kill -9 under load: the real server (a child process on a database of its own) takes concurrent
 * redemptions, sales, bookings, cancellations and refunds with Idempotency-Keys, and is SIGKILLed at
 * random moments and restarted at once; the clients retry with their keys. CI: 20 kills;
 * `npm run chaos`: PUNCHCARD_CHAOS_KILLS (100).
 */
const KILLS = Number(process.env.PUNCHCARD_CHAOS_KILLS ?? (CHAOS ? 100 : 20));
const CONCURRENCY = Number(process.env.PUNCHCARD_CHAOS_CONCURRENCY ?? 8);
/** Every this many kills, the load pauses and the replay check (the CLI's `check`) compares every read model. */
const CHECK_EVERY = Number(process.env.PUNCHCARD_CHAOS_CHECK_EVERY ?? 10);

describe('kill -9 under load', () => {
  let database: { url: string; drop(): Promise<void> };
  let server: ServerProcess;
  let pool: Pool;
  let replay: ReplayCheck | undefined;

  beforeAll(async () => {
    compileService();
    database = await createDatabase('chaos_kill');
    server = new ServerProcess(await freePort(), { DATABASE_URL: database.url });
    await server.start();
    // An idle connection cut by the server (a fault the suite provokes) must not crash the test process.
    pool = new Pool({ connectionString: database.url, max: 2 }).on('error', () => undefined);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await replay?.close();
    await pool?.end();
    await database?.drop();
  });

  it(`keeps every acknowledged write exactly once through ${KILLS} SIGKILLs and immediate restarts`, async () => {
    const studio = await setupStudio(server.base, 6);
    replay = await ReplayCheck.open(database.url);
    const workload = new Workload(server.base, studio, { concurrency: CONCURRENCY, retryForMs: 90_000 });
    const restartMs: number[] = [];
    const catchUpMs: number[] = [];
    workload.start();
    for (let kill = 1; kill <= KILLS; kill++) {
      await sleep(300 + Math.random() * 1200);
      // The server alone, or its whole process group: with an external database both are a crash of the service.
      await server.kill(kill % 2 === 0);
      restartMs.push(await server.start());
      catchUpMs.push(await projectionsCaughtUp(pool));
      const findings = await inspectLedger(pool, workload.outcomes);
      expect({ kill, lost: findings.lost, duplicated: findings.duplicated, negative: findings.negative }).toEqual({ kill, lost: [], duplicated: [], negative: 0 });
      if (kill % CHECK_EVERY === 0) {
        await workload.pause();
        await projectionsCaughtUp(pool);
        expect(await replay.differences()).toEqual([]);
        workload.resume();
      }
    }
    await workload.stop();
    await projectionsCaughtUp(pool);
    const findings = await inspectLedger(pool, workload.outcomes);
    const differences = await replay.differences();
    const answers: Record<string, number> = {};
    for (const o of workload.outcomes) {
      const answer = `${o.kind} ${o.status}${o.code ? ` ${o.code}` : ''}`;
      answers[answer] = (answers[answer] ?? 0) + 1;
    }
    report('kill-under-load', {
      kills: KILLS,
      concurrency: CONCURRENCY,
      operations: workload.outcomes.length,
      acknowledged: findings.acknowledged,
      lost: findings.lost.length,
      duplicated: findings.duplicated.length,
      negativeBalances: findings.negative,
      internalErrors: workload.internalErrors.length,
      gaveUp: workload.outcomes.filter((o) => o.status === 0).length,
      restartToHealthyMs: stats(restartMs),
      projectionsCaughtUpMs: stats(catchUpMs),
      replayDifferences: differences.length,
      answers,
    });
    expect(findings.acknowledged).toBeGreaterThan(KILLS);
    expect({ lost: findings.lost, duplicated: findings.duplicated, negative: findings.negative, differences }).toEqual({ lost: [], duplicated: [], negative: 0, differences: [] });
    expect(workload.internalErrors).toEqual([]);
  }, 60_000 + KILLS * 30_000);
});
