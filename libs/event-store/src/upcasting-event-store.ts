import { AppendResult, CommandReceipt, EventStore, Position, StoredEvent, StreamWrite } from './event-store.port';

/**
 * Lifts an event's data from the schema version it was stored at to the current shape of its type
 * (the domain's `upcast`). The store knows no event types: the function is plugged in at composition.
 */
export type Upcaster = (type: string, schemaVersion: number, data: unknown) => unknown;

/**
 * An event store whose readers see every event in its current shape: `readStream` and `readAll`
 * return the inner store's events with their data upcast. `schemaVersion` stays the stored one (what
 * was written); stored events are never rewritten. Appends pass through unchanged. Wrap a store once:
 * upcasters are not meant to run twice on the same data.
 */
export class UpcastingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly upcast: Upcaster,
  ) {}

  append(writes: StreamWrite[], receipt?: CommandReceipt): Promise<AppendResult> {
    return this.inner.append(writes, receipt);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    return (await this.inner.readStream(streamId)).map((event) => this.lift(event));
  }

  async readStreams(streamIds: string[]): Promise<Map<string, StoredEvent[]>> {
    const read = await this.inner.readStreams(streamIds);
    return new Map([...read].map(([streamId, events]) => [streamId, events.map((event) => this.lift(event))]));
  }

  async readAll(after: Position, limit: number): Promise<StoredEvent[]> {
    return (await this.inner.readAll(after, limit)).map((event) => this.lift(event));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private lift(event: StoredEvent): StoredEvent {
    return { ...event, data: this.upcast(event.type, event.schemaVersion, event.data) };
  }
}

/** `store`, with every event it reads upcast (see UpcastingEventStore). */
export function withUpcasting(store: EventStore, upcast: Upcaster): EventStore {
  return new UpcastingEventStore(store, upcast);
}
