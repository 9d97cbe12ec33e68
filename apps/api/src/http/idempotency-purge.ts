import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { LeasedInterval, PostgresAdvisoryLease } from '@punchcard/projection-runner';
import { APP_CONFIG, SYSTEM_POOL } from '../tokens';

/** Rows deleted per statement, so a large backlog never holds one long transaction. */
const BATCH = 1_000;
const INTERVAL_MS = 15 * 60_000;

/**
 * Deletes idempotency records older than PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS (default 24), across
 * tenants as `punchcard_system`, BATCH rows per statement until none are left. Runs at startup and
 * every 15 minutes where the scheduler runs, on the instance holding the `idempotency-purge` lease.
 * A record still locked by a running request is kept. A key reused after its record is gone is a
 * new request (its ids and command id derive from the new first-seen time).
 */
@Injectable()
export class IdempotencyPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IdempotencyPurge');
  private readonly loop: LeasedInterval;

  constructor(
    @Inject(SYSTEM_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {
    this.loop = new LeasedInterval(new PostgresAdvisoryLease(pool, 'idempotency-purge'), {
      intervalMs: INTERVAL_MS,
      tick: async () => {
        const deleted = await this.run();
        if (deleted) this.logger.log(`Purged ${deleted} idempotency record(s)`);
      },
      logger: this.logger,
      failure: 'Idempotency purge failed',
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runScheduler) this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Returns how many records it deleted. */
  async run(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM idempotency_keys
           WHERE created_at < now() - $1 * interval '1 hour' AND (locked_until IS NULL OR locked_until < now())
           LIMIT $2)`,
        [this.config.idempotencyRetentionHours, BATCH],
      );
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < BATCH) return deleted;
    }
  }
}
