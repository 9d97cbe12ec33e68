/**
 * In-process locks keyed by stream id: units of work on the same stream in one process queue here
 * instead of racing each other into optimistic-concurrency conflicts (ADR 0015). A holder of several
 * keys takes them in sorted order, so two holders never wait for each other. The lock only orders
 * this process; other processes are met by the executor's backoff.
 */
export class StreamLocks {
  /** Per key, the promise that resolves when the last waiter in line has released it. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Waits for every key (deduplicated, in sorted order); returns the function that releases them, or
   * null when they were not all free within `timeoutMs` (then none is held). The bound keeps a queue
   * behind a holder stuck on a slow database from waiting longer than the database's own timeouts.
   */
  acquire(keys: Iterable<string>): Promise<() => void>;
  acquire(keys: Iterable<string>, timeoutMs: number): Promise<(() => void) | null>;
  async acquire(keys: Iterable<string>, timeoutMs = Infinity): Promise<(() => void) | null> {
    const deadline = performance.now() + timeoutMs;
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) {
      const release = await this.acquireOne(key, deadline);
      if (!release) {
        for (const held of releases.reverse()) held();
        return null;
      }
      releases.push(release);
    }
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

  private async acquireOne(key: string, deadline: number): Promise<(() => void) | null> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    const releaseMine = () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      previous.then(() => false),
      ...(deadline === Infinity ? [] : [new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline - performance.now()))))]),
    ]);
    clearTimeout(timer);
    if (!timedOut) return releaseMine;
    // Given up: pass the turn on as soon as it comes, so the waiters behind are not held up.
    void previous.then(releaseMine);
    return null;
  }
}
