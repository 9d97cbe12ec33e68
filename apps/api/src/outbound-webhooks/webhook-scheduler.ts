import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { APP_CONFIG, SYSTEM_POOL } from '../tokens';
import { DeliveryPlanner } from './delivery-planner';
import { WebhookDispatcher } from './webhook-dispatcher';

/**
 * Plans and sends webhooks on an interval, only on the instance holding the `outbound-webhooks` lease
 * (with the scheduler on). Tests turn the scheduler off and call `runOnce` with a moved clock.
 */
@Injectable()
export class WebhookScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookScheduler');
  private readonly loop: LeasedInterval;

  constructor(
    private readonly planner: DeliveryPlanner,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(pool, 'outbound-webhooks'), {
      intervalMs: config.webhooks.intervalMs,
      tick: () => this.runOnce(),
      logger: this.logger,
      failure: 'Outbound webhooks round failed',
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runScheduler) this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** One round: plan what the log holds, then send what is due. */
  async runOnce(): Promise<{ planned: number; sent: number }> {
    const planned = await this.planner.catchUp();
    const sent = await this.dispatcher.dispatchDue();
    return { planned, sent };
  }
}
