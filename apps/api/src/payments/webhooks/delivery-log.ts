import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { decodeCursor, encodeCursor } from '../../http/cursor';
import { PG_POOL } from '../../tokens';

export interface DeliveryView {
  eventId: string;
  type: string;
  checkoutId: string | null;
  firstReceivedAt: string;
  lastReceivedAt: string;
  /** Verified deliveries of this event (Stripe redelivers until it gets a 2xx). */
  attempts: number;
  outcome: string;
  detail: string | null;
}

/**
 * Verified Stripe deliveries, one row per Stripe event id, for admins to see what Stripe sent and what
 * came of it. It decides nothing: the checkout streams make a redelivery harmless.
 */
@Injectable()
export class DeliveryLog {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async record(tenantId: string, delivery: { eventId: string; type: string; checkoutId: string | null; outcome: string; detail: string | null }): Promise<void> {
    await this.pool.query(
      `INSERT INTO stripe_webhook_deliveries (tenant_id, event_id, type, checkout_id, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, event_id) DO UPDATE SET attempts = stripe_webhook_deliveries.attempts + 1, last_received_at = now(),
         outcome = EXCLUDED.outcome, detail = EXCLUDED.detail`,
      [tenantId, delivery.eventId.slice(0, 255), delivery.type.slice(0, 255), delivery.checkoutId, delivery.outcome, delivery.detail],
    );
  }

  /** Newest first; `cursor` is the last item's `nextCursor`. */
  async list(tenantId: string, page: { cursor?: string; limit: number }): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const after = page.cursor ? decodeCursor(page.cursor, { code: 'validation_failed' }) : null;
    const { rows } = await this.pool.query(
      `SELECT event_id, type, checkout_id, first_received_at, last_received_at, attempts, outcome, detail, to_char(first_received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_at
       FROM stripe_webhook_deliveries
       WHERE tenant_id = $1 AND ($2::text IS NULL OR (first_received_at, event_id) < ($2::timestamptz, $3::text))
       ORDER BY first_received_at DESC, event_id DESC LIMIT $4`,
      [tenantId, after?.at ?? null, after?.id ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map(
      (row): DeliveryView => ({
        eventId: row.event_id,
        type: row.type,
        checkoutId: row.checkout_id,
        firstReceivedAt: row.first_received_at.toISOString(),
        lastReceivedAt: row.last_received_at.toISOString(),
        attempts: row.attempts,
        outcome: row.outcome,
        detail: row.detail,
      }),
    );
    const last = rows[page.limit - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.sort_at, last.event_id) : null };
  }
}
