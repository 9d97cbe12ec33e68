import { Migration } from '@punchcard/postgres';

/**
 * Idempotency records (issue 16). The response body becomes the exact text that was sent, so a replay
 * is byte-identical (jsonb reordered the keys; rows recorded before keep jsonb's rendering). The
 * retention purge deletes old rows by `created_at`, as `punchcard_system` across tenants.
 */
export const idempotencyMigrations: Migration[] = [
  {
    id: 'idempotency-001-response-text-and-purge',
    sql: `
      ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE text USING response_body::text;
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
      GRANT SELECT, DELETE ON idempotency_keys TO punchcard_system;
    `,
  },
];
