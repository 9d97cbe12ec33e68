import { Inject, Injectable } from '@nestjs/common';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { CURRENT_SCHEMA_VERSION, DomainEvent } from '@punchcard/domain';
import { EventStore, Position, WrongExpectedVersionError } from '@punchcard/event-store';
import { ProjectionRunner } from '@punchcard/projection-runner';
import { ApiError } from '../http/problem';
import { Clock, CLOCK, EVENT_STORE, PROJECTION_RUNNER } from '../tokens';
import { CommandContext } from './command-context';

export interface StreamDecider<S, E extends DomainEvent> {
  initialState: S;
  evolve(state: S, event: E): S;
}

export interface Decided<S> {
  state: S;
  /** Events appended by this call (empty if nothing changed or the command was a replay). */
  events: DomainEvent[];
  /** Position of the stream's newest event, for read-your-writes. Null for a stream with no events. */
  position: Position | null;
}

const EVENT_ID_NAMESPACE = '6f1c2b9e-3f57-4c8e-9a0e-2d7f1b5a8c31';
const MAX_ATTEMPTS = 10;

/**
 * Runs a command against one stream: read, fold, decide, append at the version read; on a
 * concurrent write, read again and decide again. The stream must belong to the caller's tenant.
 * Under an idempotency key the event ids are derived from the key, and a stream that already holds
 * events from that key answers with its state instead of deciding again (a retry after a crash).
 */
@Injectable()
export class StreamExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async load<S, E extends DomainEvent>(streamId: string, tenantId: string, decider: StreamDecider<S, E>) {
    const stored = await this.eventStore.readStream(streamId);
    // Another tenant's stream is indistinguishable from a missing one.
    const visible = stored.length && stored[0].metadata.tenantId === tenantId ? stored : [];
    const state = visible.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);
    return { state, stored: visible };
  }

  async execute<S, E extends DomainEvent>(
    streamId: string,
    decider: StreamDecider<S, E>,
    context: CommandContext,
    decide: (state: S, now: string) => E[],
  ): Promise<Decided<S>> {
    for (let attempt = 1; ; attempt++) {
      const { state, stored } = await this.load(streamId, context.tenantId, decider);
      const last = stored.at(-1);
      if (context.idempotencyKey && stored.some((e) => e.metadata.idempotencyKey === context.idempotencyKey)) {
        return { state, events: [], position: last?.position ?? null };
      }
      // Business time never runs backwards within a stream, so as-of reads follow stream order.
      const clockNow = this.clock.now().toISOString();
      const now = last && last.metadata.occurredAt > clockNow ? last.metadata.occurredAt : clockNow;
      const events = decide(state, now);
      if (events.length === 0) return { state, events: [], position: last?.position ?? null };
      try {
        const result = await this.eventStore.append([
          { streamId, expectedVersion: stored.length, events: toNewEvents(context, streamId, stored.length, events, now) },
        ]);
        this.runner.nudge();
        return { state: events.reduce(decider.evolve, state), events, position: result.lastPosition };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new ApiError(409, 'concurrency_conflict', 'The resource kept changing while this command ran; retry it.');
        }
      }
    }
  }
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
      causationId: null,
      idempotencyKey: context.idempotencyKey,
      occurredAt: now,
    },
  }));
}
