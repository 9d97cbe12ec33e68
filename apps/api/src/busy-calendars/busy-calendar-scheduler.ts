import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { APP_CONFIG, Clock, CLOCK, SYSTEM_POOL } from '../tokens';
import { BusyCalendarStore } from './busy-calendar-store';
import { CalendarRefresher, RefreshOutcome } from './calendar-refresher';

/** Calendars fetched at once: enough to hide slow servers, few enough for a small machine. */
const PARALLEL = 4;
const BATCH = 100;

/**
 * Refreshes every busy calendar not fetched for PUNCHCARD_CALENDARS_INTERVAL_MS, only on the instance
 * holding the `busy-calendars` lease (with the scheduler on). One failing calendar records its error
 * and does not hold up the others. Tests turn the scheduler off and call `runOnce`.
 */
@Injectable()
export class BusyCalendarScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BusyCalendarScheduler');
  private readonly loop: LeasedInterval;

  constructor(
    private readonly store: BusyCalendarStore,
    private readonly refresher: CalendarRefresher,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // Checked every minute (at most the refresh interval): each calendar is due PUNCHCARD_CALENDARS_INTERVAL_MS after its last fetch.
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(pool, 'busy-calendars'), {
      intervalMs: Math.min(60_000, config.calendars.intervalMs),
      tick: () => this.runOnce(),
      logger: this.logger,
      failure: 'Busy calendars round failed',
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runScheduler) this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** One round: every due calendar, PARALLEL at a time. */
  async runOnce(): Promise<Record<RefreshOutcome, number>> {
    const counts: Record<RefreshOutcome, number> = { replaced: 0, not_modified: 0, failed: 0, gone: 0, superseded: 0 };
    const before = new Date(this.clock.now().getTime() - this.config.calendars.intervalMs);
    const seen = new Set<string>();
    for (;;) {
      const due = (await this.store.due(before, BATCH)).filter((row) => !seen.has(row.id));
      if (due.length === 0) return counts;
      for (let i = 0; i < due.length; i += PARALLEL) {
        const outcomes = await Promise.all(
          due.slice(i, i + PARALLEL).map((row) => {
            seen.add(row.id);
            return this.refresher.refresh(row).catch((error) => {
              this.logger.error(`Busy calendar ${row.id} could not be refreshed: ${String(error)}`);
              return 'failed' as const;
            });
          }),
        );
        for (const outcome of outcomes) counts[outcome]++;
      }
    }
  }
}
