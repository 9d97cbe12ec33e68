import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { APP_CONFIG, SYSTEM_POOL } from '../tokens';
import { DeliveryPlanner } from './delivery-planner';
import { WebhookDispatcher } from './webhook-dispatcher';

const INTERVAL = 'outbound-webhooks';

/**
 * Plans and sends webhooks on an interval, only on the instance holding the `outbound-webhooks` lease
 * (with the scheduler on). Tests turn the scheduler off and call `runOnce` with a moved clock.
 */
@Injectable()
export class WebhookScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookScheduler');
  private readonly lease: PostgresAdvisoryLease;
  private running = false;

  constructor(
    private readonly planner: DeliveryPlanner,
    private readonly dispatcher: WebhookDispatcher,
    private readonly registry: SchedulerRegistry,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.lease = new PostgresAdvisoryLease(pool, 'outbound-webhooks');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runScheduler) return;
    this.registry.addInterval(INTERVAL, setInterval(() => void this.tick(), this.config.webhooks.intervalMs));
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', INTERVAL)) this.registry.deleteInterval(INTERVAL);
    await this.lease.release();
  }

  /** One round: plan what the log holds, then send what is due. */
  async runOnce(): Promise<{ planned: number; sent: number }> {
    const planned = await this.planner.catchUp();
    const sent = await this.dispatcher.dispatchDue();
    return { planned, sent };
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (await this.lease.tryAcquire()) await this.runOnce();
    } catch (error) {
      this.logger.error(`Outbound webhooks round failed: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
