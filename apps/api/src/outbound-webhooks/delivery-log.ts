import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { ApiError } from '../http/problem';
import { Clock, CLOCK, PG_POOL } from '../tokens';
import { notFound } from './webhook-endpoints';

export interface AttemptView {
  attempt: number;
  attemptedAt: string;
  manual: boolean;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** `held`: planned while the endpoint was off for failing; `expired`: held too long (sent only if redelivered). */
  status: 'pending' | 'delivered' | 'failed' | 'held' | 'expired';
  attempts: number;
  nextAttemptAt: string | null;
  plannedAt: string;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

export type DeliveryDetail = DeliveryView & { payload: unknown; attemptLog: AttemptView[] };

const COLUMNS = 'id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, planned_at, last_attempt_at, last_status_code, last_error, delivered_at';

/** An endpoint's deliveries and their attempts, for admins; and the manual redelivery. */
@Injectable()
export class DeliveryLog {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Newest first; `cursor` is the previous page's `nextCursor` (the last delivery's planned time and id). */
  async list(tenantId: string, endpointId: string, page: { status?: string; cursor?: string; limit: number }): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const after = page.cursor ? decodeCursor(page.cursor, { code: 'validation_failed', uuidId: true }) : null;
    await this.assertEndpoint(tenantId, endpointId);
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS}, to_char(planned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_at FROM webhook_deliveries d
       WHERE tenant_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR status = $3)
         AND ($4::timestamptz IS NULL OR (planned_at, id) < ($4::timestamptz, $5::uuid))
       ORDER BY planned_at DESC, id DESC LIMIT $6`,
      [tenantId, endpointId, page.status ?? null, after?.at ?? null, after?.id ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map(toView);
    const last = rows[page.limit - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.sort_at, last.id) : null };
  }

  async get(tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryDetail> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS}, body FROM webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3`, [tenantId, endpointId, deliveryId]);
    if (!rows[0]) {
      await this.assertEndpoint(tenantId, endpointId);
      throw deliveryNotFound();
    }
    const attempts = await this.pool.query(
      'SELECT attempt, attempted_at, manual, outcome, status_code, error, duration_ms FROM webhook_delivery_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt',
      [tenantId, deliveryId],
    );
    return {
      ...toView(rows[0]),
      payload: JSON.parse(rows[0].body),
      attemptLog: attempts.rows.map((row) => ({
        attempt: row.attempt,
        attemptedAt: row.attempted_at.toISOString(),
        manual: row.manual,
        outcome: row.outcome,
        statusCode: row.status_code,
        error: row.error,
        durationMs: row.duration_ms,
      })),
    };
  }

  /**
   * Sends the delivery again at the next dispatch, whatever its status, with a fresh round of retries.
   * Refused while the endpoint is off (it would not be sent).
   */
  async redeliver(tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryDetail> {
    const endpoint = await this.pool.query('SELECT enabled FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, endpointId]);
    if (!endpoint.rows[0]) throw notFound();
    if (!endpoint.rows[0].enabled) throw new ApiError(409, 'webhook_endpoint_disabled', 'The endpoint is disabled: enable it (PATCH enabled: true) before redelivering.');
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4, round_start = attempts, manual_requested = true WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3`,
      [tenantId, endpointId, deliveryId, this.clock.now()],
    );
    if (!rowCount) throw deliveryNotFound();
    return this.get(tenantId, endpointId, deliveryId);
  }

  private async assertEndpoint(tenantId: string, endpointId: string): Promise<void> {
    const { rows } = await this.pool.query('SELECT 1 FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, endpointId]);
    if (!rows[0]) throw notFound();
  }
}

function deliveryNotFound(): ApiError {
  return new ApiError(404, 'webhook_delivery_not_found', 'No delivery with this id for this endpoint.');
}

function toView(row: any): DeliveryView {
  const iso = (value: Date | null) => (value ? value.toISOString() : null);
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    plannedAt: row.planned_at.toISOString(),
    lastAttemptAt: iso(row.last_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: iso(row.delivered_at),
  };
}
