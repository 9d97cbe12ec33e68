import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore, Position, START, StoredEvent } from '@punchcard/event-store';
import { inTransaction } from '@punchcard/postgres';
import { Clock, CLOCK, SYSTEM_POOL } from '../tokens';
import { CANDIDATE_TYPES, deliveryIdOf, EndpointSubscription, envelopeOf, NEEDS_PACKAGE_HISTORY, wants } from './planning';

/** The system (cross-tenant) event store, built by the module over the system pool. */
export const SYSTEM_EVENTS = Symbol('SYSTEM_EVENTS');

const CHECKPOINT = 'outbound-webhooks-v1';
const BATCH = 500;

/**
 * Plans deliveries from the event log (ADR 0024): reads events after its checkpoint, turns each into
 * at most one webhook (planning.ts), and inserts one row per endpoint that wants it, keyed
 * (endpoint, event), in the same transaction that moves the checkpoint (compare-and-set). A replay
 * or a second planner therefore never plans a delivery twice.
 */
@Injectable()
export class DeliveryPlanner {
  constructor(
    @Inject(SYSTEM_EVENTS) private readonly events: EventStore,
    @Inject(SYSTEM_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Plans until the log is read; returns how many deliveries were newly planned. */
  async catchUp(): Promise<number> {
    let planned = 0;
    for (;;) {
      const step = await this.planBatch();
      planned += step.planned;
      if (step.events < BATCH) return planned;
    }
  }

  private async planBatch(): Promise<{ events: number; planned: number }> {
    const from = await this.checkpoint();
    const batch = await this.events.readAll(from, BATCH);
    if (batch.length === 0) return { events: 0, planned: 0 };
    const candidates = batch.filter((event) => CANDIDATE_TYPES.has(event.type));
    const endpoints = await this.endpointsOf([...new Set(candidates.map((event) => event.metadata.tenantId))]);
    const rows: { id: string; tenantId: string; endpointId: string; eventId: string; eventType: string; body: string }[] = [];
    for (const event of candidates) {
      const interested = endpoints.filter((endpoint) => endpoint.tenantId === event.metadata.tenantId);
      if (interested.length === 0) continue;
      const envelope = envelopeOf(event, NEEDS_PACKAGE_HISTORY.has(event.type) ? await this.history(event) : []);
      if (!envelope) continue;
      const body = JSON.stringify(envelope);
      for (const endpoint of interested.filter((candidate) => wants(candidate, envelope)))
        rows.push({ id: deliveryIdOf(endpoint.id, event.eventId), tenantId: endpoint.tenantId, endpointId: endpoint.id, eventId: event.eventId, eventType: envelope.type, body });
    }
    const to = batch[batch.length - 1].position;
    const planned = await inTransaction(this.pool, async (client) => {
      const moved = await client.query(
        `INSERT INTO webhook_planner_checkpoints (name, transaction_id, global_position) VALUES ($1, $4, $5)
         ON CONFLICT (name) DO UPDATE SET transaction_id = $4, global_position = $5
           WHERE webhook_planner_checkpoints.transaction_id = $2 AND webhook_planner_checkpoints.global_position = $3`,
        [CHECKPOINT, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
      );
      if (!moved.rowCount) throw new Error('the webhook planner checkpoint moved under this planner');
      if (rows.length === 0) return 0;
      // The planned time is when the row is written; the clock is the only source of "now". An endpoint
      // off for failing gets the row `held` (the endpoint's state as of now: the dispatcher releases a
      // row held for an endpoint switched on meanwhile); one deleted meanwhile gets none.
      const inserted = await client.query(
        `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, body, status, next_attempt_at, planned_at)
         SELECT r.id, r.tenant_id, r.endpoint_id, r.event_id, r.event_type, r.body,
                CASE WHEN e.enabled THEN 'pending' ELSE 'held' END, CASE WHEN e.enabled THEN $2::timestamptz END, $2
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, tenant_id text, endpoint_id uuid, event_id uuid, event_type text, body text)
         JOIN webhook_endpoints e ON e.id = r.endpoint_id
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(rows.map((row) => ({ id: row.id, tenant_id: row.tenantId, endpoint_id: row.endpointId, event_id: row.eventId, event_type: row.eventType, body: row.body }))), this.clock.now()],
      );
      return inserted.rowCount ?? 0;
    });
    return { events: batch.length, planned };
  }

  async checkpoint(): Promise<Position> {
    const { rows } = await this.pool.query('SELECT transaction_id, global_position FROM webhook_planner_checkpoints WHERE name = $1', [CHECKPOINT]);
    return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : START;
  }

  private async endpointsOf(tenantIds: string[]): Promise<EndpointSubscription[]> {
    if (tenantIds.length === 0) return [];
    const { rows } = await this.pool.query(
      `SELECT id, tenant_id, enabled, disabled_reason, event_types, plan_from FROM webhook_endpoints WHERE (enabled OR disabled_reason = 'failing') AND tenant_id = ANY($1)`,
      [tenantIds],
    );
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      enabled: row.enabled,
      disabledReason: row.disabled_reason,
      eventTypes: row.event_types,
      planFrom: row.plan_from.toISOString(),
    }));
  }

  /** The package stream up to this event (whether credits just ran low depends on what came before). */
  private async history(event: StoredEvent): Promise<StoredEvent[]> {
    return (await this.events.readStream(event.streamId)).filter((earlier) => earlier.streamVersion <= event.streamVersion);
  }
}
