import { DatabaseError, Pool } from 'pg';
import { Migration } from '@punchcard/postgres';
import { AppendResult, CommandReceipt, EventStore, NewEvent, Position, StoredEvent, ReceiptTakenError, StreamWrite, WrongExpectedVersionError } from '../event-store.port';

/** Key space of the stream locks (the first of pg_advisory_xact_lock's two int keys). */
const LOCK_CLASS = 0x5043;

/**
 * Inserts the events (jsonb rows) only if every stream is at its expected version (max version, 0 if
 * none). Shared by the plain append and the function of migration event-store-002: a change here only
 * reaches the function through a new migration that replaces it.
 */
const CHECKED_INSERT_SQL = (events: string, expectations: string) => `
  INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata)
  SELECT e.tenant_id, e.stream_id, e.stream_version, e.event_id, e.type, e.schema_version, e.data, e.metadata
  FROM jsonb_to_recordset(${events}) AS e(tenant_id text, stream_id text, stream_version integer, event_id uuid,
                                          type text, schema_version integer, data jsonb, metadata jsonb)
  WHERE NOT EXISTS (
    SELECT 1 FROM jsonb_to_recordset(${expectations}) AS x(stream_id text, expected integer)
    WHERE COALESCE((SELECT max(s.stream_version) FROM events s WHERE s.stream_id = x.stream_id), 0) <> x.expected
  )`;

const RETURNING = 'RETURNING transaction_id::text, global_position::text, stream_id, stream_version, recorded_at';

export const eventStoreMigrations: Migration[] = [
  {
    id: 'event-store-001-events',
    sql: `
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        tenant_id text NOT NULL,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        event_id uuid NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_key PRIMARY KEY (stream_id, stream_version),
        CONSTRAINT events_event_id_key UNIQUE (event_id)
      );
      CREATE INDEX events_transaction_position ON events (transaction_id, global_position);
    `,
  },
  {
    // An asserting append in one round trip (issue 15): see punchcard_append_asserting below.
    id: 'event-store-002-append-asserting-function',
    sql: `
      CREATE FUNCTION punchcard_append_asserting(locks jsonb, new_events jsonb, expectations jsonb, receipt jsonb)
      RETURNS TABLE (transaction_id text, global_position text, stream_id text, stream_version integer, recorded_at timestamptz)
      LANGUAGE plpgsql AS $fn$
      #variable_conflict use_column
      BEGIN
        -- The locks in a statement of their own: each statement of a plpgsql function takes a new snapshot,
        -- so the version check below sees every append that held one of these locks before us.
        PERFORM count(CASE WHEN l.shared THEN pg_advisory_xact_lock_shared(${LOCK_CLASS}, hashtext(l.stream_id))
                           ELSE pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(l.stream_id)) END)
        FROM jsonb_to_recordset(locks) AS l(stream_id text, shared boolean);
        IF receipt IS NULL THEN
          RETURN QUERY ${CHECKED_INSERT_SQL('new_events', 'expectations')} ${RETURNING};
        ELSE
          -- Planned only when first run with a receipt (idempotency_keys is the service's table, not the store's).
          RETURN QUERY WITH appended AS (${CHECKED_INSERT_SQL('new_events', 'expectations')} ${RETURNING}),
          recorded AS (
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, response_headers)
            SELECT receipt->>'scope', receipt->>'key', receipt->>'requestHash', (receipt->>'status')::integer, receipt->>'body',
                   (receipt->'headers') || jsonb_build_object(receipt->>'positionHeader',
                     (SELECT a.transaction_id || '-' || a.global_position FROM appended a ORDER BY a.global_position::bigint DESC LIMIT 1))
            WHERE EXISTS (SELECT 1 FROM appended)
          )
          SELECT * FROM appended;
        END IF;
      END $fn$;
    `,
  },
];


/*
 * An append that also asserts streams (writes without events) runs punchcard_append_asserting
 * (migration event-store-002), one statement: it first takes every lock in stream-id order (shared
 * for asserted streams, exclusive for written ones), so a concurrent writer of an asserted stream has
 * either committed (and the check, a new statement inside the function with a new snapshot, sees its
 * events and fails) or waits until this append commits. Without that lock, two appends that each
 * assert a stream the other writes could both pass their checks before either commits (write skew).
 */
