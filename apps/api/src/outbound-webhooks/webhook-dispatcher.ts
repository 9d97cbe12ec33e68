import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { Config } from '@punchcard/platform';
import { inTransaction } from '@punchcard/postgres';
import { APP_CONFIG, Clock, CLOCK, SYSTEM_POOL } from '../tokens';
import { Resolver, systemResolver } from './destination';
import { afterAttempt, AttemptOutcome, HELD_MAX_AGE_MS, shouldDisable } from './planning';
import { signatureHeader, SIGNATURE_HEADER } from './signature';
import { WebhookEndpoints } from './webhook-endpoints';
import { postWebhook } from './webhook-sender';

/** Overridable in tests (a name that resolves to a private address); the real resolver otherwise. */
export const WEBHOOK_RESOLVER = Symbol('WEBHOOK_RESOLVER');

const BATCH = 20;

interface DueRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempts: number;
  round_start: number;
  manual: boolean;
  url: string;
  secret_ciphertext: Buffer;
}

/**
 * Sends due deliveries (ADR 0024). Each batch is one transaction: the due rows of enabled endpoints
 * are locked (`FOR UPDATE SKIP LOCKED`), called in parallel, and their attempts, next tries and the
 * endpoints' failure counts are written before the commit. A crash before the commit leaves the rows
 * due: they are called again (same event id header) and their attempts recorded once.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger('WebhookDispatcher');

  constructor(
    @Inject(SYSTEM_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOK_RESOLVER) private readonly resolver: Resolver,
    private readonly endpoints: WebhookEndpoints,
  ) {}

  /** Releases held deliveries, then sends batches until nothing is due; returns how many calls it made. */
  async dispatchDue(maxBatches = 50): Promise<number> {
    await this.releaseHeld();
    let sent = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.dispatchBatch();
      sent += n;
      if (n < BATCH) break;
    }
    return sent;
  }

  /**
   * Deliveries `held` while their endpoint was off for failing: for an endpoint on again, due now when
   * planned less than HELD_MAX_AGE_MS ago, else `expired`; held that long while it stays off, `expired`.
   * Expired ones stay in the log and go out only on a manual redelivery.
   */
  private async releaseHeld(): Promise<void> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - HELD_MAX_AGE_MS);
    const { rows } = await this.pool.query<{ endpoint_id: string; status: string; n: number }>(
      `WITH released AS (
         UPDATE webhook_deliveries d
         SET status = CASE WHEN e.enabled AND d.planned_at >= $2 THEN 'pending' ELSE 'expired' END,
             next_attempt_at = CASE WHEN e.enabled AND d.planned_at >= $2 THEN $1::timestamptz END
         FROM webhook_endpoints e
         WHERE e.id = d.endpoint_id AND d.status = 'held' AND (e.enabled OR d.planned_at < $2)
         RETURNING d.endpoint_id, d.status)
       SELECT endpoint_id, status, count(*)::int AS n FROM released GROUP BY endpoint_id, status`,
      [now, cutoff],
    );
    for (const row of rows)
      this.logger.log(`Webhook endpoint ${row.endpoint_id}: ${row.n} held deliver${row.n === 1 ? 'y' : 'ies'} ${row.status === 'pending' ? 'released' : 'expired'}`);
  }

  private dispatchBatch(): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const now = this.clock.now();
      const { rows } = await client.query<DueRow>(
        `SELECT d.id, d.tenant_id, d.endpoint_id, d.event_id, d.event_type, d.body, d.attempts, d.round_start, d.manual_requested AS manual,
                e.url, e.secret_ciphertext
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.enabled
         ORDER BY d.next_attempt_at, d.id LIMIT $2
         FOR UPDATE OF d SKIP LOCKED`,
        [now, BATCH],
      );
      if (rows.length === 0) return 0;
      const outcomes = await Promise.all(rows.map((row) => this.call(row, now)));
      // Endpoint rows are updated in id order, so two dispatchers (should the lease ever be shared) cannot deadlock.
      const order = rows.map((row, i) => ({ row, ...outcomes[i] })).sort((a, b) => (a.row.endpoint_id < b.row.endpoint_id ? -1 : a.row.endpoint_id > b.row.endpoint_id ? 1 : 0));
      for (const { row, outcome, durationMs } of order) await this.record(client, row, outcome, durationMs, now);
      return rows.length;
    });
  }

  private async call(row: DueRow, now: Date): Promise<{ outcome: AttemptOutcome; durationMs: number }> {
    const started = Date.now(); // a duration, not business time
    let secret: string;
    try {
      secret = this.endpoints.openSecret(row.tenant_id, row.endpoint_id, row.secret_ciphertext);
    } catch {
      // Sealed under another key (PUNCHCARD_SECRETS_KEY changed): a failed attempt, not a stuck batch.
      return { outcome: { ok: false, statusCode: null, error: 'the signing secret cannot be read (sealed under another key): rotate it' }, durationMs: 0 };
    }
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(secret, row.body, now),
      'Punchcard-Event-Id': row.event_id,
      'Punchcard-Event-Type': row.event_type,
      'Punchcard-Delivery-Id': row.id,
      'Punchcard-Delivery-Attempt': String(row.attempts + 1),
    };
    const outcome = await postWebhook(row.url, row.body, headers, { ...this.config.webhooks }, this.resolver);
    return { outcome, durationMs: Date.now() - started };
  }

  private async record(client: PoolClient, row: DueRow, outcome: AttemptOutcome, durationMs: number, now: Date): Promise<void> {
    const attempt = row.attempts + 1;
    const next = afterAttempt(outcome, attempt - row.round_start, now);
    const error = outcome.ok ? null : outcome.error.slice(0, 500);
    await client.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, tenant_id, attempted_at, manual, outcome, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.id, attempt, row.tenant_id, now, row.manual, outcome.ok ? 'succeeded' : 'failed', outcome.statusCode, error, durationMs],
    );
    await client.query(
      `UPDATE webhook_deliveries SET attempts = $2, status = $3, next_attempt_at = $4, last_attempt_at = $5, last_status_code = $6, last_error = $7, manual_requested = false,
         delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE delivered_at END WHERE id = $1`,
      [row.id, attempt, next.status, next.nextAttemptAt, now, outcome.statusCode, error],
    );
    const { rows } = await client.query<{ consecutive_failures: number }>(
      `UPDATE webhook_endpoints SET consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = $1 RETURNING consecutive_failures`,
      [row.endpoint_id, outcome.ok],
    );
    if (rows[0] && shouldDisable(rows[0].consecutive_failures, this.config.webhooks.disableAfter)) {
      const disabled = await client.query(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', updated_at = $2 WHERE id = $1 AND enabled`, [row.endpoint_id, now]);
      if (disabled.rowCount) this.logger.warn(`Webhook endpoint ${row.endpoint_id} disabled after ${rows[0].consecutive_failures} failed attempts in a row`);
    }
  }
}

export const resolverProvider = { provide: WEBHOOK_RESOLVER, useValue: systemResolver };
