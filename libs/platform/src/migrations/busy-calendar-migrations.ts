import { Migration } from '@punchcard/postgres';
import { isolate, TENANT } from './row-level-security';



/**
 * Busy times from a host's external calendars (issue 14, ADR 0026). Third-party private data that can
 * be fetched again, so service tables, not events. `busy_calendars`: one row per calendar of a
 * schedule, its iCalendar URL sealed (a secret address is a credential), the last fetch's outcome.
 * `busy_intervals`: the expanded busy times (no summaries, no descriptions), one row per calendar,
 * event occurrence and schedule-local day it touches; a refresh replaces a calendar's rows in one
 * transaction. Admins manage calendars (punchcard_app, row-level security); the refresh job works
 * across tenants (punchcard_system).
 */
export const busyCalendarMigrations: Migration[] = [
  {
    id: 'busy-calendars-001-calendars-intervals',
    sql: `
      CREATE TABLE busy_calendars (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL DEFAULT ${TENANT},
        schedule_id uuid NOT NULL,
        name text NOT NULL,
        url_ciphertext bytea NOT NULL,
        url_host text NOT NULL,
        url_last4 text NOT NULL,
        etag text,
        last_modified text,
        last_fetched_at timestamptz,
        last_success_at timestamptz,
        expanded_at timestamptz,
        last_error_code text,
        last_error_message text,
        event_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX busy_calendars_schedule ON busy_calendars (tenant_id, schedule_id, created_at, id);
      CREATE INDEX busy_calendars_due ON busy_calendars (last_fetched_at NULLS FIRST);
      ${isolate('busy_calendars')}
      GRANT SELECT, INSERT, UPDATE, DELETE ON busy_calendars TO punchcard_app;
      GRANT SELECT, UPDATE ON busy_calendars TO punchcard_system;

      CREATE TABLE busy_intervals (
        tenant_id text NOT NULL DEFAULT ${TENANT},
        schedule_id uuid NOT NULL,
        calendar_id uuid NOT NULL REFERENCES busy_calendars (id) ON DELETE CASCADE,
        local_date date NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        CHECK (starts_at < ends_at)
      );
      CREATE INDEX busy_intervals_day ON busy_intervals (tenant_id, schedule_id, local_date);
      CREATE INDEX busy_intervals_calendar ON busy_intervals (calendar_id);
      ${isolate('busy_intervals')}
      GRANT SELECT, DELETE ON busy_intervals TO punchcard_app;
      GRANT SELECT, INSERT, DELETE ON busy_intervals TO punchcard_system;
    `,
  },
];
