import { Inject, Injectable } from '@nestjs/common';
import { DomainEvent, Evolver } from '@punchcard/domain';
import { EventStore, Position } from '@punchcard/event-store';
import { EVENT_STORE } from '../tokens';
import { CommandContext } from './command-context';
import { fold, readTenantStream, UnitOfWorkExecutor } from './unit-of-work';

export interface Decided<S> {
  state: S;
  /** Events appended by this call (empty if nothing changed or the command was a replay). */
  events: DomainEvent[];
  /** Position of the stream's newest event, for read-your-writes. Null for a stream with no events. */
  position: Position | null;
}

/**
 * A command against one stream, run as a unit of work that loads and stages that stream only (one
 * read, one append; on a concurrent write, read and decide again). It holds the stream's in-process
 * lock from the start, so commands on one stream in this process queue instead of conflicting. The
 * stream must belong to the caller's tenant. Under an idempotency key a stream that already holds
 * events of this command answers with its state instead of deciding again (a retry after a crash). Unlike a unit, a command that
 * appends nothing answers with the position of the stream's last event.
 */
@Injectable()
export class StreamExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly units: UnitOfWorkExecutor,
  ) {}

  /** A stream's state and events as the tenant sees them (another tenant's stream reads as empty). */
  async load<S, E extends DomainEvent>(streamId: string, tenantId: string, decider: Evolver<S, E>) {
    const { visible } = await readTenantStream(this.eventStore, streamId, tenantId);
    return { state: fold(decider, visible), stored: visible };
  }

  async execute<S, E extends DomainEvent>(
    streamId: string,
    decider: Evolver<S, E>,
    context: CommandContext,
    decide: (state: S, now: string) => E[],
    /** The request's answer from the new state, for a route that records it with its append (ADR 0028). */
    answer?: (state: S) => unknown,
  ): Promise<Decided<S>> {
    const { result, position } = await this.units.run(context, async (unit) => {
      const loaded = await unit.load(streamId, decider);
      if (loaded.seenKey) return { state: loaded.state, events: [], position: loaded.position };
      // unit.now: business time never runs backwards within a stream, so as-of reads follow stream order.
      const events = decide(loaded.state, unit.now);
      unit.stage(streamId, events);
      const state = events.reduce(decider.evolve, loaded.state);
      if (answer) unit.answerWith(() => answer(state));
      return { state, events, position: loaded.position };
    }, [streamId]);
    // Nothing appended: the position of the stream's last event.
    return { state: result.state, events: result.events, position: position ?? result.position };
  }
}
