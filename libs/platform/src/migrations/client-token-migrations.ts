import { Migration } from '@punchcard/postgres';

/**
 * The key client tokens are signed with, when PUNCHCARD_TOKEN_SECRET is not set: generated once and
 * kept here so every instance signs and verifies alike, across restarts. Whoever reads it can mint a
 * token for any client of any tenant, so only `punchcard_system` may (never `punchcard_app`, which
 * serves requests); row-level security denies every other role even if a grant slips in.
 */
export const clientTokenMigrations: Migration[] = [
  {
    id: 'client-tokens-001-signing-secrets',
    sql: `
      CREATE TABLE signing_secrets (
        id text PRIMARY KEY,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      REVOKE ALL ON signing_secrets FROM PUBLIC;
      ALTER TABLE signing_secrets ENABLE ROW LEVEL SECURITY;
      ALTER TABLE signing_secrets FORCE ROW LEVEL SECURITY;
      CREATE POLICY system_rows ON signing_secrets TO punchcard_system USING (true) WITH CHECK (true);
      GRANT SELECT, INSERT ON signing_secrets TO punchcard_system;
    `,
  },
];
