import { Inject, Injectable } from '@nestjs/common';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { CURRENT_SCHEMA_VERSION, DomainError, DomainEvent, Evolver } from '@punchcard/domain';
import { CommandReceipt, EventStore, Position, StoredEvent, WrongExpectedVersionError } from '@punchcard/event-store';
import { ProjectionRunner } from '@punchcard/projection-runner';
import { ApiError } from '../http/problem';
import { POSITION_HEADER } from '../http/read-your-writes';
import { APP_CONFIG, Clock, CLOCK, EVENT_STORE, PROJECTION_RUNNER } from '../tokens';
import type { Config } from '@punchcard/platform';
import { CommandContext } from './command-context';
import { StreamCache } from './stream-cache';
import { StreamLocks } from './stream-locks';

const EVENT_ID_NAMESPACE = '6f1c2b9e-3f57-4c8e-9a0e-2d7f1b5a8c31';

/** A stream as a tenant sees it. The store returns events already upcast (withUpcasting). */
export interface TenantStream {
  /** The tenant's events; none if the stream belongs to another tenant. */
  visible: StoredEvent[];
  /** The stream's version in the store (its events of every tenant). */
  version: number;
}

/** One read (`readStream`). Another tenant's stream is indistinguishable from a missing one. */
export async function readTenantStream(eventStore: EventStore, streamId: string, tenantId: string): Promise<TenantStream> {
  return tenantView(await eventStore.readStream(streamId), tenantId);
}

function tenantView(stored: StoredEvent[], tenantId: string): TenantStream {
  return { visible: stored.length && stored[0].metadata.tenantId === tenantId ? stored : [], version: stored.length };
}

export function fold<S, E extends DomainEvent>(decider: Evolver<S, E>, events: StoredEvent[]): S {
  return events.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);
}

export interface LoadedStream<S> {
  state: S;
  version: number;
  /** The stream already holds events of this command under its idempotency key (a retry). */
  seenKey: boolean;
  /** Position of the stream's last event (null for a stream with no events of this tenant). */
  position: Position | null;
}

/**
 * One attempt at a command over one or several streams: load what the decision needs, stage each
 * stream's new events, and let the executor append them all in one atomic write, each at the
 * version it was read at. Streams only read (configuration such as the schedule, the offering, the
 * packages a booking weighed) are asserted in the same append: if one moved, the append conflicts
 * and the decision runs again on fresh reads.
 */
export class UnitOfWork {
  private readonly versions = new Map<string, number>();
  private readonly staged = new Map<string, DomainEvent[]>();
  private readonly foreign = new Set<string>();
  private readonly reads = new Map<string, Promise<StoredEvent[]>>();
  /** Each stream as read (every tenant's events), to extend the cache after the append. */
  private readonly stored = new Map<string, StoredEvent[]>();
  private latestOccurredAt = '';
  private answer: (() => unknown) | null = null;
  /** Whether a stream came from the cache, so this unit's outcome must be checked against the store. */
  readFromCache = false;

  constructor(
    private readonly eventStore: EventStore,
    readonly context: CommandContext,
    private readonly clockNow: string,
    /** null: read every stream from the store. */
    private readonly cache: StreamCache | null = null,
  ) {}

  /** Business time of the decision: the clock, but never before an event of a stream it read. */
  get now(): string {
    return this.latestOccurredAt > this.clockNow ? this.latestOccurredAt : this.clockNow;
  }

  /**
   * Reads a stream once per unit: a second load returns the same events, so a decision never
   * mixes two versions of one stream (its expected version stays the one it decided on).
   */
  async load<S, E extends DomainEvent>(streamId: string, decider: Evolver<S, E>): Promise<LoadedStream<S>> {
    if (!this.reads.has(streamId)) this.reads.set(streamId, this.read(streamId)); // concurrent loads share one read
    const visible = await this.reads.get(streamId)!;
    const last = visible.at(-1);
    if (last && last.metadata.occurredAt > this.latestOccurredAt) this.latestOccurredAt = last.metadata.occurredAt;
    return {
      state: fold(decider, visible),
      version: this.versions.get(streamId)!,
      seenKey: this.context.idempotencyKey !== null && visible.some((e) => this.sameCommand(e)),
      position: last?.position ?? null,
    };
  }

  /**
   * An event of this command (or of an earlier attempt at it): same key and same causation. Events
   * recorded before causation ids were set (null) are matched by the key alone.
   */
  private sameCommand(event: StoredEvent): boolean {
    const { idempotencyKey, causationId } = event.metadata;
    return idempotencyKey === this.context.idempotencyKey && (causationId === null || causationId === this.context.causationId);
  }

