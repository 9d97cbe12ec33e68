import { setTimeout as sleep } from 'node:timers/promises';
import { comparePositions, EventStore, formatPosition, Position, START, StoredEvent } from '@punchcard/event-store';
import { DocumentChange, DocumentDifference, DocumentKey, ProjectionBatch, ProjectionStorage, ReadStore } from '@punchcard/read-store';
import { Lease } from './lease';
import { DocumentSet, Projection } from './projection';

export interface RunnerOptions {
  /**
   * Most events one batch applies (default 5,000). Batches are this full only while catching up or
   * rebuilding, where bigger ones cost fewer round trips and commits per event: the large tenant's
   * catch-up (9 projections, each committing its own batches, PostgreSQL 15, 2 cores) went at about
   * 6.0k / 7.1k / 7.8k events a second with 1,000 / 4,000 / 10,000.
   */
  batchSize?: number;
  /** How long an idle loop waits for new events before polling again (a nudge wakes it at once). */
  idleMs?: number;
  /**
   * Least time between two rounds of the running loop. Under load this lets events gather into
   * larger batches instead of a round of queries per event; it bounds read-your-writes delay.
   */
  minBatchIntervalMs?: number;
  onError?: (projection: string, error: unknown) => void;
}

/** Suffixes of the generations a rebuild and a check write beside the live documents. */
const REBUILT = '@rebuild';
const CHECKED = '@check';

const keyString = (k: DocumentKey) => `${k.collection}\u0000${k.tenantId}\u0000${k.id}`;

/**
 * Keeps projections up to date. Each batch: read events after the checkpoint, load every document
 * they touch in one query, apply them in order in memory, then write the changed documents and the
 * new checkpoint in one transaction. While it holds the lease, the running loop moves the projections
 * that stand at one checkpoint together: one read, one load and one transaction for all of them.
 */
