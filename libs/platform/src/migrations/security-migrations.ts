import { Migration } from '@punchcard/postgres';
import { isolate, TENANT } from './row-level-security';

// A row is visible to `punchcard_app` only when its tenant is the one set on the transaction
// (libs/postgres/src/scoped-pool.ts). FORCE makes the policies bind the table owner too; only a
// superuser (the migrating owner on a default install) passes them.


/** Row-level security and least-privilege grants for the service roles (see docs/security.md). */
export const securityMigrations: Migration[] = [
  {
    id: 'security-001-row-level-security',
    sql: `
      DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO punchcard_app, punchcard_system', current_schema()); END $$;

      -- The ledger: appended and read, never changed, by either role.
      ${isolate('events', 'tenant_id')}
      GRANT SELECT, INSERT ON events TO punchcard_app, punchcard_system;

      -- Read models are written by projections only.
      ${isolate('read_documents', 'tenant_id')}
      GRANT SELECT ON read_documents TO punchcard_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON read_documents TO punchcard_system;
      GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints TO punchcard_system;

      ${isolate('tenants', 'id::text')}
      GRANT SELECT ON tenants TO punchcard_app;
      GRANT SELECT, INSERT ON tenants TO punchcard_system;

      ${isolate('api_keys', 'tenant_id::text')}
      GRANT SELECT, INSERT, UPDATE ON api_keys TO punchcard_app, punchcard_system;
      GRANT SELECT, INSERT, UPDATE ON operator_keys TO punchcard_system;

      ${isolate('clients', 'tenant_id::text')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON clients TO punchcard_app;
      GRANT SELECT ON clients TO punchcard_system;

      -- Stored responses are tenant data too; the column fills itself from the transaction's tenant.
      ALTER TABLE idempotency_keys ADD COLUMN tenant_id text;
      UPDATE idempotency_keys SET tenant_id = split_part(scope, ':', 1);
      ALTER TABLE idempotency_keys ALTER COLUMN tenant_id SET DEFAULT ${TENANT}, ALTER COLUMN tenant_id SET NOT NULL;
      ${isolate('idempotency_keys', 'tenant_id')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO punchcard_app;
    `,
  },
];