  /**
   * Reads streams the decision is about to load in one round trip instead of one each (a later `load`
   * of them waits for this read). Only for streams it will load: every stream read is asserted by the append.
   */
  prefetch(streamIds: string[]): void {
    const missing = [...new Set(streamIds)].filter((id) => !this.reads.has(id) && !this.cache?.get(id));
    if (missing.length < 2) return;
    const batch = this.eventStore.readStreams(missing);
    for (const id of missing) {
      const read = batch.then((streams) => this.track(id, streams.get(id) ?? [], false));
      read.catch(() => undefined); // a load awaits it and sees the error; one never loaded must not be an unhandled rejection
      this.reads.set(id, read);
    }
  }

  private async read(streamId: string): Promise<StoredEvent[]> {
    const cached = this.cache?.get(streamId);
    if (cached) return this.track(streamId, cached, true);
    return this.track(streamId, await this.eventStore.readStream(streamId), false);
  }

  /** Notes the version read (the append's expectation) and whether the stream is another tenant's. */
  private track(streamId: string, stored: StoredEvent[], cached: boolean): StoredEvent[] {
    if (cached) this.readFromCache = true;
    else this.cache?.put(streamId, stored);
    this.stored.set(streamId, stored);
    const { visible, version } = tenantView(stored, this.context.tenantId);
    this.versions.set(streamId, version);
    if (version > visible.length) this.foreign.add(streamId);
    return visible;
  }

  /** Stages events for a stream this unit loaded (its read version is the expected version). */
  stage(streamId: string, events: DomainEvent[]): void {
    if (events.length === 0) return;
    if (!this.versions.has(streamId)) throw new Error(`Stream ${streamId} was not loaded before staging`);
    if (this.foreign.has(streamId)) throw new Error(`Stream ${streamId} belongs to another tenant`);
    this.staged.set(streamId, [...(this.staged.get(streamId) ?? []), ...events]);
  }

  /**
   * Whether a stream this unit read has been written since. Streams are read one after another, so a
   * concurrent command can land between two reads: a refusal decided on such a torn read is not final.
   * One stream is read in one statement and cannot be torn: then nothing is read again.
   */
  async anyStreamMoved(): Promise<boolean> {
    if (this.versions.size < 2) return false;
    const current = await Promise.all([...this.versions].map(async ([streamId, version]) => (await this.eventStore.readStream(streamId)).length !== version));
    return current.some(Boolean);
  }

  /**
   * The request's answer if what was staged is appended: rendered just before the append, so a route
   * that records its answer with its append (ADR 0028) stores exactly what it will send.
   */
  answerWith(render: () => unknown): void {
    this.answer = render;
  }

  /** The receipt to append with the staged events (ADR 0028), or none if the request has none. */
  receipt(): CommandReceipt | undefined {
    const pending = this.context.receipt;
    if (!pending) return undefined;
    // Programming errors: the route promised one append carrying its answer.
    if (pending.recorded) throw new Error('A request recorded with its append must append once');
    if (!this.answer) throw new Error('A request recorded with its append must render its answer before appending');
    const body = this.answer();
    return {
      scope: pending.scope,
      key: pending.key,
      requestHash: pending.requestHash,
      status: pending.status,
      body: body === undefined ? null : JSON.stringify(body),
      headers: pending.headers(),
      positionHeader: POSITION_HEADER.toLowerCase(),
    };
  }

  /** After the append: the cache holds the written streams as they now stand. */
  remember(appended: StoredEvent[]): void {
    if (!this.cache) return;
    for (const [streamId, read] of this.stored) {
      const mine = appended.filter((e) => e.streamId === streamId);
      if (mine.length) this.cache.extend(streamId, read, this.versions.get(streamId)!, mine);
    }
  }

  /** Drops what this unit read from the cache (after a conflict, or before checking an outcome against the store). */
  forgetReads(): void {
    for (const streamId of this.stored.keys()) this.cache?.forget(streamId);
  }

  /**
   * The staged streams with their new events, plus every stream loaded but not staged as an
   * assertion (no events: it must still be at the version read). Nothing staged: no writes.
   */
  writes() {
    if (this.staged.size === 0) return [];
    const now = this.now;
    // In stream-id order, so two appends over the same streams take their locks in the same order.
    return [...this.versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([streamId, expectedVersion]) => {
      const events = this.staged.get(streamId) ?? [];
      return { streamId, expectedVersion, events: toNewEvents(this.context, streamId, expectedVersion, events, now) };
    });
  }
}

