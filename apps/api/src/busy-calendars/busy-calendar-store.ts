import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { openSecretBox, SecretBox } from '@punchcard/payments';
import { Config } from '@punchcard/platform';
import { inTransaction } from '@punchcard/postgres';
import { ApiError } from '../http/problem';
import { APP_CONFIG, Clock, CLOCK, PG_POOL, SYSTEM_POOL } from '../tokens';
import { maskedUrl } from './calendar-url';

/** Calendars per schedule: a host's work, personal and family calendars and a few more. */
export const MAX_CALENDARS_PER_SCHEDULE = 10;

/** Key space of the per-schedule lock that serialises adds (the first of pg_advisory_xact_lock's two int keys; the event store's is 0x5043). */
const ADD_LOCK_CLASS = 0x4243;

/** The row of signing_secrets holding the generated key, when PUNCHCARD_SECRETS_KEY is not set. */
const KEY_ID = 'busy-calendar-urls';

export interface BusyCalendarView {
  id: string;
  scheduleId: string;
  name: string;
  /** The secret address is a credential: only its host and last four characters are shown. */
  url: string;
  host: string;
  lastFetchedAt: string | null;
  lastSuccessAt: string | null;
  lastError: { code: string; message: string } | null;
  /** Busy intervals (overlapping or touching events merged; not calendar events) within the horizon at the last successful expansion. */
  eventCount: number;
  createdAt: string;
}

/** What the refresher needs of a calendar row (the system role reads it across tenants). */
export interface CalendarRow {
  id: string;
  tenantId: string;
  scheduleId: string;
  sealedUrl: Buffer;
  etag: string | null;
  lastModified: string | null;
  expandedAt: Date | null;
  lastFetchedAt: Date | null;
}

export interface DayInterval {
  localDate: string;
  start: Date;
  end: Date;
}

/** The row was not written by a refresh that started after this one (whose start is $2). */
const NOT_NEWER = '(last_fetched_at IS NULL OR last_fetched_at <= $2)';
const COLUMNS = 'id, schedule_id, name, url_host, url_last4, last_fetched_at, last_success_at, last_error_code, last_error_message, event_count, created_at';
const ROW = 'id, tenant_id, schedule_id, url_ciphertext, etag, last_modified, expanded_at, last_fetched_at';

/**
 * The busy_calendars and busy_intervals tables (ADR 0026). Admin routes act through the tenant pool
 * (row-level security); the refresh writes through the system pool, one transaction per calendar.
 */
