import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { EventStore, Position, START, StoredEvent } from '@punchcard/event-store';
import { isKnownZone, OfferingPlanState, PackagePlanState, PlanAction, planBookingEvent, planOfferingEvent, planPackageEvent, planningZone } from '@punchcard/messages';
import { inTransaction } from '@punchcard/postgres';
import { SYSTEM_EVENT_STORE, SYSTEM_POOL } from '../../tokens';

export const PLANNER_NAME = 'message-planner-v1';
const BATCH = 500;
const DEFAULT_REMINDER_DAYS = 7;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Plans lifecycle messages from the event log (ADR 0023), like a projection: each batch of events
 * after the checkpoint is folded by the pure rules (libs/messages) into actions on `due_messages`, and
 * the rows, the per-package planning state and the new checkpoint commit in one transaction. Rows are
 * keyed `{kind}:{package}`, so a replay (a crash before the checkpoint, a reset) can move or cancel a
 * row that has not gone out but never adds a second one, and never touches one that went out.
 */
@Injectable()
export class MessagePlanner {
  private readonly logger = new Logger('Messages');
  /** Unknown zones already reported (once per process each, not once per event). */
  private readonly reportedZones = new Set<string>();

  constructor(
    @Inject(SYSTEM_EVENT_STORE) private readonly events: EventStore,
    @Inject(SYSTEM_POOL) private readonly pool: Pool,
  ) {}

