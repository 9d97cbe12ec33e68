import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { APP_CONFIG, Clock, CLOCK, SYSTEM_POOL } from '../tokens';
import { BusyCalendarStore } from './busy-calendar-store';
import { CalendarRefresher, RefreshOutcome } from './calendar-refresher';

const INTERVAL = 'busy-calendars';
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
  private readonly lease: PostgresAdvisoryLease;
  private running = false;

  constructor(
    private readonly store: BusyCalendarStore,
    private readonly refresher: CalendarRefresher,
    private readonly registry: SchedulerRegistry,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.lease = new PostgresAdvisoryLease(pool, 'busy-calendars');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runScheduler) return;
    // Checked every minute (at most the refresh interval): each calendar is due PUNCHCARD_CALENDARS_INTERVAL_MS after its last fetch.
    this.registry.addInterval(INTERVAL, setInterval(() => void this.tick(), Math.min(60_000, this.config.calendars.intervalMs)));
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', INTERVAL)) this.registry.deleteInterval(INTERVAL);
    await this.lease.release();
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

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (await this.lease.tryAcquire()) await this.runOnce();
    } catch (error) {
      this.logger.error(`Busy calendars round failed: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