const APPEND_ASSERTING_SQL = 'SELECT * FROM punchcard_append_asserting($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb)';

/*
 * One statement per append (so one round trip, and one commit in autocommit mode):
 * - it first takes a transaction-level advisory lock on each written stream (in stream-id order),
 *   held until commit, so an append that asserts one of those streams (below) waits for it;
 * - the WHERE clause checks every stream is at its expected version (max version, 0 if none);
 *   if any is not, nothing is inserted and the caller gets WrongExpectedVersionError;
 * - a concurrent writer that passed the same check collides on the (stream_id, stream_version)
 *   primary key, so exactly one of them wins;
 * - a retry of an append that already committed collides on event_id and is answered from the
 *   stored rows (idempotent).
 */
const APPEND_SQL = `${CHECKED_INSERT_SQL('$1::jsonb', '$2::jsonb')}
  AND (SELECT count(pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(w))) FROM unnest($3::text[]) AS w) >= 0
  ${RETURNING}`;

/**
 * The append with a receipt (ADR 0028): the same insert, and the request's answer recorded in
 * idempotency_keys by the same statement, only if the events were inserted. Its position header is
 * built from the rows just inserted (the last one's), as formatPosition writes it.
 */
const APPEND_WITH_RECEIPT_SQL = `
  WITH appended AS (${APPEND_SQL}),
  receipt AS (
    INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, response_headers)
    SELECT $4, $5, $6, $7, $8, $9::jsonb || jsonb_build_object($10::text,
             (SELECT a.transaction_id || '-' || a.global_position FROM appended a ORDER BY a.global_position::bigint DESC LIMIT 1))
    WHERE EXISTS (SELECT 1 FROM appended)
  )
  SELECT * FROM appended`;

const RECEIPT_CONSTRAINT = 'idempotency_keys_pkey';

const COLUMNS = `global_position::text, transaction_id::text, stream_id, stream_version, event_id::text, type,
                 schema_version, data, metadata, recorded_at`;

export class PostgresEventStore implements EventStore {
  constructor(private readonly pool: Pool) {}

  async append(writes: StreamWrite[], receipt?: CommandReceipt): Promise<AppendResult> {
    const rows = writes.flatMap((write) =>
      write.events.map((event, index) => ({
        tenant_id: event.metadata.tenantId,
        stream_id: write.streamId,
        stream_version: write.expectedVersion + index + 1,
        event_id: event.eventId,
        type: event.type,
        schema_version: event.schemaVersion,
        data: event.data,
        metadata: event.metadata,
      })),
    );
    if (rows.length === 0) throw new Error('append needs at least one event');
    const expectations = writes.map((w) => ({ stream_id: w.streamId, expected: w.expectedVersion }));
    const written = [...new Set(writes.filter((w) => w.events.length > 0).map((w) => w.streamId))].sort();
    const asserting = writes.some((w) => w.events.length === 0);
    // Named: each connection plans these statements once; planning them per call halved the append rate.
    const statement = asserting
      ? { name: 'punchcard-append-asserting', text: APPEND_ASSERTING_SQL, values: [JSON.stringify(lockOrder(writes)), JSON.stringify(rows), JSON.stringify(expectations), receipt ? JSON.stringify(receipt) : null] }
      : receipt
        ? {
            name: 'punchcard-append-receipt',
            text: APPEND_WITH_RECEIPT_SQL,
            values: [JSON.stringify(rows), JSON.stringify(expectations), written, receipt.scope, receipt.key, receipt.requestHash, receipt.status, receipt.body, JSON.stringify(receipt.headers), receipt.positionHeader],
          }
        : { name: 'punchcard-append', text: APPEND_SQL, values: [JSON.stringify(rows), JSON.stringify(expectations), written] };
    let result;
    try {
      result = await this.pool.query(statement);
    } catch (error) {
      if (receipt && error instanceof DatabaseError && error.code === '23505' && error.constraint === RECEIPT_CONSTRAINT) {
        throw new ReceiptTakenError(receipt.scope, receipt.key);
      }
      // 40P01 cannot arise from the ordered stream locks; it is a conflict if anything else ever causes it.
      if (error instanceof DatabaseError && (error.code === '23505' || error.code === '40P01')) return this.replayOrConflict(writes, receipt);
      throw error;
    }
    // No rows: a stream was not at its expected version (or this very append already committed).
    if (result.rowCount === 0) return this.replayOrConflict(writes, receipt);
    return toAppendResult(writes, result.rows);
  }

