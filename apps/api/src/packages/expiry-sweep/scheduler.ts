import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { Config } from '@punchcard/platform';
import { APP_CONFIG, SYSTEM_POOL } from '../../tokens';
import { ExpirySweep } from './expiry-sweep';

/** Runs the expiry sweep on an interval, only on the instance holding the scheduler lease. */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly loop: LeasedInterval;

  constructor(
    private readonly sweep: ExpirySweep,
    // The lease is the system pool's like every other job's: the tenant pool hands out connections only
    // acting for a tenant (ADR 0027), and a lease acts for none.
    @Inject(SYSTEM_POOL) systemPool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(systemPool, 'scheduler'), {
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
