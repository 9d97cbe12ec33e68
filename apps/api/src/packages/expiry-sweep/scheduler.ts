import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { Config } from '@punchcard/platform';
import { APP_CONFIG, PG_POOL } from '../../tokens';
import { ExpirySweep } from './expiry-sweep';

/** Runs the expiry sweep on an interval, only on the instance holding the scheduler lease. */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly loop: LeasedInterval;

  constructor(
    private readonly sweep: ExpirySweep,
    @Inject(PG_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(pool, 'scheduler'), {
      intervalMs: config.expirySweepIntervalMs,
      tick: () => this.sweep.run(),
      logger: this.logger,
      failure: 'Expiry sweep failed',
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runScheduler) this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
