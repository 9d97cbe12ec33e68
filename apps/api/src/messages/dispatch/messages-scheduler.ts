import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Pool } from 'pg';
import { PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { Config } from '@punchcard/platform';
import { APP_CONFIG, SYSTEM_POOL } from '../../tokens';
import { MessageDispatcher } from './message-dispatcher';

const INTERVAL = 'message-dispatch';

/** Plans and sends messages on an interval, only on the instance holding the `messages` lease. */
@Injectable()
export class MessagesScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Messages');
  private readonly lease: PostgresAdvisoryLease;
  private running = false;

  constructor(
    private readonly dispatcher: MessageDispatcher,
    private readonly registry: SchedulerRegistry,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.lease = new PostgresAdvisoryLease(pool, 'messages');
  }

  onApplicationBootstrap(): void {
    if (!this.config.runScheduler) return;
    this.registry.addInterval(INTERVAL, setInterval(() => void this.tick(), this.config.messagesIntervalMs));
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', INTERVAL)) this.registry.deleteInterval(INTERVAL);
    await this.lease.release();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (await this.lease.tryAcquire()) await this.dispatcher.run();
    } catch (error) {
      this.logger.error(`Message dispatch failed (retried on the next tick): ${String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
