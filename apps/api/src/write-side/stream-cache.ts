import { StoredEvent } from '@punchcard/event-store';

/** Events kept in all (about 1 KiB each in memory), least recently used streams dropped first. */
const MAX_EVENTS = 100_000;
/** A longer stream is not kept: it would crowd out hundreds of short ones. */
const MAX_EVENTS_PER_STREAM = 500;

/**
 * The streams this process read or wrote last, as stored (every tenant's events: the unit filters),
 * so a command on a hot stream skips its read (issue 15). An entry may be stale: another process
 * may have appended since. That is safe because the write side never trusts it alone:
 * - every stream a unit read is version-checked by its append, so a stale entry makes the append
 *   conflict, and the unit runs again without the cache;
 * - a unit that read an entry and appended nothing (a refusal, a no-op, a replay) runs again without
 *   the cache before it answers.
 * A stale entry therefore costs a retry, never a wrong decision.
 */
export class StreamCache {
  private readonly streams = new Map<string, StoredEvent[]>();
  private events = 0;

  get(streamId: string): StoredEvent[] | undefined {
    const events = this.streams.get(streamId);
    if (events) {
      // Most recently used last.
      this.streams.delete(streamId);
      this.streams.set(streamId, events);
    }
    return events;
  }

  /** The stream as read from the store. */
  put(streamId: string, events: StoredEvent[]): void {
    this.forget(streamId);
    if (events.length > MAX_EVENTS_PER_STREAM) return;
    this.streams.set(streamId, events);
    this.events += events.length;
    for (const [oldest] of this.streams) {
      if (this.events <= MAX_EVENTS) break;
      this.forget(oldest);
    }
  }

  /** Events this process appended to a stream it read at `fromVersion` (otherwise the entry is dropped). */
  extend(streamId: string, read: StoredEvent[], fromVersion: number, appended: StoredEvent[]): void {
    if (read.length !== fromVersion) return this.forget(streamId);
    this.put(streamId, [...read, ...appended]);
  }

  forget(streamId: string): void {
    const events = this.streams.get(streamId);
    if (!events) return;
    this.streams.delete(streamId);
    this.events -= events.length;
  }

  /** Streams and events kept now. */
  get size(): { streams: number; events: number } {
    return { streams: this.streams.size, events: this.events };
  }
}
