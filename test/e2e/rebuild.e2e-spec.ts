import { generationOf, PostgresAdvisoryLease, Projection, ProjectionRunner } from '@punchcard/projection-runner';
import { ALL_PROJECTIONS, packageLedgerProjection, packagesProjection } from '@punchcard/projections';
import { formatPosition, START } from '@punchcard/event-store';
import { ProjectionBatch, ReadStore } from '@punchcard/read-store';
import { withMethod } from '../support/intercept';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Operators rebuild a read model blue/green while the service serves and writes, and check the live
 * read models against a replay of the events.
 */
describe('Rebuild and check of read models while the service runs', () => {
  let t: TestApp;
  let studio: TenantSession;
  const packageIds: string[] = [];
  /** A second runner, as the CLI is: small batches so the rebuild takes long enough to overlap reads. */
  let operator: ProjectionRunner;

  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant();
    const offeringId = await studio.createOffering({ sessionCount: 5 });
    let last = '';
    for (let i = 0; i < 12; i++) {
      const pkg = await studio.sellPackage(offeringId, await studio.createClient());
      packageIds.push(pkg.id);
      await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({}).expect(201);
      const adjusted = await t.http.post(`/v1/packages/${pkg.id}/adjustments`).set(studio.auth).send({ delta: 2, reason: 'welcome gift' }).expect(201);
      last = adjusted.headers['punchcard-position'];
    }
    expect(await listAll(last)).toHaveLength(12);
    operator = new ProjectionRunner(t.infrastructure.system.eventStore, t.infrastructure.system.readStore, ALL_PROJECTIONS, new PostgresAdvisoryLease(t.db.pool, 'operator'), {
      batchSize: 3,
    });
  });
  afterAll(() => t.close());

  /** `after`: a write's Punchcard-Position, so the list reflects it (an empty event read proves nothing while other transactions are open). */
  const listAll = async (after?: string) =>
    (await t.http.get('/v1/packages').query({ limit: 100, ...(after ? { after } : {}) }).set(studio.auth).expect(200)).body.items as any[];
  const redeem = async (packageId: string) =>
    (await t.http.post(`/v1/packages/${packageId}/redemptions`).set(studio.auth).send({}).expect(201)).headers['punchcard-position'] as string;

  it('stores nothing in a read document row that the switch would not copy: only its key, its data and generated key columns', async () => {
    // ReadStore.swap copies the rebuilt rows under the live name (collection, tenant_id, id, data); a new
    // stored column would be lost by that copy, so adding one must change the switch too.
    const { rows } = await t.db.pool.query(
      `SELECT attname FROM pg_attribute WHERE attrelid = 'read_documents'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    );
    expect(rows.map((row) => row.attname)).toEqual(['collection', 'tenant_id', 'id', 'data']);
  });

  it('keeps serving every package while the packages read model is rebuilt beside it, and writes made meanwhile land in the new one', async () => {
    let rebuilding = true;
    const rebuild = operator.rebuild(packagesProjection).finally(() => (rebuilding = false));
    const seen: number[] = [];
    let redeemed = 0;
    let last = '';
    while (rebuilding) {
      seen.push((await listAll()).length);
      // The live runner keeps applying new events to the old generation during the rebuild.
      last = await redeem(packageIds[redeemed % packageIds.length]);
      redeemed++;
    }
    expect(await rebuild).toBeGreaterThan(12 * 3);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((count) => count === 12)).toBe(true);

    const packages = await listAll(last);
    expect(packages).toHaveLength(12);
    const used = packages.reduce((sum, p) => sum + p.creditsUsed, 0);
    expect(used).toBe(12 + redeemed);
    expect((await operator.check(packagesProjection)).differences).toEqual([]);
  });

  it('check finds a live document that does not match the events, names the field, and a rebuild mends it', async () => {
    const victim = packageIds[3];
    await listAll(await redeem(victim)); // the live documents have applied everything so far
    await t.db.pool.query(
      `UPDATE read_documents SET data = jsonb_set(data, '{creditsRemaining}', '99') WHERE collection = 'packages' AND id = $1`,
      [victim],
    );
    const { differences } = await operator.check(packagesProjection);
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatchObject({ collection: 'packages', tenantId: studio.tenantId, id: victim, live: { creditsRemaining: 99 } });
    expect((differences[0].rebuilt as any).creditsRemaining).toBeLessThan(99);

    // The check leaves nothing behind: no scratch documents or checkpoint.
    const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n FROM read_documents WHERE collection LIKE '%@%'`);
    expect(rows[0].n).toBe(0);

    await operator.rebuild(packagesProjection);
    expect((await operator.check(packagesProjection)).differences).toEqual([]);
    const mended = (await t.http.get(`/v1/packages/${victim}`).set(studio.auth).expect(200)).body;
    expect(mended.creditsRemaining).toBe(mended.creditsTotal - mended.creditsUsed);
  });

  it('a new version of a projection (its name bumped, the same collections) replays onto an empty slate, not onto the old documents', async () => {
    await listAll(await redeem(packageIds[0]));
    const bumped = { ...packagesProjection, name: `${packagesProjection.name}-bumped` };
    await operator.catchUp(bumped); // its first batch empties the collection, then it applies every event
    const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n FROM read_documents WHERE collection = 'packages' AND tenant_id = $1`, [studio.tenantId]);
    expect(rows[0].n).toBe(12);
    // Replayed once, not added onto the old documents: every package's figures still match its events.
    expect((await operator.check(bumped)).differences).toEqual([]);
    const packages = await listAll();
    expect(packages.every((p) => p.creditsRemaining === p.creditsTotal - p.creditsUsed)).toBe(true);
    await t.db.pool.query(`DELETE FROM projection_checkpoints WHERE projection = $1`, [bumped.name]);
  });

  it('a running runner reads each batch of events once for the projections at one checkpoint (they move in step)', async () => {
    const store = t.infrastructure.system.eventStore;
    const nonEmptyReadsFrom: string[] = [];
    const counting = withMethod(store, 'readAll', (readAll) => async (from, limit) => {
      const events = await readAll(from, limit);
      // Batch reads only (isCaughtUp, polled below, reads 1 event).
      if (events.length && limit === 5) nonEmptyReadsFrom.push(formatPosition(from));
      return events;
    });
    const scratch = [generationOf(packagesProjection, '@shared-read'), generationOf(packageLedgerProjection, '@shared-read')];
    const runner = new ProjectionRunner(counting, t.infrastructure.system.readStore, scratch, new PostgresAdvisoryLease(t.db.pool, 'shared-read-test'), { batchSize: 5 });
    runner.start();
    try {
      const caughtUp = async () => (await Promise.all(scratch.map((p) => runner.isCaughtUp(p.name)))).every(Boolean);
      expect((await runner.waitUntil(caughtUp, 30_000)).reached).toBe(true);
    } finally {
      await runner.stop();
      for (const p of scratch) await t.infrastructure.system.readStore.reset(p.name, p.collections);
    }
    // Many batches of 5, each read from the store once although two projections applied it.
    expect(nonEmptyReadsFrom.length).toBeGreaterThan(10);
    expect(new Set(nonEmptyReadsFrom).size).toBe(nonEmptyReadsFrom.length);
  });

  /** A running runner over `projections` (batches of 5) until `done` holds; returns what it reported. */
  async function runUntil(readStore: ReadStore, projections: Projection[], done: (runner: ProjectionRunner) => Promise<boolean>) {
    const errors: { projection: string; message: string }[] = [];
    const runner = new ProjectionRunner(t.infrastructure.system.eventStore, readStore, projections, new PostgresAdvisoryLease(t.db.pool, 'together-test'), {
      batchSize: 5,
      onError: (projection, error) => errors.push({ projection, message: (error as Error).message }),
    });
    runner.start();
    try {
      expect((await runner.waitUntil(() => done(runner), 30_000)).reached).toBe(true);
    } finally {
      await runner.stop();
    }
    return errors;
  }

  /** A projection whose every apply throws (keys ask for one document, so apply runs). */
  const broken = (name: string): Projection => ({
    name,
    collections: [name],
    keys: () => [{ collection: name, tenantId: studio.tenantId, id: 'x' }],
    apply: () => {
      throw new Error(`injected: ${name} cannot apply`);
    },
  });

  const documents = async (collection: string) => (await t.infrastructure.system.readStore.find(collection, studio.tenantId, { limit: 10_000 })).map((d) => d.data);

  it('a running runner commits the projections at one checkpoint in one transaction, and one that cannot apply holds back only itself', async () => {
    const store = t.infrastructure.system.readStore;
    const together = [generationOf(packagesProjection, '@together'), generationOf(packageLedgerProjection, '@together')];
    const failing = broken('broken@together');
    const joint: string[][] = [];
    let single = 0;
    const counting = withMethod(
      withMethod(store, 'commitAll', (commitAll) => async (batches) => {
        joint.push(batches.map((b) => b.projection).sort());
        return commitAll(batches);
      }),
      'commit',
      (commit) => async (...args) => {
        single++;
        return commit(...args);
      },
    );
    try {
      const errors = await runUntil(counting, [...together, failing], async (runner) => (await Promise.all(together.map((p) => runner.isCaughtUp(p.name)))).every(Boolean));
      expect(joint.length).toBeGreaterThan(10); // many batches of 5
      expect(joint.every((names) => names.join() === together.map((p) => p.name).sort().join())).toBe(true);
      expect(single).toBe(0);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.projection === failing.name && e.message === 'injected: broken@together cannot apply')).toBe(true);
      expect(await store.checkpoint(failing.name)).toEqual(START);
      expect(await documents(together[0].collections[0])).toEqual(await documents(packagesProjection.collections[0]));
      expect(await documents(together[1].collections[0])).toEqual(await documents(packageLedgerProjection.collections[0]));
    } finally {
      for (const p of [...together, failing]) await store.reset(p.name, p.collections);
    }
  });

  it('when a joint commit fails, each projection commits on its own: the refused one drops out, never builds on the batch it lost, and catches up later', async () => {
    const store = t.infrastructure.system.readStore;
    const refused = generationOf(packageLedgerProjection, '@refused');
    const healthy = generationOf(packagesProjection, '@alone');
    // The store refuses the refused projection's third batch twice (jointly, then alone), then takes it.
    const committed = new Set([formatPosition(START)]);
    const startedFromUncommitted: string[] = [];
    let refusedTo: string | null = null;
    let refusals = 0;
    let batchesSeen = 0;
    const attempt = async (batches: ProjectionBatch[], write: () => Promise<void>) => {
      const mine = batches.find((b) => b.projection === refused.name);
      if (mine) {
        const [from, to] = [formatPosition(mine.from), formatPosition(mine.to)];
        if (!committed.has(from)) startedFromUncommitted.push(from);
        if (refusedTo === null && ++batchesSeen === 3) refusedTo = to;
        if (to === refusedTo && refusals < 2) {
          refusals++;
          throw new Error('injected: the store refuses this batch');
        }
      }
      await write();
      if (mine) committed.add(formatPosition(mine.to));
    };
    const flaky = withMethod(
      withMethod(store, 'commitAll', (commitAll) => (batches) => attempt(batches, () => commitAll(batches))),
      'commit',
      (commit) => (projection, from, to, changes) => attempt([{ projection, from, to, changes }], () => commit(projection, from, to, changes)),
    );
    try {
      const errors = await runUntil(flaky, [refused, healthy], async (runner) => (await Promise.all([refused, healthy].map((p) => runner.isCaughtUp(p.name)))).every(Boolean));
      expect(refusals).toBe(2);
      expect(startedFromUncommitted).toEqual([]);
      expect(errors.map((e) => e.message)).toEqual(['injected: the store refuses this batch', 'injected: the store refuses this batch']);
      expect(errors.map((e) => e.projection)).toEqual([`${refused.name}, ${healthy.name}`, refused.name]);
      expect(await documents(refused.collections[0])).toEqual(await documents(packageLedgerProjection.collections[0]));
      expect(await documents(healthy.collections[0])).toEqual(await documents(packagesProjection.collections[0]));
    } finally {
      for (const p of [refused, healthy]) await store.reset(p.name, p.collections);
    }
  });

  it('a pipelined catch-up whose commit fails starts no later commit, and a second run completes the same documents', async () => {
    const store = t.infrastructure.system.readStore;
    const commits: string[] = [];
    const failSecond = withMethod(store, 'commit', (commit) => async (projection, from, to, changes) => {
      commits.push(formatPosition(to));
      if (commits.length === 2) throw new Error('injected: the second commit fails');
      return commit(projection, from, to, changes);
    });
    const replay = generationOf(packagesProjection, '@pipeline');
    const runner = (readStore: typeof store) =>
      new ProjectionRunner(t.infrastructure.system.eventStore, readStore, [replay], new PostgresAdvisoryLease(t.db.pool, 'pipeline-test'), { batchSize: 4 });
    try {
      await expect(runner(failSecond).catchUp(replay)).rejects.toThrow('injected: the second commit fails');
      expect(commits).toHaveLength(2); // the third batch was prepared, never committed
      expect(formatPosition(await store.checkpoint(replay.name))).toBe(commits[0]);
      expect(await runner(store).catchUp(replay)).toBeGreaterThan(0);
      const documents = async (collection: string) =>
        (await store.find(collection, studio.tenantId, { limit: 100 })).map((d) => d.data as { id: string; creditsRemaining: number; version: number });
      expect(await documents(replay.collections[0])).toEqual(await documents(packagesProjection.collections[0]));
    } finally {
      await store.reset(replay.name, replay.collections);
    }
  });

  it('every read model equals a replay of the events', async () => {
    // check compares each live read model with a replay up to that model's own checkpoint.
    for (const projection of ALL_PROJECTIONS) {
      expect({ projection: projection.name, differences: (await operator.check(projection)).differences }).toEqual({ projection: projection.name, differences: [] });
    }
  });
});
