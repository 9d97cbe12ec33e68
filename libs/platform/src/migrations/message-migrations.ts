import { Migration } from '@punchcard/postgres';
import { isolate, TENANT } from './row-level-security';



/**
 * Client lifecycle messages (issue 13, ADR 0023). Recipients and rendered bodies are personal data:
 * they live here (tenant rows, erasable), never in events. `due_messages` is keyed by the deterministic
 * `{kind}:{cause}` id, so planning the same message again hits the same row. The planner (across
 * tenants, as punchcard_system) keeps its per-package state and its checkpoint beside it, written in
 * the same transaction as the rows it plans. Admins (punchcard_app) read the log, requeue a message
 * (resend) and edit settings, templates and preferences.
 */
export const messageMigrations: Migration[] = [
  {
    id: 'messages-001-due-messages-templates-preferences',
    sql: `
      CREATE TABLE message_settings (
        tenant_id text PRIMARY KEY DEFAULT ${TENANT},
        expiry_reminder_days integer NOT NULL DEFAULT 7 CHECK (expiry_reminder_days BETWEEN 1 AND 90),
        disabled_kinds text[] NOT NULL DEFAULT '{}',
        booking_url text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ${isolate('message_settings')}
      GRANT SELECT, INSERT, UPDATE ON message_settings TO punchcard_app;
      GRANT SELECT ON message_settings TO punchcard_system;

      CREATE TABLE message_templates (
        tenant_id text NOT NULL DEFAULT ${TENANT},
        kind text NOT NULL,
        subject text NOT NULL,
        html text NOT NULL,
        body_text text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        PRIMARY KEY (tenant_id, kind)
      );
      ${isolate('message_templates')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON message_templates TO punchcard_app;
      GRANT SELECT ON message_templates TO punchcard_system;

      CREATE TABLE message_preferences (
        tenant_id text NOT NULL DEFAULT ${TENANT},
        client_id uuid NOT NULL,
        nudges_unsubscribed boolean NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        changed_by text NOT NULL,
        PRIMARY KEY (tenant_id, client_id)
      );
      ${isolate('message_preferences')}
      GRANT SELECT, INSERT, UPDATE ON message_preferences TO punchcard_app;
      GRANT SELECT ON message_preferences TO punchcard_system;

      CREATE TABLE due_messages (
        tenant_id text NOT NULL DEFAULT ${TENANT},
        id text NOT NULL,
        kind text NOT NULL,
        package_id uuid NOT NULL,
        client_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        context jsonb,
        status text NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled', 'not_sent')),
        reason text,
        cancelled_by text,
        next_attempt_at timestamptz NOT NULL,
        locked_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        resends integer NOT NULL DEFAULT 0,
        recipient text,
        subject text,
        html text,
        body_text text,
        ics text,
        smtp_message_id text,
        server_response text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX due_messages_due ON due_messages (next_attempt_at) WHERE status IN ('scheduled', 'sending');
      CREATE INDEX due_messages_client ON due_messages (tenant_id, client_id, due_at, id);
      CREATE INDEX due_messages_package ON due_messages (tenant_id, package_id, due_at, id);
      ${isolate('due_messages')}
      GRANT SELECT, UPDATE ON due_messages TO punchcard_app;
      GRANT SELECT, INSERT, UPDATE ON due_messages TO punchcard_system;

      CREATE TABLE message_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL DEFAULT ${TENANT},
        message_id text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        outcome text NOT NULL CHECK (outcome IN ('sending', 'sent', 'retry', 'failed', 'not_sent', 'interrupted', 'cancelled')),
        detail text,
        smtp_message_id text
      );
      CREATE INDEX message_attempts_message ON message_attempts (tenant_id, message_id, id);
      ${isolate('message_attempts')}
      GRANT SELECT ON message_attempts TO punchcard_app;
      GRANT SELECT, INSERT, UPDATE ON message_attempts TO punchcard_system;

      CREATE TABLE message_planner_packages (
        tenant_id text NOT NULL,
        package_id text NOT NULL,
        state jsonb NOT NULL,
        PRIMARY KEY (tenant_id, package_id)
      );
      ${isolate('message_planner_packages')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON message_planner_packages TO punchcard_system;

      CREATE TABLE message_planner_offerings (
        tenant_id text NOT NULL,
        offering_id text NOT NULL,
        state jsonb NOT NULL,
        PRIMARY KEY (tenant_id, offering_id)
      );
      ${isolate('message_planner_offerings')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON message_planner_offerings TO punchcard_system;

      CREATE TABLE message_planner_checkpoints (
        name text PRIMARY KEY,
        transaction_id xid8 NOT NULL,
        global_position bigint NOT NULL
      );
      REVOKE ALL ON message_planner_checkpoints FROM PUBLIC;
      GRANT SELECT, INSERT, UPDATE, DELETE ON message_planner_checkpoints TO punchcard_system;
    `,
  },
  {
    // Erasure of a client's message data by an admin (DELETE /v1/clients/{id}/messages/personal-data):
    // the attempts' details hold SMTP replies that can name the recipient.
    id: 'messages-002-erasable-attempt-details',
    sql: `GRANT UPDATE (detail) ON message_attempts TO punchcard_app;`,
  },
  {
    // The business's language: dates in emails are formatted in it, and the shipped defaults are in it where Punchcard ships one.
    id: 'messages-003-language',
    sql: `ALTER TABLE message_settings ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (length(language) BETWEEN 2 AND 35);`,
  },
  {
    // Reschedule notices were keyed by the new start (`booking_rescheduled:{booking}:{ISO start}`), which a
    // move back to an earlier start reused. They are keyed by the change now (`…:{stream version}`, the
    // invitation's SEQUENCE + 1): rows planned under the old key take the new one, so a replay of the log
    // finds them and never plans those notices again. FORCE is lifted for the update only: the owner
    // running migrations is not a superuser everywhere, and row-level security would show it no rows.
    id: 'messages-004-reschedule-notice-ids-by-change',
    sql: `
      ALTER TABLE due_messages NO FORCE ROW LEVEL SECURITY;
      ALTER TABLE message_attempts NO FORCE ROW LEVEL SECURITY;
      CREATE TEMP TABLE renamed_notices ON COMMIT DROP AS
        SELECT tenant_id, id AS old_id, 'booking_rescheduled:' || (context->>'bookingId') || ':' || ((context->>'sequence')::int + 1) AS new_id
        FROM due_messages
        WHERE kind = 'booking_rescheduled' AND id !~ ':[0-9]+$' AND context ? 'bookingId' AND context->>'sequence' ~ '^[0-9]+$';
      UPDATE message_attempts a SET message_id = r.new_id FROM renamed_notices r WHERE a.tenant_id = r.tenant_id AND a.message_id = r.old_id;
      UPDATE due_messages m SET id = r.new_id FROM renamed_notices r WHERE m.tenant_id = r.tenant_id AND m.id = r.old_id;
      ALTER TABLE due_messages FORCE ROW LEVEL SECURITY;
      ALTER TABLE message_attempts FORCE ROW LEVEL SECURITY;
    `,
  },
];