  /** Plans until the end of the log; returns the number of events read. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (let n = await this.runBatch(); n > 0; n = await this.runBatch()) total += n;
    return total;
  }

  /** Forgets the planning state and checkpoint (never the planned rows): the next run replays the log. */
  async reset(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM message_planner_packages');
      await client.query('DELETE FROM message_planner_offerings');
      await client.query('DELETE FROM message_planner_checkpoints WHERE name = $1', [PLANNER_NAME]);
    });
  }

  async runBatch(): Promise<number> {
    const from = await this.checkpoint();
    const batch = await this.events.readAll(from, BATCH);
    if (batch.length === 0) return 0;
    const packageEvents = batch.filter((e) => e.streamId.startsWith('package-'));
    const to = batch[batch.length - 1].position;
    await inTransaction(this.pool, async (client) => {
      if (packageEvents.length) await this.plan(client, packageEvents);
      // Offerings (their reminders and feedback setting) and bookings, in log order: a booking is planned
      // with its offering's settings as the log had them then.
      for (const e of batch) {
        if (e.type === 'OfferingCreated' || e.type === 'OfferingUpdated') await this.planOffering(client, e);
        if (e.streamId.startsWith('booking-')) await this.planBooking(client, e);
      }
      await this.moveCheckpoint(client, from, to);
    });
    return batch.length;
  }

  private async plan(client: PoolClient, events: StoredEvent[]): Promise<void> {
    const key = (tenantId: string, packageId: string) => `${tenantId}/${packageId}`;
    const tenantOf = (e: StoredEvent) => e.metadata.tenantId;
    const packageOf = (e: StoredEvent) => (e.data as { packageId: string }).packageId;

    const tenants = [...new Set(events.map(tenantOf))];
    const packages = events.map((e) => [tenantOf(e), packageOf(e)]);
    const states = new Map<string, PackagePlanState | null>();
    const loaded = await client.query<{ tenant_id: string; package_id: string; state: PackagePlanState }>(
      `SELECT tenant_id, package_id, state FROM message_planner_packages
       WHERE (tenant_id, package_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [packages.map((p) => p[0]), packages.map((p) => p[1])],
    );
    for (const row of loaded.rows) states.set(key(row.tenant_id, row.package_id), row.state);

    // What is not in events, read as it is now: reminder days per business, the client's zone.
    const settings = await client.query<{ id: string; timezone: string; days: number | null }>(
      `SELECT t.id::text AS id, t.timezone, s.expiry_reminder_days AS days FROM tenants t
       LEFT JOIN message_settings s ON s.tenant_id = t.id::text WHERE t.id::text = ANY($1::text[])`,
      [tenants],
    );
    const tenantSettings = new Map(settings.rows.map((r) => [r.id, r]));
    const clientIds = [...new Set(events.map((e) => String((e.data as { clientId?: string }).clientId ?? '').toLowerCase()))].filter((id) => UUID.test(id));
    const zones = await client.query<{ tenant_id: string; id: string; timezone: string | null }>(
      `SELECT tenant_id::text, id::text, timezone FROM clients WHERE id = ANY($1::uuid[])`,
      [clientIds],
    );
    const clientZone = new Map(zones.rows.map((r) => [`${r.tenant_id}/${r.id}`, r.timezone]));

    const actions: { tenantId: string; action: PlanAction }[] = [];
    const changed = new Set<string>();
    for (const event of events) {
      const tenantId = tenantOf(event);
      const k = key(tenantId, packageOf(event));
      const tenant = tenantSettings.get(tenantId);
      const clientId = String((event.data as { clientId?: string }).clientId ?? '').toLowerCase();
      const zone = this.zoneFor(clientZone.get(`${tenantId}/${clientId}`) ?? tenant?.timezone ?? 'UTC', tenantId, clientId);
      const result = planPackageEvent(states.get(k) ?? null, { type: event.type, data: event.data, occurredAt: event.metadata.occurredAt }, {
        zone,
        expiryReminderDays: tenant?.days ?? DEFAULT_REMINDER_DAYS,
      });
      if (result.state !== (states.get(k) ?? null)) changed.add(k);
      states.set(k, result.state);
      for (const action of result.actions) actions.push({ tenantId, action });
    }

    for (const { tenantId, action } of actions) await apply(client, tenantId, action);
    for (const k of changed) {
      const [tenantId, packageId] = k.split('/');
      await client.query(
        `INSERT INTO message_planner_packages (tenant_id, package_id, state) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, package_id) DO UPDATE SET state = EXCLUDED.state`,
        [tenantId, packageId, JSON.stringify(states.get(k))],
      );
    }
  }

  private async planOffering(client: PoolClient, e: StoredEvent): Promise<void> {
    const offeringId = (e.data as { offeringId: string }).offeringId;
    const current = await client.query<{ state: OfferingPlanState }>('SELECT state FROM message_planner_offerings WHERE tenant_id = $1 AND offering_id = $2', [
      e.metadata.tenantId,
      offeringId,
    ]);
    const next = planOfferingEvent(current.rows[0]?.state ?? null, { type: e.type, data: e.data, occurredAt: e.metadata.occurredAt });
    await client.query(
      `INSERT INTO message_planner_offerings (tenant_id, offering_id, state) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, offering_id) DO UPDATE SET state = EXCLUDED.state`,
      [e.metadata.tenantId, offeringId, JSON.stringify(next)],
    );
  }

  /** Booking notices, session reminders and feedback requests (planBookingEvent). */
  private async planBooking(client: PoolClient, e: StoredEvent): Promise<void> {
    const d = e.data as { offeringId: string; clientId: string };
    const tenantId = e.metadata.tenantId;
    const found = await client.query<{ state: OfferingPlanState | null; zone: string | null }>(
      `SELECT (SELECT state FROM message_planner_offerings WHERE tenant_id = $1 AND offering_id = $2) AS state,
              coalesce((SELECT timezone FROM clients WHERE tenant_id::text = $1 AND id = $3::uuid), (SELECT timezone FROM tenants WHERE id::text = $1)) AS zone`,
      [tenantId, d.offeringId, UUID.test(String(d.clientId).toLowerCase()) ? String(d.clientId).toLowerCase() : null],
    );
    const { state, zone } = found.rows[0];
    const actions = planBookingEvent({ type: e.type, data: e.data, occurredAt: e.metadata.occurredAt, streamVersion: e.streamVersion }, state, this.zoneFor(zone ?? 'UTC', tenantId, d.clientId));
    for (const action of actions) await apply(client, tenantId, action);
  }

  /**
   * The zone to plan in. One the time-zone database does not know is planned in UTC (never a stop of the
   * whole log: the rules would have no time to plan with), and logged once.
   */
  private zoneFor(zone: string, tenantId: string, clientId: string): string {
    if (isKnownZone(zone)) return zone;
    if (!this.reportedZones.has(zone)) {
      this.reportedZones.add(zone);
      this.logger.warn(`Unknown time zone ${JSON.stringify(zone)} (tenant ${tenantId}, client ${clientId}): its messages are planned in UTC`);
    }
    return planningZone(zone);
  }

  private async checkpoint(): Promise<Position> {
    const { rows } = await this.pool.query('SELECT transaction_id::text AS t, global_position::text AS g FROM message_planner_checkpoints WHERE name = $1', [
      PLANNER_NAME,
    ]);
    return rows[0] ? { transactionId: rows[0].t, globalPosition: rows[0].g } : START;
  }

  /** Compare-and-set: a second planner that read the same checkpoint fails here and its batch rolls back. */
  private async moveCheckpoint(client: PoolClient, from: Position, to: Position): Promise<void> {
    const result = await client.query(
      `INSERT INTO message_planner_checkpoints (name, transaction_id, global_position) VALUES ($1, $4::xid8, $5::bigint)
       ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position
       WHERE message_planner_checkpoints.transaction_id = $2::xid8 AND message_planner_checkpoints.global_position = $3::bigint`,
      [PLANNER_NAME, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
    );
    if (result.rowCount !== 1) throw new Error('message planner checkpoint moved concurrently; the batch is rolled back');
  }
}

/** One action on the due-messages table; rows that went out (or are going out) are never changed here. */
async function apply(client: PoolClient, tenantId: string, action: PlanAction): Promise<void> {
  if (action.type === 'schedule') {
    await client.query(
      `INSERT INTO due_messages (tenant_id, id, kind, package_id, client_id, due_at, status, next_attempt_at, context)
       VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $6, $7)
       ON CONFLICT (tenant_id, id) DO UPDATE SET
         due_at = EXCLUDED.due_at, context = EXCLUDED.context,
         next_attempt_at = CASE WHEN due_messages.status = 'scheduled' AND due_messages.due_at = EXCLUDED.due_at THEN due_messages.next_attempt_at ELSE EXCLUDED.due_at END,
         status = 'scheduled', reason = NULL, cancelled_by = NULL, updated_at = now()
       WHERE due_messages.status = 'scheduled' OR (due_messages.status = 'cancelled' AND due_messages.cancelled_by = 'planner')`,
      [tenantId, action.id, action.kind, action.packageId, action.clientId, action.dueAt, action.context ? JSON.stringify(action.context) : null],
    );
  } else if (action.prefixOfPackage) {
    await client.query(
      `UPDATE due_messages SET status = 'cancelled', reason = $3, cancelled_by = 'planner', updated_at = now()
       WHERE tenant_id = $1 AND package_id = $4 AND starts_with(id, $2) AND status = 'scheduled'`,
      [tenantId, action.id, action.reason, action.prefixOfPackage],
    );
  } else {
    await client.query(
      `UPDATE due_messages SET status = 'cancelled', reason = $3, cancelled_by = 'planner', updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = 'scheduled'`,
      [tenantId, action.id, action.reason],
    );
  }
}
