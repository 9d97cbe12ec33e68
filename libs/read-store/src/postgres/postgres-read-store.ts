import { createHash } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { comparePositions, Position, START } from '@punchcard/event-store';
import { containsPattern, containsSql, inTransaction, Migration } from '@punchcard/postgres';
import {
  CheckpointMovedError,
  DocumentChange,
  DocumentDifference,
  DocumentKey,
  FieldCondition,
  FieldIndex,
  FindQuery,
  ProjectionBatch,
  ProjectionStorage,
  ReadStore,
  Scalar,
  SnapshotReader,
  StoredDocument,
  SumQuery,
  SumRow,
} from '../read-store.port';

export const readStoreMigrations: Migration[] = [
  {
    id: 'read-store-001-documents',
    sql: `
      CREATE TABLE read_documents (
        collection text NOT NULL,
        tenant_id text NOT NULL,
        id text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (collection, tenant_id, id)
      );
      -- Filters use per-field btree indexes that projections declare (ensureIndexes), not a GIN
      -- index over whole documents: that one indexed every path and dominated rebuild time.
      CREATE TABLE projection_checkpoints (
        projection text PRIMARY KEY,
        transaction_id xid8 NOT NULL,
        global_position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

/** Every read of a snapshot sees the same committed state; nothing can be written in it. */
const SNAPSHOT = { isolation: 'repeatable read', readOnly: true } as const;

const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;
const RANGE_OPERATORS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

export class PostgresReadStore implements ReadStore {
  /** `reader`: where reads go; a snapshot's store reads through its transaction's connection. */
  constructor(
    private readonly pool: Pool,
    private readonly reader: Pick<PoolClient, 'query'> = pool,
  ) {}

  async readInSnapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    if (this.reader !== this.pool) return work(this); // already in one
    return inTransaction(this.pool, (client) => work(new PostgresReadStore(this.pool, oneAtATime(client))), SNAPSHOT);
  }

  async ensureIndexes(indexes: FieldIndex[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':read-indexes'))`);
      for (const { field, within } of indexes) [field, ...(within ? [within] : [])].forEach(assertField);
      // A plain index serves filters, which compare the field's key column (ADR 0032); a sort index
      // (within or numeric) must spell the sort expression exactly, or the planner cannot use it for ORDER BY.
      const sorts = (index: FieldIndex) => Boolean(index.within || index.numeric);
      const keyed = (index: FieldIndex) => [...(index.within ? [index.within] : []), ...(sorts(index) ? [] : [index.field])];
      const existing = await keyColumnsIn(client);
      const missing = [...new Set(indexes.flatMap(keyed))].filter((f) => !existing.has(f));
      // Only when missing (ALTER TABLE locks the table even when the columns exist), and all in one
      // statement: each added stored column rewrites the table, one ALTER rewrites it once.
      if (missing.length) {
        await client.query(
          `ALTER TABLE read_documents ${missing.map((f) => `ADD COLUMN IF NOT EXISTS ${keyColumn(f)} text GENERATED ALWAYS AS (data->>${literal(f)}) STORED`).join(', ')}`,
        );
      }
      for (const index of indexes) {
        const { collection, field, numeric, within } = index;
        const columns = ['tenant_id', ...(within ? [keyColumn(within)] : []), sorts(index) ? `(${sortExpression({ field, numeric })})` : keyColumn(field), 'id'];
        const name = (prefix: string) => indexName([prefix, collection, within, field, numeric ? 'n' : ''].filter(Boolean).join('_'));
        // Before ADR 0032 the index spelled `data->>'f'` (named rd_…): drop it, it only cost writes.
        await client.query(`DROP INDEX IF EXISTS ${name('rd')}`);
        await client.query(`CREATE INDEX IF NOT EXISTS ${name('rdk')} ON read_documents (${columns.join(', ')}) WHERE collection = ${literal(collection)}`);
      }
    });
    keyColumnsByPool.delete(this.pool);
  }

  async get<T>(key: DocumentKey): Promise<T | null> {
    const result = await this.reader.query('SELECT data FROM read_documents WHERE collection = $1 AND tenant_id = $2 AND id = $3', [
      key.collection,
      key.tenantId,
      key.id,
    ]);
    return result.rows[0]?.data ?? null;
  }

  async getMany(keys: DocumentKey[]): Promise<StoredDocument[]> {
    if (keys.length === 0) return [];
    const result = await this.reader.query(
      `SELECT d.collection, d.tenant_id AS "tenantId", d.id, d.data
       FROM jsonb_to_recordset($1::jsonb) AS k(collection text, "tenantId" text, id text)
       JOIN read_documents d ON d.collection = k.collection AND d.tenant_id = k."tenantId" AND d.id = k.id`,
      [JSON.stringify(keys.map(({ collection, tenantId, id }) => ({ collection, tenantId, id })))],
    );
    return result.rows;
  }

  /**
   * The fields that have a key column (ADR 0032), looked up once per pool: columns are only ever
   * added, and a field whose column is not known yet is compared on the document (correct, slower).
   */
  private keyColumns(): Promise<Set<string>> {
    let known = keyColumnsByPool.get(this.pool);
    if (!known) {
      // On the pool, not a snapshot's connection: its transaction's fate is not every reader's.
      known = keyColumnsIn(this.pool);
      keyColumnsByPool.set(this.pool, known);
      known.catch(() => keyColumnsByPool.delete(this.pool));
    }
    return known;
  }

  async find<T>(collection: string, tenantId: string, query: FindQuery): Promise<StoredDocument<T>[]> {
    const params: unknown[] = [collection, tenantId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const clauses = ['collection = $1', 'tenant_id = $2'];
    const columns = await this.keyColumns();
    const allOf = (where: Record<string, FieldCondition>) => conditionsSql(where, param, columns).join(' AND ') || 'true';

    if (query.idBetween) clauses.push(`id >= ${param(query.idBetween.from)}`, `id <= ${param(query.idBetween.to)}`);
    clauses.push(...conditionsSql(query.where ?? {}, param, columns));
    if (query.anyOf) clauses.push(`(${query.anyOf.map((set) => `(${allOf(set)})`).join(' OR ') || 'false'})`);
    let orderBy: string;
    if (query.sort) {
      assertField(query.sort.field);
      const key = sortExpression(query.sort);
      const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
      if (query.afterSorted) {
        const value = param(query.afterSorted.value ?? (query.sort.numeric ? 0 : ''));
        clauses.push(`(${key}, id) ${direction === 'DESC' ? '<' : '>'} (${query.sort.numeric ? `${value}::numeric` : `${value}::text`}, ${param(query.afterSorted.id)})`);
      }
      orderBy = `${key} ${direction}, id ${direction}`;
    } else {
      const descending = query.order === 'desc';
      if (query.after !== undefined) clauses.push(`id ${descending ? '<' : '>'} ${param(query.after)}`);
      orderBy = `id ${descending ? 'DESC' : 'ASC'}`;
    }
    const limit = param(query.limit);
    const select = async (sql: string) => (await this.reader.query(sql, params)).rows;

    if (query.search && query.search.text) {
      const { fields, text, orAnyOf = [] } = query.search;
      fields.forEach(assertField);
      const pattern = fields.length ? param(containsPattern(text)) : '';
      const textMatch = fields.map((f) => containsSql(f === 'id' ? 'id' : `data->>'${f}'`, pattern)).join(' OR ');
      if (!textMatch && orAnyOf.length === 0) return [];
      if (query.sort) {
        const alternatives = [...(textMatch ? [textMatch] : []), ...orAnyOf.map(allOf)];
        clauses.push(`(${alternatives.map((a) => `(${a})`).join(' OR ')})`);
      } else {
        // By id, each alternative is its own first page, the page is the first of their union, and
        // only its documents are read: no plan then hangs on how many documents an alternative
        // matches, which the planner cannot estimate for one tenant of one collection (a name
        // every package has, or only two do).
        const where = clauses.join(' AND ');
        const firstPage = (condition: string) => `(SELECT id FROM read_documents WHERE ${where} AND (${condition}) ORDER BY ${orderBy} LIMIT ${limit})`;
        const branches = [
          ...(textMatch ? [firstPage(textMatch)] : []),
          ...orAnyOf.map((set) => {
            const list = keyColumnList(set, columns);
            if (!list) return firstPage(allOf(set));
            // One value at a time: each is an ordered walk of its index that stops at the page,
            // where the whole list in one `= ANY` would be read in full and sorted.
            return `(SELECT page.id FROM unnest(${param(list.values)}::text[]) AS v(value)
                     CROSS JOIN LATERAL ${firstPage(`${keyColumn(list.field)} = v.value`)} AS page)`;
          }),
        ];
        return select(
          `SELECT d.collection, d.tenant_id AS "tenantId", d.id, d.data
           FROM (SELECT id FROM (${branches.join(' UNION ')}) AS matched ORDER BY ${orderBy} LIMIT ${limit}) AS page
           JOIN read_documents d ON d.collection = $1 AND d.tenant_id = $2 AND d.id = page.id
           ORDER BY d.${orderBy}`,
        );
      }
    }
    return select(
      `SELECT collection, tenant_id AS "tenantId", id, data FROM read_documents
       WHERE ${clauses.join(' AND ')}
       ORDER BY ${orderBy} LIMIT ${limit}`,
    );
  }

  async distinctValues(collection: string, tenantId: string, field: string, query: { contains: string; limit: number }): Promise<string[]> {
    assertField(field);
    const params = [collection, tenantId, containsPattern(query.contains), query.limit];
    if (!(await this.keyColumns()).has(field)) {
      // No key column (the field is declared nowhere, or ensureIndexes has not run): correct, but a
      // scan of the tenant's documents.
      const { rows } = await this.reader.query(
        `SELECT DISTINCT data->>'${field}' AS value FROM read_documents
         WHERE collection = $1 AND tenant_id = $2 AND ${containsSql(`data->>'${field}'`, '$3')} ORDER BY 1 LIMIT $4`,
        params,
      );
      return rows.map((row: { value: string }) => row.value);
    }
    // A loose index scan: one probe of the field's index on this collection per distinct value, not a
    // read of every document. LIKE is not leakproof, so under row-level security it could never
    // narrow an index scan; here it only filters the few distinct values, while each probe (`>`,
    // leakproof) is an index condition. The values come out in the order the recursion finds them:
    // text order (an ORDER BY here would make it find them all before the LIMIT).
    const column = keyColumn(field);
    const { rows } = await this.reader.query(
      `WITH RECURSIVE distinct_values(value) AS (
         (SELECT ${column} FROM read_documents WHERE collection = $1 AND tenant_id = $2 AND ${column} IS NOT NULL ORDER BY ${column} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${column} FROM read_documents WHERE collection = $1 AND tenant_id = $2 AND ${column} > v.value ORDER BY ${column} LIMIT 1)
         FROM distinct_values v WHERE v.value IS NOT NULL
       )
       SELECT value FROM distinct_values WHERE ${containsSql('value', '$3')} LIMIT $4`,
      params,
    );
    return rows.map((row: { value: string }) => row.value);
  }

  async sum(collection: string, tenantId: string, query: SumQuery): Promise<SumRow[]> {
    const params: unknown[] = [collection, tenantId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const clauses = ['collection = $1', 'tenant_id = $2', ...conditionsSql(query.where ?? {}, param, await this.keyColumns())];
    [...query.groupBy, ...query.fields].forEach(assertField);
    const groups = query.groupBy.map((f, i) => `data->>'${f}' AS g${i}`);
    const sums = query.fields.map((f, i) => `COALESCE(SUM((data->>'${f}')::numeric), 0)::text AS s${i}`);
    const result = await this.reader.query(
      `SELECT ${[...groups, ...sums, 'count(*)::int AS n'].join(', ')} FROM read_documents
       WHERE ${clauses.join(' AND ')}
       ${groups.length ? `GROUP BY ${query.groupBy.map((_, i) => i + 1).join(', ')} ORDER BY ${query.groupBy.map((_, i) => i + 1).join(', ')}` : ''}`,
      params,
    );
    return result.rows
      .filter((row) => row.n > 0)
      .map((row) => ({
        group: Object.fromEntries(query.groupBy.map((f, i) => [f, row[`g${i}`]])),
        sums: Object.fromEntries(query.fields.map((f, i) => [f, Number(row[`s${i}`])])),
        count: row.n,
      }));
  }

  async checkpoint(projection: string): Promise<Position> {
    const result = await this.reader.query(
      'SELECT transaction_id::text, global_position::text FROM projection_checkpoints WHERE projection = $1',
      [projection],
    );
    const row = result.rows[0];
    return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START;
  }

  async checkpoints(projections: string[]): Promise<Map<string, Position>> {
    const { rows } = await this.reader.query(
      'SELECT projection, transaction_id::text, global_position::text FROM projection_checkpoints WHERE projection = ANY($1::text[])',
      [projections],
    );
    const found = new Map<string, Position>(rows.map((row) => [row.projection, { transactionId: row.transaction_id, globalPosition: row.global_position }]));
    return new Map(projections.map((projection) => [projection, found.get(projection) ?? START]));
  }

  commit(projection: string, from: Position, to: Position, changes: DocumentChange[]): Promise<void> {
    return this.commitAll([{ projection, from, to, changes }]);
  }

  async commitAll(batches: ProjectionBatch[]): Promise<void> {
    if (batches.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      // The checkpoints move first: their row locks order competing runners, and the compare-and-set
      // (or, for a first batch, the primary key) makes the loser write nothing.
      await moveCheckpoints(client, batches);
      const puts = new Map<string, { collection: string; tenant_id: string; id: string; data: unknown }>();
      const deletes = new Map<string, { collection: string; tenant_id: string; id: string }>();
      for (const change of batches.flatMap((batch) => batch.changes)) {
        const k = `${change.key.collection}\u0000${change.key.tenantId}\u0000${change.key.id}`;
        const row = { collection: change.key.collection, tenant_id: change.key.tenantId, id: change.key.id };
        if (change.kind === 'put') {
          deletes.delete(k);
          puts.set(k, { ...row, data: change.data });
        } else {
          puts.delete(k);
          deletes.set(k, row);
        }
      }
      if (puts.size) {
        await client.query(
          `INSERT INTO read_documents (collection, tenant_id, id, data)
           SELECT collection, tenant_id, id, data FROM jsonb_to_recordset($1::jsonb) AS r(collection text, tenant_id text, id text, data jsonb)
           ON CONFLICT (collection, tenant_id, id) DO UPDATE SET data = EXCLUDED.data`,
          [JSON.stringify([...puts.values()])],
        );
      }
      if (deletes.size) {
        await client.query(
          `DELETE FROM read_documents d USING jsonb_to_recordset($1::jsonb) AS r(collection text, tenant_id text, id text)
           WHERE d.collection = r.collection AND d.tenant_id = r.tenant_id AND d.id = r.id`,
          [JSON.stringify([...deletes.values()])],
        );
      }
    });
  }

  async reset(projection: string, collections: string[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM projection_checkpoints WHERE projection = $1', [projection]);
      await client.query('DELETE FROM read_documents WHERE collection = ANY($1::text[])', [collections]);
    });
  }

  async swap(live: ProjectionStorage, rebuilt: ProjectionStorage): Promise<void> {
    assertPaired(live, rebuilt);
    await inTransaction(this.pool, async (client) => {
      // Locks both checkpoint rows first: a live runner's commit waits, then fails its compare-and-set.
      await client.query('SELECT projection FROM projection_checkpoints WHERE projection = ANY($1::text[]) ORDER BY projection FOR UPDATE', [
        [live.projection, rebuilt.projection],
      ]);
      const moved = await client.query('DELETE FROM projection_checkpoints WHERE projection = $1 RETURNING transaction_id::text, global_position::text', [
        rebuilt.projection,
      ]);
      if (moved.rowCount === 0) throw new Error(`Projection ${rebuilt.projection} has no checkpoint: nothing was rebuilt to switch to`);
      await client.query('DELETE FROM read_documents WHERE collection = ANY($1::text[])', [live.collections]);
      // A copy under the live name, then a delete of the rebuilt rows: about three times faster than an
      // UPDATE of `collection` for these documents (measured in docs/performance.md). The key columns
      // (f_…) are generated, so the copy carries every column a row has (test/e2e/rebuild.e2e-spec.ts checks).
      for (const [i, collection] of live.collections.entries()) {
        await client.query('INSERT INTO read_documents (collection, tenant_id, id, data) SELECT $1, tenant_id, id, data FROM read_documents WHERE collection = $2', [
          collection,
          rebuilt.collections[i],
        ]);
      }
      await client.query('DELETE FROM read_documents WHERE collection = ANY($1::text[])', [rebuilt.collections]);
      const { transaction_id, global_position } = moved.rows[0];
      await client.query(
        `INSERT INTO projection_checkpoints (projection, transaction_id, global_position) VALUES ($1, $2::xid8, $3::bigint)
         ON CONFLICT (projection) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
        [live.projection, transaction_id, global_position],
      );
    });
  }

  async compare(live: ProjectionStorage, rebuilt: ProjectionStorage, limit: number): Promise<DocumentDifference[] | null> {
    assertPaired(live, rebuilt);
    // One snapshot for the checkpoints and the documents, so both sides are compared as of one position.
    return inTransaction(
      this.pool,
      async (client) => {
        const checkpoints = await client.query(
          'SELECT count(DISTINCT (transaction_id, global_position))::int AS positions, count(*)::int AS n FROM projection_checkpoints WHERE projection = ANY($1::text[])',
          [[live.projection, rebuilt.projection]],
        );
        const { positions, n } = checkpoints.rows[0];
        if (!(positions === 1 && n === 2)) return null;
        const differences: DocumentDifference[] = [];
        for (const [i, collection] of live.collections.entries()) {
          const result = await client.query(
            `SELECT COALESCE(l.tenant_id, r.tenant_id) AS "tenantId", COALESCE(l.id, r.id) AS id, l.data AS live, r.data AS rebuilt
             FROM (SELECT tenant_id, id, data FROM read_documents WHERE collection = $1) l
             FULL JOIN (SELECT tenant_id, id, data FROM read_documents WHERE collection = $2) r ON l.tenant_id = r.tenant_id AND l.id = r.id
             WHERE l.data IS DISTINCT FROM r.data
             ORDER BY 1, 2 LIMIT $3`,
            [collection, rebuilt.collections[i], limit - differences.length],
          );
          differences.push(...result.rows.map((row) => ({ collection, ...row })));
          if (differences.length >= limit) break;
        }
        return differences;
      },
      SNAPSHOT,
    );
  }
}

/** A connection that runs the queries given to it concurrently one after another (pg allows one at a time). */
function oneAtATime(client: PoolClient): Pick<PoolClient, 'query'> {
  let last: Promise<unknown> = Promise.resolve();
  const query = (...args: unknown[]) => {
    const run = last.then(() => (client.query as (...a: unknown[]) => Promise<unknown>)(...args));
    last = run.catch(() => undefined);
    return run;
  };
  return { query } as Pick<PoolClient, 'query'>;
}

function assertPaired(live: ProjectionStorage, rebuilt: ProjectionStorage): void {
  if (live.collections.length !== rebuilt.collections.length || live.projection === rebuilt.projection) {
    throw new Error(`Cannot pair ${live.projection} with ${rebuilt.projection}: their collections do not line up`);
  }
}

/** The ORDER BY / index expression of a sort field: indexes and queries must spell it identically. */
function sortExpression({ field, numeric }: { field: string; numeric?: boolean }): string {
  return numeric ? `COALESCE((data->>'${field}')::numeric, 0)` : `COALESCE(data->>'${field}', '')`;
}

/** Index names are at most 63 bytes: a long one keeps a readable head and a hash of the whole. */
function indexName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
  return clean.length <= 63 ? clean : `${clean.slice(0, 54)}_${createHash('sha1').update(clean).digest('hex').slice(0, 8)}`;
}

/**
 * A filter field's text as a stored column (ADR 0032). Under row-level security a condition on
 * `data->>'f'` cannot be an index condition (`->>` is not leakproof, so it may only run after the
 * policy's check); `f_field = $1` compares a column with a leakproof operator, so its index serves it.
 */
const keyColumn = (field: string) => `"f_${field}"`;

const keyColumnsByPool = new WeakMap<Pool, Promise<Set<string>>>();

async function keyColumnsIn(reader: Pick<PoolClient, 'query'>): Promise<Set<string>> {
  const { rows } = await reader.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = 'read_documents'::regclass AND attnum > 0 AND NOT attisdropped AND attname LIKE 'f\\_%'`,
  );
  return new Set(rows.map((row: { attname: string }) => row.attname.slice(2)));
}

/** SQL for field conditions (ANDed); values go through `param`. Strings compare as text, on the field's key column when it has one. */
function conditionsSql(where: Record<string, FieldCondition>, param: (value: unknown) => string, columns: Set<string>): string[] {
  const clauses: string[] = [];
  for (const [field, condition] of Object.entries(where)) {
    assertField(field);
    const text = columns.has(field) ? keyColumn(field) : `(data->>'${field}')`;
    if (!isOperatorCondition(condition)) {
      clauses.push(equalitySql(field, text, condition, param));
      continue;
    }
    if (condition.in) {
      const values = condition.in;
      clauses.push(
        values.every((v) => typeof v === 'string')
          ? `${text} = ANY(${param(values)}::text[])`
          : `(${values.map((v) => equalitySql(field, text, v, param)).join(' OR ') || 'false'})`,
      );
    }
    for (const [op, sql] of Object.entries(RANGE_OPERATORS)) {
      const value = condition[op as keyof typeof RANGE_OPERATORS];
      if (value === undefined) continue;
      const lhs = typeof value === 'number' ? `(data->>'${field}')::numeric` : text;
      clauses.push(`${lhs} ${sql} ${param(value)}`);
    }
  }
  return clauses;
}

/**
 * The field and values of a condition set that is only `{ field: { in: [texts] } }`, on a field
 * with a key column: its index then serves each value's documents in id order. Else null.
 */
function keyColumnList(set: Record<string, FieldCondition>, columns: Set<string>): { field: string; values: string[] } | null {
  const entries = Object.entries(set);
  if (entries.length !== 1) return null;
  const [field, condition] = entries[0];
  if (!columns.has(field) || !isOperatorCondition(condition) || Object.keys(condition).length !== 1) return null;
  const values = condition.in;
  if (!values || !values.every((v): v is string => typeof v === 'string')) return null;
  assertField(field);
  return { field, values };
}

function equalitySql(field: string, text: string, value: Scalar, param: (value: unknown) => string): string {
  if (value === null) return `${text} IS NULL`;
  if (typeof value === 'string') return `${text} = ${param(value)}`;
  return `data->'${field}' = ${param(JSON.stringify(value))}::jsonb`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function isOperatorCondition(condition: FieldCondition): condition is Exclude<FieldCondition, string | number | boolean | null> {
  return typeof condition === 'object' && condition !== null;
}

function assertField(field: string): void {
  if (!FIELD.test(field)) throw new Error(`Invalid field name ${JSON.stringify(field)}`);
}

/**
 * Moves each batch's checkpoint from its `from` to its `to`, or throws CheckpointMovedError. One
 * statement moves every checkpoint past the start; a projection's first batch inserts its row, and
 * the primary key refuses a second runner's. The order the statement locks rows in follows its plan:
 * should two runners racing over the same rows deadlock, PostgreSQL fails one, which writes nothing.
 */
async function moveCheckpoints(client: PoolClient, batches: ProjectionBatch[]): Promise<void> {
  if (new Set(batches.map((batch) => batch.projection)).size !== batches.length) throw new Error('commitAll takes at most one batch per projection');
  const fromStart = batches.filter((batch) => comparePositions(batch.from, START) === 0);
  const onward = batches.filter((batch) => comparePositions(batch.from, START) !== 0);
  for (const { projection, from, to } of fromStart) {
    const inserted = await client.query(
      `INSERT INTO projection_checkpoints AS c (projection, transaction_id, global_position)
       VALUES ($1, $4::xid8, $5::bigint)
       ON CONFLICT (projection) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
         global_position = EXCLUDED.global_position, updated_at = now()
       WHERE c.transaction_id = $2::xid8 AND c.global_position = $3::bigint`,
      [projection, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
    );
    if (inserted.rowCount === 0) throw new CheckpointMovedError(projection);
  }
  if (onward.length === 0) return;
  const column = <T>(pick: (batch: ProjectionBatch) => T) => onward.map(pick);
  const moved = await client.query<{ projection: string }>(
    `UPDATE projection_checkpoints c SET transaction_id = n.to_tx, global_position = n.to_gp, updated_at = now()
     FROM unnest($1::text[], $2::xid8[], $3::bigint[], $4::xid8[], $5::bigint[]) AS n(projection, from_tx, from_gp, to_tx, to_gp)
     WHERE c.projection = n.projection AND c.transaction_id = n.from_tx AND c.global_position = n.from_gp
     RETURNING c.projection`,
    [
      column((b) => b.projection),
      column((b) => b.from.transactionId),
      column((b) => b.from.globalPosition),
      column((b) => b.to.transactionId),
      column((b) => b.to.globalPosition),
    ],
  );
  if (moved.rowCount !== onward.length) {
    const done = new Set(moved.rows.map((row) => row.projection));
    throw new CheckpointMovedError(onward.find((batch) => !done.has(batch.projection))!.projection);
  }
}
