import { Migration } from '@punchcard/postgres';
import { isolate, TENANT } from './row-level-security';



/**
 * Outbound webhooks (issue 13, ADR 0024). Endpoints are a business's subscriptions (signing secret
 * sealed with AES-256-GCM). Deliveries are planned from the event log, one row per (endpoint, event),
 * so a replay of the log never plans twice; the planner's checkpoint moves in the same transaction as
 * the rows it plans. Attempts are numbered per delivery: a crash between a call and its record can
 * repeat the call (same event id header) but never record an attempt twice. Admins manage endpoints
 * (punchcard_app, row-level security); the planner and the dispatcher work across tenants (punchcard_system).
 */
export const outboundWebhookMigrations: Migration[] = [
  {
    id: 'outbound-webhooks-001-endpoints-deliveries-attempts',
    sql: `
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL DEFAULT ${TENANT},
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL,
        enabled boolean NOT NULL,
        disabled_reason text,
        consecutive_failures integer NOT NULL DEFAULT 0,
        secret_ciphertext bytea NOT NULL,
        plan_from timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        secret_rotated_at timestamptz NOT NULL
      );
      CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at, id);
      ${isolate('webhook_endpoints')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO punchcard_app;
      GRANT SELECT, UPDATE ON webhook_endpoints TO punchcard_system;

      CREATE TABLE webhook_deliveries (
        id uuid NOT NULL UNIQUE,
        tenant_id text NOT NULL DEFAULT ${TENANT},
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        round_start integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        planned_at timestamptz NOT NULL,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        PRIMARY KEY (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, planned_at DESC, id DESC);
      ${isolate('webhook_deliveries')}
      GRANT SELECT, UPDATE ON webhook_deliveries TO punchcard_app;
      GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO punchcard_system;

      CREATE TABLE webhook_delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        tenant_id text NOT NULL DEFAULT ${TENANT},
        attempted_at timestamptz NOT NULL,
        manual boolean NOT NULL,
        outcome text NOT NULL,
        status_code integer,
        error text,
        duration_ms integer NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      );
      ${isolate('webhook_delivery_attempts')}
      GRANT SELECT ON webhook_delivery_attempts TO punchcard_app;
      GRANT SELECT, INSERT ON webhook_delivery_attempts TO punchcard_system;

      -- The planner's place in the event log (not tenant data: only punchcard_system sees it).
      CREATE TABLE webhook_planner_checkpoints (
        name text PRIMARY KEY,
        transaction_id text NOT NULL,
        global_position text NOT NULL
      );
      GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_planner_checkpoints TO punchcard_system;
    `,
  },
  {
    // Deliveries of an endpoint switched off for failing are planned `held` (not sent); when it is
    // switched back on they are sent, or `expired` when older than the hold limit (planning.ts).
    id: 'outbound-webhooks-002-held-and-expired-deliveries',
    sql: `
      ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed', 'held', 'expired'));
      CREATE INDEX webhook_deliveries_held ON webhook_deliveries (endpoint_id, planned_at) WHERE status = 'held';
    `,
  },
  {
    // A redelivery an admin asked for: its first attempt is recorded as manual, whatever the delivery's history.
    id: 'outbound-webhooks-003-manual-redelivery-flag',
    sql: `ALTER TABLE webhook_deliveries ADD COLUMN manual_requested boolean NOT NULL DEFAULT false;`,
  },
];