export class ProjectionRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | null = null;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly minBatchIntervalMs: number;

  constructor(
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    readonly projections: Projection[],
    private readonly lease: Lease,
    private readonly options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 5000;
    this.idleMs = options.idleMs ?? 200;
    this.minBatchIntervalMs = options.minBatchIntervalMs ?? 25;
  }

  /** Applies one batch (no event past `until`, when given); returns how many events it applied (0 = caught up). */
  async runBatch(projection: Projection, until?: Position): Promise<number> {
    const from = await this.readStore.checkpoint(projection.name);
    // Events come in their current shape: the store upcasts them (withUpcasting, libs/event-store).
    const batch = upTo(await this.events.readAll(from, this.batchSize), until);
    if (batch.length === 0) return 0;
    await this.startIfNew(projection, from);
    const [{ changes }] = await this.prepareOne(projection, batch);
    await this.readStore.commit(projection.name, from, batch[batch.length - 1].position, changes);
    return batch.length;
  }

  /**
   * A projection without a checkpoint starts on an empty slate: a new version of a projection (its
   * name bumped) must not add its replay onto what the previous version left in the same collections.
   */
  private async startIfNew(projection: Projection, from: Position): Promise<void> {
    if (comparePositions(from, START) === 0) await this.readStore.reset(projection.name, projection.collections);
  }

  /**
   * Applies `batch` in memory for each of `projections`: every document they touch is loaded in one
   * query, except those in `inFlight` (as a commit still in flight leaves them; undefined = deleted).
   * Returns each projection's changes, and the changed documents as they now stand. A projection whose
   * `keys` or `apply` throws is left out and listed in `failed`: it holds back no other.
   */
  private async prepare(projections: Projection[], batch: StoredEvent[], inFlight = new Map<string, unknown>()) {
    const failed: { projection: Projection; error: unknown }[] = [];
    const wanted = new Map<string, DocumentKey>();
    const keyed: { projection: Projection; keysByEvent: DocumentKey[][] }[] = [];
    for (const projection of projections) {
      try {
        keyed.push({ projection, keysByEvent: batch.map((event) => projection.keys(event)) });
      } catch (error) {
        failed.push({ projection, error });
      }
    }
    for (const { keysByEvent } of keyed) for (const keys of keysByEvent) for (const k of keys) wanted.set(keyString(k), k);
    const documents = new Map<string, unknown>();
    const toLoad = [...wanted.entries()].filter(([k]) => !inFlight.has(k)).map(([, key]) => key);
    for (const doc of await this.readStore.getMany(toLoad)) documents.set(keyString(doc), doc.data);
    for (const [k, data] of inFlight) if (wanted.has(k) && data !== undefined) documents.set(k, data);

    // Each projection writes only its own collections, so they share the loaded documents.
    const prepared: { projection: Projection; changes: DocumentChange[] }[] = [];
    const changed = new Map<string, unknown>();
    for (const { projection, keysByEvent } of keyed) {
      const changes = new Map<string, DocumentChange>();
      const set: DocumentSet = {
        get: <T>(key: DocumentKey) => (documents.get(keyString(key)) as T | undefined) ?? null,
        put: (key, data) => {
          documents.set(keyString(key), data);
          changes.set(keyString(key), { kind: 'put', key, data });
        },
        delete: (key) => {
          documents.delete(keyString(key));
          changes.set(keyString(key), { kind: 'delete', key });
        },
      };
      try {
        batch.forEach((event, i) => {
          if (keysByEvent[i].length) projection.apply(event, set);
        });
      } catch (error) {
        failed.push({ projection, error });
        continue;
      }
      prepared.push({ projection, changes: [...changes.values()] });
      for (const [k, change] of changes) changed.set(k, change.kind === 'put' ? change.data : undefined);
    }
    return { prepared, failed, changed };
  }

  /** `prepare` for one projection, which throws what its `keys` or `apply` threw. */
  private async prepareOne(projection: Projection, batch: StoredEvent[], inFlight?: Map<string, unknown>) {
    const { prepared, failed, changed } = await this.prepare([projection], batch, inFlight);
    if (failed.length) throw failed[0].error;
    return [prepared[0], changed] as const;
  }

  /**
   * Applies batches until no event is left (or `until` is reached); returns the number of events applied.
   * Pipelined: while one batch commits, the next is read and applied, with the documents the commit
   * in flight changes taken from memory (it cannot be changing any other). A batch's commit starts
   * only once the one before has succeeded, from the checkpoint that one set: after a failed commit
   * no later one is started (and its compare-and-set would refuse it), so nothing is applied twice
   * or skipped.
   */
  async catchUp(projection: Projection, until?: Position): Promise<number> {
    let from = await this.readStore.checkpoint(projection.name);
    let total = 0;
    let inFlight: Promise<void> = Promise.resolve();
    let inFlightChanged = new Map<string, unknown>();
    try {
      for (let first = true, more = true; more; first = false) {
        const read = await this.events.readAll(from, this.batchSize);
        const batch = upTo(read, until);
        if (batch.length === 0) break;
        more = batch.length === read.length; // else `until` cut this batch: nothing after it is wanted
        if (first) await this.startIfNew(projection, from);
        const [{ changes }, changed] = await this.prepareOne(projection, batch, inFlightChanged);
        await inFlight;
        const to = batch[batch.length - 1].position;
        inFlight = this.readStore.commit(projection.name, from, to, changes);
        inFlight.catch(() => undefined); // awaited at the next batch or below: not an unhandled rejection meanwhile
        [from, inFlightChanged, total] = [to, changed, total + batch.length];
      }
    } catch (error) {
      await inFlight.catch(() => undefined); // settle it, but report what stopped the loop
      throw error;
    }
    await inFlight;
    return total;
  }

  async catchUpAll(): Promise<void> {
    for (const projection of this.projections) await this.catchUp(projection);
  }

  /**
   * Blue/green rebuild: replays every event into a new generation of the projection's documents while
   * the live generation keeps serving (and a running instance keeps updating it), then switches to the
   * new one in one transaction. Needs no lease: the switch makes a live runner's in-flight batch fail
   * its checkpoint check, and the runner carries on from the new generation's checkpoint.
   */
  async rebuild(projection: Projection): Promise<number> {
    const next = generationOf(projection, REBUILT);
    await this.readStore.reset(next.name, next.collections);
    const events = await this.catchUp(next);
    if (events === 0) await this.readStore.reset(projection.name, projection.collections); // no events at all: nothing to show
    else await this.readStore.swap(storageOf(projection), storageOf(next));
    return events;
  }

  /**
   * Replays every event into a scratch generation up to the live checkpoint and compares the two as of
   * that position: no differences means the live documents are what the events say. The scratch copy
   * is dropped afterwards. While events keep arriving it catches up and compares again, a few times.
   */
  async check(projection: Projection, limit = 20): Promise<{ at: Position; differences: DocumentDifference[] }> {
    const scratch = generationOf(projection, CHECKED);
    await this.readStore.reset(scratch.name, scratch.collections);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const at = await this.readStore.checkpoint(projection.name);
        if (comparePositions(at, START) === 0) throw new Error(`${projection.name} has not applied any event yet: nothing to check`);
        await this.catchUp(scratch, at);
        const differences = await this.readStore.compare(storageOf(projection), storageOf(scratch), limit);
        if (differences) return { at, differences };
      }
      throw new Error(`${projection.name} kept moving while it was compared; run the check again when writes are quieter`);
    } finally {
      await this.readStore.reset(scratch.name, scratch.collections);
    }
  }

  /** True once every projection's checkpoint is at or past `position`. */
  async hasReached(position: Position): Promise<boolean> {
    const checkpoints = await this.readStore.checkpoints(this.projections.map((projection) => projection.name));
    return [...checkpoints.values()].every((checkpoint) => comparePositions(checkpoint, position) >= 0);
  }

  /** True once the named projection has applied every event committed so far. */
  async isCaughtUp(projectionName: string): Promise<boolean> {
    const checkpoint = await this.readStore.checkpoint(projectionName);
    return (await this.events.readAll(checkpoint, 1)).length === 0;
  }

  /**
   * Polls `reached` (nudging the runner, every 10 ms) until it holds or `timeoutMs` passes.
   * `waited`: it did not hold at the first look.
   */
  async waitUntil(reached: () => Promise<boolean>, timeoutMs: number): Promise<{ reached: boolean; waited: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (let waited = false; ; waited = true) {
      if (await reached()) return { reached: true, waited };
      if (Date.now() > deadline) return { reached: false, waited };
      this.nudge();
      await sleep(10);
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.leaseLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await Promise.all(this.loops);
    await this.lease.release();
  }

  /** Wakes idle loops now (called after an append in this process). */
  nudge(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async leaseLoop(): Promise<void> {
    while (this.running) {
      if (!(await this.lease.tryAcquire().catch(() => false))) {
        await this.idle(2000);
        continue;
      }
      const started = Date.now();
      const { applied, failures } = await this.round();
      if (failures > 0) await sleep(500);
      else if (applied === 0) await this.idle(this.idleMs);
      else await sleep(Math.max(0, this.minBatchIntervalMs - (Date.now() - started)));
    }
  }

  /**
   * One round of the running loop. Projections that stand at one checkpoint form a group (normally
   * all of them are one) and move together. A lone group runs through every event after it. Several
   * groups (after a failure, a rebuild's switch, a new projection) each take one batch a round, so
   * none waits for another's whole catch-up; one behind goes no further than the next group's
   * checkpoint and joins that group there. Returns the events applied and the failures reported.
   */
  private async round(): Promise<{ applied: number; failures: number }> {
    let applied = 0;
    let failures = 0;
    const fail = (projections: string, error: unknown) => {
      failures++;
      try {
        this.options.onError?.(projections, error);
      } catch {
        // a failing error handler must not stop the loop
      }
    };
    try {
      const checkpoints = await this.readStore.checkpoints(this.projections.map((projection) => projection.name));
      const byPosition = new Map<string, { from: Position; projections: Projection[] }>();
      for (const projection of this.projections) {
        const from = checkpoints.get(projection.name)!;
        const at = formatPosition(from);
        if (byPosition.has(at)) byPosition.get(at)!.projections.push(projection);
        else byPosition.set(at, { from, projections: [projection] });
      }
      const groups = [...byPosition.values()].sort((a, b) => comparePositions(a.from, b.from));
      let joining: Projection[] = [];
      for (const [i, { from, projections }] of groups.entries()) {
        const next = groups[i + 1]?.from;
        const members = [...joining, ...projections];
        joining = [];
        try {
          const moved = await this.advance(members, from, fail, groups.length > 1 ? { until: next, batches: 1 } : undefined);
          applied += moved.applied;
          if (next && comparePositions(moved.at, next) === 0) joining = moved.members;
        } catch (error) {
          fail(members.map((projection) => projection.name).join(', '), error);
        }
      }
    } catch (error) {
      fail('(checkpoints)', error);
    }
    return { applied, failures };
  }

  /**
   * Moves projections that stand at `from` together through the events after it (at most `limit`'s
   * batches, and to no event past its `until`): per batch one read, one load of their documents and
   * one transaction for all their changes and checkpoints (ReadStore.commitAll). Pipelined as
   * `catchUp` is: while one batch commits, the next is read and applied. A projection that fails
   * drops out, to be retried from its own checkpoint next round. Returns where the rest now stand.
   */
  private async advance(
    projections: Projection[],
    from: Position,
    fail: (projection: string, error: unknown) => void,
    limit?: { until?: Position; batches: number },
  ): Promise<{ applied: number; at: Position; members: Projection[] }> {
    let members = projections;
    let applied = 0;
    let inFlight: Promise<Set<string>> = Promise.resolve(new Set());
    let inFlightChanged = new Map<string, unknown>();
    try {
      for (let batches = 0, more = true; more && members.length > 0 && this.running && this.lease.held; batches++) {
        const read = await this.events.readAll(from, this.batchSize);
        const batch = upTo(read, limit?.until);
        if (batch.length === 0) break;
        more = read.length === this.batchSize && batch.length === read.length && batches + 1 < (limit?.batches ?? Infinity);
        // Checkpoints were read at the start of the round: a rebuild may have switched one in since.
        if (batches === 0 && comparePositions(from, START) === 0) {
          const now = await this.readStore.checkpoints(members.map((projection) => projection.name));
          for (const projection of members) await this.startIfNew(projection, now.get(projection.name)!);
        }
        const { prepared, failed, changed } = await this.prepare(members, batch, inFlightChanged);
        for (const { projection, error } of failed) fail(projection.name, error);
        // The batch before must have committed first: a projection whose commit failed stays where it was.
        const notCommitted = await inFlight;
        const committing = prepared.filter(({ projection }) => !notCommitted.has(projection.name));
        const to = batch[batch.length - 1].position;
        inFlight = this.commitTogether(
          committing.map(({ projection, changes }) => ({ projection: projection.name, from, to, changes })),
          fail,
        );
        members = committing.map(({ projection }) => projection);
        [from, inFlightChanged, applied] = [to, changed, applied + batch.length];
      }
    } finally {
      const notCommitted = await inFlight; // never rejects: its failures are reported
      members = members.filter((projection) => !notCommitted.has(projection.name));
    }
    return { applied, at: from, members };
  }

  /**
   * Commits batches of projections that moved together, in one transaction. If that fails with more
   * than one in it, each commits on its own, so that one projection's failure (a checkpoint a rebuild
   * switched, a document the store refuses) holds back only itself. Never rejects: resolves to the
   * projections whose batch was not committed, each reported.
   */
  private async commitTogether(batches: ProjectionBatch[], fail: (projection: string, error: unknown) => void): Promise<Set<string>> {
    const notCommitted = new Set<string>();
    if (batches.length === 0) return notCommitted;
    try {
      await this.readStore.commitAll(batches);
      return notCommitted;
    } catch (error) {
      fail(batches.map((batch) => batch.projection).join(', '), error);
      if (batches.length === 1) return new Set([batches[0].projection]);
    }
    for (const { projection, from, to, changes } of batches) {
      try {
        await this.readStore.commit(projection, from, to, changes);
      } catch (error) {
        fail(projection, error);
        notCommitted.add(projection);
      }
    }
    return notCommitted;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * The same projection writing under other names (collection and checkpoint + `suffix`): a generation
 * built beside the live one. It declares no indexes: it is written in bulk, and after a switch the
 * live collection's indexes cover its documents.
 */
export function generationOf(projection: Projection, suffix: string): Projection {
  const rename = (key: DocumentKey): DocumentKey => ({ ...key, collection: `${key.collection}${suffix}` });
  return {
    name: `${projection.name}${suffix}`,
    collections: projection.collections.map((collection) => `${collection}${suffix}`),
    keys: (event) => projection.keys(event).map(rename),
    apply: (event, documents) =>
      projection.apply(event, {
        get: (key) => documents.get(rename(key)),
        put: (key, data) => documents.put(rename(key), data),
        delete: (key) => documents.delete(rename(key)),
      }),
  };
}

/** The events up to `until` (all of them without one). */
function upTo(events: StoredEvent[], until?: Position): StoredEvent[] {
  return until ? events.filter((event) => comparePositions(event.position, until) <= 0) : events;
}

function storageOf(projection: Projection): ProjectionStorage {
  return { projection: projection.name, collections: projection.collections };
}
