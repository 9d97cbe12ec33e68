import { Lease } from './lease';

export interface LeasedIntervalOptions {
  /** How often to tick (from start). */
  intervalMs: number;
  /** The work; runs only while the lease is held, never twice at once on this instance. */
  tick: () => Promise<unknown>;
  /** Where a failed tick is reported (Nest's Logger fits); the next interval tries again. */
  logger: { error(message: string): void };
  /** The start of the error line, e.g. `Expiry sweep failed` (then `: <error>`). */
  failure: string;
}

/**
 * The kernel of every background job that must run on one instance at a time: an interval whose tick
 * first takes (or keeps) a lease, then runs the job; a tick still running makes the next one a no-op;
 * an error is logged and the next interval tries again; `stop` ends the interval and releases the lease
 * at once so another instance can take over.
 *
 * Use it from a Nest provider, one lease name per job (two jobs under one name would exclude each other):
 *
 * ```ts
 * private readonly loop = new LeasedInterval(new PostgresAdvisoryLease(systemPool, 'calendar-fetch'), {
 *   intervalMs: config.calendarIntervalMs,
 *   tick: () => this.fetchDue(),
 *   logger: this.logger,
 *   failure: 'Calendar fetch failed',
 * });
 * onApplicationBootstrap(): void { if (this.config.runScheduler) this.loop.start(); }
 * onApplicationShutdown(): Promise<void> { return this.loop.stop(); }
 * ```
 *
 * The lease holds a connection of its pool for as long as it is held: size the pool for it. Tests
 * leave the scheduler off and call the job itself (or `runTick`).
 */
export class LeasedInterval {
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any: `stop` waits for it before releasing the lease. */
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly lease: Lease,
    private readonly options: LeasedIntervalOptions,
  ) {}

  /** Ticks now, then every `intervalMs`. Starting twice keeps one interval. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.runTick(), this.options.intervalMs);
    void this.runTick();
  }

  /**
   * Ends the interval, waits for a tick still running, then releases the lease. Waiting matters: a
   * tick taking the lease while `stop` released it would keep the lease's connection checked out, and
   * closing its pool would then wait for ever.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.lease.release();
  }

  /** One tick: skipped while the previous one runs, after `stop`, or when another instance holds the lease. Never throws. */
  runTick(): Promise<void> {
    if (this.running || this.stopped) return Promise.resolve();
    this.running = this.tickOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async tickOnce(): Promise<void> {
    try {
      if (!(await this.lease.tryAcquire())) return;
      if (this.stopped) return; // stopped while acquiring: stop() releases once this returns
      await this.options.tick();
    } catch (error) {
      this.options.logger.error(`${this.options.failure}: ${String(error)}`);
    }
  }
}
