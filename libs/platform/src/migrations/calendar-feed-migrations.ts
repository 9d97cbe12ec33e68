import { Migration } from '@punchcard/postgres';

/**
 * Private iCalendar feeds of bookings (issue 14, ADR 0025): one row per token ever issued for a
 * schedule (the host's feed) or a client. Only the SHA-256 of the token is stored; the token itself
 * is shown once. At most one live (unrevoked) token per owner: rotating revokes the old row and adds
 * a new one in one transaction. Resolving a token on the public feed route crosses tenants (the
 * request has no credential but the token), so `punchcard_system` may read every row; everything
 * else acts for its own tenant under row-level security.
 */
export const calendarFeedMigrations: Migration[] = [
  {
    id: 'calendar-feeds-001-tokens',
    sql: `
      CREATE TABLE calendar_feed_tokens (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        owner_kind text NOT NULL CHECK (owner_kind IN ('schedule', 'client')),
        owner_id uuid NOT NULL,
        token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE UNIQUE INDEX calendar_feed_tokens_hash ON calendar_feed_tokens (token_hash);
      CREATE UNIQUE INDEX calendar_feed_tokens_live_owner ON calendar_feed_tokens (tenant_id, owner_kind, owner_id) WHERE revoked_at IS NULL;
      ALTER TABLE calendar_feed_tokens ENABLE ROW LEVEL SECURITY;
      ALTER TABLE calendar_feed_tokens FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_rows ON calendar_feed_tokens USING (tenant_id::text = current_setting('punchcard.tenant_id', true))
        WITH CHECK (tenant_id::text = current_setting('punchcard.tenant_id', true));
      CREATE POLICY system_rows ON calendar_feed_tokens TO punchcard_system USING (true) WITH CHECK (true);
      GRANT SELECT, INSERT, UPDATE ON calendar_feed_tokens TO punchcard_app;
      GRANT SELECT ON calendar_feed_tokens TO punchcard_system;
    `,
  },
];
