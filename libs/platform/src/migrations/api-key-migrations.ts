import { Migration } from '@punchcard/postgres';

/** Key management: a name per key and who created and revoked it (docs/adr/0013). */
export const apiKeyMigrations: Migration[] = [
  {
    id: 'api-keys-001-names-and-actors',
    sql: `
      -- Until now every key was a tenant's first admin key; tenant provisioning still inserts that
      -- key without a name, so the default stays.
      ALTER TABLE api_keys
        ADD COLUMN name text NOT NULL DEFAULT 'admin' CONSTRAINT api_keys_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
        -- The acting API key's id, or operator:<id> for a break-glass key; NULL: created with the tenant.
        ADD COLUMN created_by text,
        ADD COLUMN revoked_by text,
        ADD CONSTRAINT api_keys_role CHECK (role IN ('admin', 'staff', 'accountant'));
      CREATE INDEX api_keys_newest_first ON api_keys (tenant_id, created_at DESC, id DESC);

      -- A key's hash, role and name never change once issued: the service may only revoke.
      REVOKE UPDATE ON api_keys FROM punchcard_app, punchcard_system;
      GRANT UPDATE (revoked_at, revoked_by) ON api_keys TO punchcard_app;
    `,
  },
];