@Injectable()
export class BusyCalendarStore implements OnModuleInit {
  private readonly logger = new Logger('BusyCalendarStore');
  private box: SecretBox | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.box = await openSecretBox(this.config.secretsKey, this.systemPool, KEY_ID, () => this.logger.log('Generated the key that encrypts busy-calendar addresses (stored in the database; set PUNCHCARD_SECRETS_KEY to use your own).'));
  }

  /**
   * Adds a calendar (a retry under the same id answers the calendar as it stands). The count and the
   * insert run in one transaction holding an advisory lock on (tenant, schedule): concurrent adds to a
   * schedule take turns, so they cannot together pass MAX_CALENDARS_PER_SCHEDULE.
   */
  async create(tenantId: string, scheduleId: string, id: string, input: { name: string; url: URL }): Promise<BusyCalendarView> {
    const href = input.url.href;
    const sealed = this.sealer().encrypt(href, context(tenantId, id));
    const created = await inTransaction(this.pool, async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock(${ADD_LOCK_CLASS}, hashtext(current_schema() || ':' || $1 || '/' || $2))`, [tenantId, scheduleId]);
      const { rows: counted } = await db.query('SELECT count(*)::int AS n, bool_or(id = $3) AS retried FROM busy_calendars WHERE tenant_id = $1 AND schedule_id = $2', [
        tenantId,
        scheduleId,
        id,
      ]);
      if (counted[0].retried) return null;
      if (counted[0].n >= MAX_CALENDARS_PER_SCHEDULE)
        throw new ApiError(409, 'busy_calendar_limit_reached', `A schedule may have at most ${MAX_CALENDARS_PER_SCHEDULE} busy calendars; delete one first.`);
      const { rows } = await db.query(
        `INSERT INTO busy_calendars (id, tenant_id, schedule_id, name, url_ciphertext, url_host, url_last4, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
        [id, tenantId, scheduleId, input.name, sealed, input.url.host, href.slice(-4), this.clock.now()],
      );
      return rows[0] ? toView(rows[0]) : null;
    });
    return created ?? this.get(tenantId, scheduleId, id);
  }

  async list(tenantId: string, scheduleId: string): Promise<BusyCalendarView[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM busy_calendars WHERE tenant_id = $1 AND schedule_id = $2 ORDER BY created_at, id`, [tenantId, scheduleId]);
    return rows.map(toView);
  }

  async get(tenantId: string, scheduleId: string, id: string): Promise<BusyCalendarView> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM busy_calendars WHERE tenant_id = $1 AND schedule_id = $2 AND id = $3`, [tenantId, scheduleId, id]);
    if (!rows[0]) throw notFound();
    return toView(rows[0]);
  }

  /** Its busy intervals go with it, in the same statement (ON DELETE CASCADE): its times stop blocking at once. */
  async delete(tenantId: string, scheduleId: string, id: string): Promise<void> {
    const { rowCount } = await this.pool.query('DELETE FROM busy_calendars WHERE tenant_id = $1 AND schedule_id = $2 AND id = $3', [tenantId, scheduleId, id]);
    if (!rowCount) throw notFound();
  }

  /** The row the refresher works from, for a calendar of this tenant and schedule (404 otherwise). */
  async rowFor(tenantId: string, scheduleId: string, id: string): Promise<CalendarRow> {
    await this.get(tenantId, scheduleId, id); // the tenant's own view decides whether it exists for them
    const { rows } = await this.systemPool.query(`SELECT ${ROW} FROM busy_calendars WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    if (!rows[0]) throw notFound();
    return toRow(rows[0]);
  }

  /** Calendars not fetched since `before` (never fetched first), across tenants. */
  async due(before: Date, limit: number): Promise<CalendarRow[]> {
    const { rows } = await this.systemPool.query(
      `SELECT ${ROW} FROM busy_calendars WHERE last_fetched_at IS NULL OR last_fetched_at <= $1 ORDER BY last_fetched_at NULLS FIRST, id LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRow);
  }

  openUrl(row: CalendarRow): string {
    return this.sealer().decrypt(row.sealedUrl, context(row.tenantId, row.id));
  }

  /**
   * Replaces the calendar's busy intervals and records the success in ONE transaction: a reader sees
   * the old set or the new one, never none. The calendar row is locked first, so two refreshes of one
   * calendar apply one after the other, and a calendar deleted meanwhile gets no rows back. A refresh
   * that started (`fetched.at`) before the one that last wrote the row is stale (a slow fetch of the job
   * finishing after an admin's faster refresh): it writes nothing and answers 'superseded'.
   */
  async replaceIntervals(
    row: CalendarRow,
    intervals: DayInterval[],
    fetched: { etag: string | null; lastModified: string | null; eventCount: number; at: Date },
  ): Promise<'replaced' | 'gone' | 'superseded'> {
    const client = await this.systemPool.connect();
    try {
      await client.query('BEGIN');
      const { rows: locked } = await client.query<{ last_fetched_at: Date | null }>('SELECT last_fetched_at FROM busy_calendars WHERE id = $1 FOR UPDATE', [row.id]);
      if (!locked[0]) {
        await client.query('ROLLBACK');
        return 'gone';
      }
      if (locked[0].last_fetched_at && locked[0].last_fetched_at.getTime() > fetched.at.getTime()) {
        await client.query('ROLLBACK');
        return 'superseded';
      }
      await client.query('DELETE FROM busy_intervals WHERE calendar_id = $1', [row.id]);
      if (intervals.length > 0) {
        await client.query(
          `INSERT INTO busy_intervals (tenant_id, schedule_id, calendar_id, local_date, starts_at, ends_at)
           SELECT $1, $2, $3, d, s, e FROM unnest($4::date[], $5::timestamptz[], $6::timestamptz[]) AS t (d, s, e)`,
          [row.tenantId, row.scheduleId, row.id, intervals.map((i) => i.localDate), intervals.map((i) => i.start), intervals.map((i) => i.end)],
        );
      }
      await client.query(
        `UPDATE busy_calendars SET etag = $2, last_modified = $3, event_count = $4, last_fetched_at = $5, last_success_at = $5, expanded_at = $5,
           last_error_code = NULL, last_error_message = NULL WHERE id = $1`,
        [row.id, fetched.etag, fetched.lastModified, fetched.eventCount, fetched.at],
      );
      await client.query('COMMIT');
      return 'replaced';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** 304 Not Modified: the stored intervals stay. Not recorded over a refresh that started later (as replaceIntervals). */
  async recordNotModified(row: CalendarRow, at: Date): Promise<void> {
    await this.systemPool.query(
      `UPDATE busy_calendars SET last_fetched_at = $2, last_success_at = $2, last_error_code = NULL, last_error_message = NULL WHERE id = $1 AND ${NOT_NEWER}`,
      [row.id, at],
    );
  }

  /** A failed fetch or expansion: the error is recorded; the intervals of the last success stay (they are the best knowledge). */
  async recordFailure(row: CalendarRow, at: Date, error: { code: string; message: string }): Promise<void> {
    await this.systemPool.query(`UPDATE busy_calendars SET last_fetched_at = $2, last_error_code = $3, last_error_message = $4 WHERE id = $1 AND ${NOT_NEWER}`, [
      row.id,
      at,
      error.code,
      error.message.slice(0, 500),
    ]);
  }

  /** Busy intervals of a schedule on local dates `from`..`to` (one indexed query), for slot listing and booking. */
  async busyBetween(tenantId: string, scheduleId: string, from: string, to: string): Promise<{ start: string; end: string }[]> {
    // Formatted as toISOString() would, by PostgreSQL: the driver's timestamp parsing cost a slot listing
    // with three busy calendars more than its slot checks (issue 15).
    const { rows } = await this.pool.query<{ start: string; end: string }>(
      `SELECT ${isoText('starts_at')} AS start, ${isoText('ends_at')} AS end FROM (
         SELECT DISTINCT starts_at, ends_at FROM busy_intervals WHERE tenant_id = $1 AND schedule_id = $2 AND local_date BETWEEN $3 AND $4
       ) busy ORDER BY starts_at, ends_at`,
      [tenantId, scheduleId, from, to],
    );
    return rows;
  }

  private sealer(): SecretBox {
    if (!this.box) throw new Error('the busy-calendar secrets key is not loaded yet');
    return this.box;
  }
}

/** A timestamptz column as `2026-03-08T14:30:00.000Z` (UTC, milliseconds), the form of `Date.toISOString()`. */
const isoText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const context = (tenantId: string, id: string) => `${tenantId}/busy-calendar/${id}`;

export function notFound(): ApiError {
  return new ApiError(404, 'busy_calendar_not_found', 'No busy calendar with this id on this schedule.');
}

function toView(row: any): BusyCalendarView {
  return {
    id: row.id,
    scheduleId: row.schedule_id,
    name: row.name,
    url: maskedUrl(row.url_host, row.url_last4),
    host: row.url_host,
    lastFetchedAt: row.last_fetched_at?.toISOString() ?? null,
    lastSuccessAt: row.last_success_at?.toISOString() ?? null,
    lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message ?? '' } : null,
    eventCount: row.event_count,
    createdAt: row.created_at.toISOString(),
  };
}

function toRow(row: any): CalendarRow {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    scheduleId: row.schedule_id,
    sealedUrl: row.url_ciphertext,
    etag: row.etag,
    lastModified: row.last_modified,
    expandedAt: row.expanded_at,
    lastFetchedAt: row.last_fetched_at,
  };
}
