import { Pool } from 'pg';
import { comparePositions, Position, START } from '../../../event-store/src/event-store.port';
import { inTransaction, Migration } from '../../../postgres/src';
import { CheckpointMovedError, DocumentChange, DocumentKey, FieldCondition, FieldIndex, FindQuery, ReadStore, Scalar, StoredDocument } from '../read-store.port';

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

const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;
const RANGE_OPERATORS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

export class PostgresReadStore implements ReadStore {
  constructor(private readonly pool: Pool) {}

  async ensureIndexes(indexes: FieldIndex[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':read-indexes'))`);
      for (const { collection, field } of indexes) {
        assertField(field);
        const name = `rd_${collection}_${field}`.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase().slice(0, 63);
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${name} ON read_documents (tenant_id, (data->>'${field}'), id) WHERE collection = ${literal(collection)}`,
        );
      }
    });
  }

  async get<T>(key: DocumentKey): Promise<T | null> {
    const result = await this.pool.query('SELECT data FROM read_documents WHERE collection = $1 AND tenant_id = $2 AND id = $3', [
      key.collection,
      key.tenantId,
      key.id,
    ]);
    return result.rows[0]?.data ?? null;
  }

  async getMany(keys: DocumentKey[]): Promise<StoredDocument[]> {
    if (keys.length === 0) return [];
    const result = await this.pool.query(
      `SELECT d.collection, d.tenant_id AS "tenantId", d.id, d.data
       FROM jsonb_to_recordset($1::jsonb) AS k(collection text, "tenantId" text, id text)
       JOIN read_documents d ON d.collection = k.collection AND d.tenant_id = k."tenantId" AND d.id = k.id`,
      [JSON.stringify(keys.map(({ collection, tenantId, id }) => ({ collection, tenantId, id })))],
    );
    return result.rows;
  }

  async find<T>(collection: string, tenantId: string, query: FindQuery): Promise<StoredDocument<T>[]> {
    const params: unknown[] = [collection, tenantId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const clauses = ['collection = $1', 'tenant_id = $2'];

    clauses.push(...conditionsSql(query.where ?? {}, param));
    if (query.search && query.search.text) {
      query.search.fields.forEach(assertField);
      const pattern = param(`%${query.search.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      const alternatives = query.search.fields.map((f) => `data->>'${f}' ILIKE ${pattern}`);
      if (query.search.orWhere) alternatives.push(`(${conditionsSql(query.search.orWhere, param).join(' AND ') || 'true'})`);
      clauses.push(`(${alternatives.join(' OR ')})`);
    }
    const descending = query.order === 'desc';
    if (query.after !== undefined) clauses.push(`id ${descending ? '<' : '>'} ${param(query.after)}`);
    const result = await this.pool.query(
      `SELECT collection, tenant_id AS "tenantId", id, data FROM read_documents
       WHERE ${clauses.join(' AND ')}
       ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ${param(query.limit)}`,
      params,
    );
    return result.rows;
  }

  async checkpoint(projection: string): Promise<Position> {
    const result = await this.pool.query(
      'SELECT transaction_id::text, global_position::text FROM projection_checkpoints WHERE projection = $1',
      [projection],
    );
    const row = result.rows[0];
    return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START;
  }

  async commit(projection: string, from: Position, to: Position, changes: DocumentChange[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The checkpoint moves first: its row lock orders competing runners, and the compare-and-set
      // (or, for a first batch, the primary key) makes the loser write nothing.
      const fromStart = comparePositions(from, START) === 0;
      const moved = await client.query(
        fromStart
          ? `INSERT INTO projection_checkpoints AS c (projection, transaction_id, global_position)
             VALUES ($1, $4::xid8, $5::bigint)
             ON CONFLICT (projection) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
               global_position = EXCLUDED.global_position, updated_at = now()
             WHERE c.transaction_id = $2::xid8 AND c.global_position = $3::bigint`
          : `UPDATE projection_checkpoints SET transaction_id = $4::xid8, global_position = $5::bigint, updated_at = now()
             WHERE projection = $1 AND transaction_id = $2::xid8 AND global_position = $3::bigint`,
        [projection, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
      );
      if (moved.rowCount === 0) throw new CheckpointMovedError(projection);
      const puts = new Map<string, { collection: string; tenant_id: string; id: string; data: unknown }>();
      const deletes = new Map<string, { collection: string; tenant_id: string; id: string }>();
      for (const change of changes) {
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
}

/** SQL for field conditions (ANDed); values go through `param`. Strings compare as text, so field indexes apply. */
function conditionsSql(where: Record<string, FieldCondition>, param: (value: unknown) => string): string[] {
  const clauses: string[] = [];
  for (const [field, condition] of Object.entries(where)) {
    assertField(field);
    if (!isOperatorCondition(condition)) {
      clauses.push(equalitySql(field, condition, param));
      continue;
    }
    if (condition.in) {
      const values = condition.in;
      clauses.push(
        values.every((v) => typeof v === 'string')
          ? `data->>'${field}' = ANY(${param(values)}::text[])`
          : `(${values.map((v) => equalitySql(field, v, param)).join(' OR ') || 'false'})`,
      );
    }
    for (const [op, sql] of Object.entries(RANGE_OPERATORS)) {
      const value = condition[op as keyof typeof RANGE_OPERATORS];
      if (value === undefined) continue;
      const lhs = typeof value === 'number' ? `(data->>'${field}')::numeric` : `(data->>'${field}')`;
      clauses.push(`${lhs} ${sql} ${param(value)}`);
    }
  }
  return clauses;
}

function equalitySql(field: string, value: Scalar, param: (value: unknown) => string): string {
  if (value === null) return `data->>'${field}' IS NULL`;
  if (typeof value === 'string') return `data->>'${field}' = ${param(value)}`;
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