/** Conflicts are retried for this long (from when the unit holds its stream locks), then answered 409. */
const RETRY_BUDGET_MS = 5_000;
/** And at most this many attempts, whatever the clock says. */
const MAX_ATTEMPTS = 200;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 250;

/**
 * The write path. Runs `work` and appends what it staged in one (multi-stream) append; if any staged
 * stream moved in the meantime, runs `work` again from fresh reads (optimistic concurrency). Nothing
 * staged: nothing is appended and the position is null.
 *
 * Contention (ADR 0015): units on the same stream queue in this process on a per-stream lock, taken
 * up front for the streams the caller names (a single-stream command) and, for a unit that does not
 * name them, after its first conflict on the streams it stages (sorted, so holders never deadlock).
 * A conflict while holding the locks comes from another process: retry after a backoff with full
 * jitter, for up to RETRY_BUDGET_MS; then `409 concurrency_conflict`.
 */
@Injectable()
export class UnitOfWorkExecutor {
  private readonly locks = new StreamLocks();
  private readonly cache: StreamCache | null;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: Config,
  ) {
    this.cache = config.streamCache ? new StreamCache() : null;
  }

  async run<R>(context: CommandContext, work: (unit: UnitOfWork) => Promise<R>, lockStreams: string[] = []): Promise<{ result: R; position: Position | null }> {
    // Bounded: behind a holder stuck on a slow database, go on unlocked and meet the database's own timeouts.
    let release = lockStreams.length ? await this.locks.acquire(lockStreams, RETRY_BUDGET_MS) : null;
    let deadline = performance.now() + RETRY_BUDGET_MS;
    const mayRetry = (attempt: number) => attempt < MAX_ATTEMPTS && performance.now() < deadline;
    let retries = 0;
    try {
      // The stream cache is version-checked by every append; an outcome with nothing appended is checked by running once more without it.
      let cache = this.cache;
      for (let attempt = 1; ; attempt++) {
        const unit = new UnitOfWork(this.eventStore, context, this.clock.now().toISOString(), cache);
        let result: R;
        try {
          result = await work(unit);
        } catch (error) {
          // A refusal (or any error) decided on cached streams is only final once decided on the store's.
          if (unit.readFromCache) {
            unit.forgetReads();
            cache = null;
            continue;
          }
          // A refusal may rest on streams read on either side of a concurrent append: decide again from fresh reads.
          if (error instanceof DomainError && mayRetry(attempt) && (await unit.anyStreamMoved())) {
            await backoff(++retries, deadline);
            continue;
          }
          throw error;
        }
        const writes = unit.writes();
        if (writes.length === 0) {
          if (!unit.readFromCache) return { result, position: null };
          unit.forgetReads();
          cache = null;
          continue;
        }
        try {
          const appended = await this.eventStore.append(writes, unit.receipt());
          if (context.receipt) context.receipt.recorded = true;
          unit.remember(appended.stored);
          this.runner.nudge();
          return { result, position: appended.lastPosition };
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          unit.forgetReads(); // one of them was stale (or moved since): read them from the store next time
          if (!mayRetry(attempt)) throw new ApiError(409, 'concurrency_conflict', 'The resource kept changing while this command ran; retry it.');
          if (release) {
            await backoff(++retries, deadline);
          } else {
            // Queue behind this process's other units on the streams it writes (not those it only asserts: an offering
            // read by every booking would serialise them all); the budget starts once the locks are ours.
            release = await this.locks.acquire(writes.filter((write) => write.events.length > 0).map((write) => write.streamId), RETRY_BUDGET_MS);
            if (release) deadline = performance.now() + RETRY_BUDGET_MS;
            else await backoff(++retries, deadline);
          }
        }
      }
    } finally {
      release?.();
    }
  }
}

/** Exponential backoff with full jitter (a random delay up to 4 ms · 2^(retry-1), at most 250 ms), never past the deadline. */
function backoff(retry: number, deadline: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(retry - 1, 16), Math.max(0, deadline - performance.now()));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Events as the store takes them. Under an idempotency key the ids derive from the key, the stream
 * and the version, so a retried command after a crash writes the same ids (and the store dedupes).
 */
export function toNewEvents(context: CommandContext, streamId: string, fromVersion: number, events: DomainEvent[], now: string) {
  return events.map((event, index) => ({
    eventId: context.idempotencyKey
      ? uuidv5(`${context.tenantId}\n${context.idempotencyKey}\n${streamId}\n${fromVersion + index}`, EVENT_ID_NAMESPACE)
      : uuidv7(),
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type] ?? 1,
    data: event.data,
    metadata: {
      tenantId: context.tenantId,
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.causationId,
      idempotencyKey: context.idempotencyKey,
      occurredAt: now,
    },
  }));
}
