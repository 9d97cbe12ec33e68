import { Migration } from '@punchcard/postgres';
import { isolate, TENANT } from './row-level-security';



/**
 * Stripe (issue 12, ADR 0020). A business's Stripe secrets live here, encrypted (AES-256-GCM, see
 * libs/payments/src/secret-box.ts), never in events; the row is replaced when an admin posts new
 * ones. Webhook deliveries are logged per Stripe event id for admins; the streams, not this log,
 * make a redelivery harmless. Both are tenant data (row-level security like the other tables).
 */
export const paymentMigrations: Migration[] = [
  {
    id: 'payments-001-stripe-connections-and-deliveries',
    sql: `
      CREATE TABLE stripe_connections (
        tenant_id text PRIMARY KEY DEFAULT ${TENANT},
        secret_key_ciphertext bytea NOT NULL,
        webhook_secret_ciphertext bytea NOT NULL,
        key_mode text NOT NULL,
        key_last4 text NOT NULL,
        connected_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      );
      ${isolate('stripe_connections')}
      GRANT SELECT, INSERT, UPDATE ON stripe_connections TO punchcard_app;

      CREATE TABLE stripe_webhook_deliveries (
        tenant_id text NOT NULL DEFAULT ${TENANT},
        event_id text NOT NULL,
        type text NOT NULL,
        checkout_id uuid,
        first_received_at timestamptz NOT NULL DEFAULT now(),
        last_received_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 1,
        outcome text NOT NULL,
        detail text,
        PRIMARY KEY (tenant_id, event_id)
      );
      CREATE INDEX stripe_webhook_deliveries_received ON stripe_webhook_deliveries (tenant_id, first_received_at DESC, event_id);
      ${isolate('stripe_webhook_deliveries')}
      GRANT SELECT, INSERT, UPDATE ON stripe_webhook_deliveries TO punchcard_app;
    `,
  },
];
