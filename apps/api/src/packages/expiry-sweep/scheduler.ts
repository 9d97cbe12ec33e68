import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Pool } from 'pg';
import { PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { Config } from '@punchcard/platform';
import { APP_CONFIG, PG_POOL } from '../../tokens';
import { ExpirySweep } from './expiry-sweep';

/** Runs the expiry sweep on an interval, only on the instance holding the scheduler lease. */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly lease: PostgresAdvisoryLease;
  private running = false;

  constructor(
    private readonly sweep: ExpirySweep,
    private readonly registry: SchedulerRegistry,
    @Inject(PG_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.lease = new PostgresAdvisoryLease(pool, 'scheduler');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runScheduler) return;
    this.registry.addInterval('expiry-sweep', setInterval(() => void this.tick(), this.config.expirySweepIntervalMs));
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', 'expiry-sweep')) this.registry.deleteInterval('expiry-sweep');
    await this.lease.release();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (await this.lease.tryAcquire()) await this.sweep.run();
    } catch (error) {
      this.logger.error(`Expiry sweep failed: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