  /**
   * Answers a retried append from the stored rows if all its events are there; otherwise it is a conflict.
   * With a receipt, events already there were written by an attempt under the same key, with its answer
   * in the same statement: that answer is the one to give (ReceiptTakenError), not this attempt's own
   * (its ids, e.g. a redemption id, were never recorded).
   */
  private async replayOrConflict(writes: StreamWrite[], receipt?: CommandReceipt): Promise<AppendResult> {
    const eventIds = writes.flatMap((w) => w.events.map((e: NewEvent) => e.eventId));
    const stored = await this.pool.query(
      `SELECT transaction_id::text, global_position::text, stream_id, stream_version, recorded_at FROM events WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    if (stored.rowCount === eventIds.length && receipt) throw new ReceiptTakenError(receipt.scope, receipt.key);
    if (stored.rowCount === eventIds.length) return toAppendResult(writes, stored.rows);
    const first = writes[0];
    throw new WrongExpectedVersionError(first.streamId, first.expectedVersion);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const result = await this.pool.query({
      name: 'punchcard-read-stream',
      text: `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 ORDER BY events.stream_version`,
      values: [streamId],
    });
    return result.rows.map(toStoredEvent);
  }

  async readStreams(streamIds: string[]): Promise<Map<string, StoredEvent[]>> {
    const read = new Map(streamIds.map((id) => [id, [] as StoredEvent[]]));
    const result = await this.pool.query({
      name: 'punchcard-read-streams',
      text: `SELECT ${COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY events.stream_id, events.stream_version`,
      values: [[...read.keys()]],
    });
    for (const row of result.rows) read.get(row.stream_id)!.push(toStoredEvent(row));
    return read;
  }

  async readAll(after: Position, limit: number): Promise<StoredEvent[]> {
    // Only transactions older than every still-running one are visible: an event whose
    // transaction commits later can then never sort before one already read.
    const result = await this.pool.query(
      `SELECT ${COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY events.transaction_id, events.global_position -- the columns, not the ::text outputs of the same name
       LIMIT $3`,
      [after.transactionId, after.globalPosition, limit],
    );
    return result.rows.map(toStoredEvent);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

type AppendedRow = { transaction_id: string; global_position: string; stream_id: string; stream_version: number; recorded_at: Date };

function toAppendResult(writes: StreamWrite[], rows: AppendedRow[]): AppendResult {
  const streamVersions: Record<string, number> = {};
  const byVersion = new Map(rows.map((row) => [`${row.stream_id}\n${row.stream_version}`, row]));
  let last = rows[0];
  for (const row of rows) {
    streamVersions[row.stream_id] = Math.max(streamVersions[row.stream_id] ?? 0, row.stream_version);
    if (BigInt(row.global_position) > BigInt(last.global_position)) last = row;
  }
  const stored = writes.flatMap((write) =>
    write.events.map((event, index): StoredEvent => {
      const row = byVersion.get(`${write.streamId}\n${write.expectedVersion + index + 1}`)!;
      const position = { transactionId: row.transaction_id, globalPosition: row.global_position };
      return { ...event, streamId: write.streamId, streamVersion: row.stream_version, position, recordedAt: row.recorded_at.toISOString() };
    }),
  );
  return { lastPosition: { transactionId: last.transaction_id, globalPosition: last.global_position }, streamVersions, stored };
}

/** Each stream once, in stream-id order: shared for asserted streams, exclusive for written ones. */
function lockOrder(writes: StreamWrite[]) {
  return [...new Map(writes.map((w) => [w.streamId, w.events.length === 0])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stream_id, shared]) => ({ stream_id, shared }));
}

function toStoredEvent(row: any): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    position: { transactionId: row.transaction_id, globalPosition: row.global_position },
    recordedAt: row.recorded_at.toISOString(),
  };
}
