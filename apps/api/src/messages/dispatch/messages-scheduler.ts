import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { Config } from '@punchcard/platform';
import { APP_CONFIG, SYSTEM_POOL } from '../../tokens';
import { MessageDispatcher } from './message-dispatcher';

/** Plans and sends messages on an interval, only on the instance holding the `messages` lease. */
@Injectable()
export class MessagesScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Messages');
  private readonly loop: LeasedInterval;

  constructor(
    private readonly dispatcher: MessageDispatcher,
    @Inject(SYSTEM_POOL) pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(pool, 'messages'), {
      intervalMs: config.messagesIntervalMs,
      tick: () => this.dispatcher.run(),
      logger: this.logger,
      failure: 'Message dispatch failed (retried on the next tick)',
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runScheduler) this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
