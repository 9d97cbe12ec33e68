import { Migration } from '@punchcard/postgres';

/** Tables of the service itself: tenants, keys, the client directory and idempotency records. */
export const appMigrations: Migration[] = [
  {
    id: 'app-001-tenants-keys-clients-idempotency',
    sql: `
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        timezone text NOT NULL,
        currency text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        role text NOT NULL,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE TABLE operator_keys (
        id text PRIMARY KEY,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- The client directory holds the personal data events never carry; erasing a client here
      -- leaves the ledger whole.
      CREATE TABLE clients (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL,
        name text NOT NULL,
        email text NOT NULL,
        timezone text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE UNIQUE INDEX clients_email ON clients (tenant_id, lower(email));
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        response_headers jsonb,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      );
    `,
  },
  {
    // Client groups (e.g. "VIP") decide which offerings a client sees. Membership describes a person,
    // so it lives with the rest of the client directory, never in events.
    id: 'app-002-client-groups',
    sql: `ALTER TABLE clients ADD COLUMN groups text[] NOT NULL DEFAULT '{}';`,
  },
];
