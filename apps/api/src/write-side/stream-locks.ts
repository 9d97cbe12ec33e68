/**
 * In-process locks keyed by stream id: units of work on the same stream in one process queue here
 * instead of racing each other into optimistic-concurrency conflicts (ADR 0015). A holder of several
 * keys takes them in sorted order, so two holders never wait for each other. The lock only orders
 * this process; other processes are met by the executor's backoff.
 */
export class StreamLocks {
  /** Per key, the promise that resolves when the last waiter in line has released it. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for every key (deduplicated, in sorted order); returns the function that releases them. */
  async acquire(keys: Iterable<string>): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.acquireOne(key));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  /** How many keys are held or waited for (for tests: the map must not grow without end). */
  get size(): number {
    return this.tails.size;
  }

  private async acquireOne(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
