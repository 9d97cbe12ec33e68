import { START } from '@punchcard/event-store';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { readStoreContract } from '../contract/read-store.contract';
import { PostgresReadStore, readStoreMigrations } from './postgres-read-store';

describe('PostgresReadStore: the read store contract', () => {
  readStoreContract(async () => {
    const db = await createTestDatabase(readStoreMigrations);
    return { store: new PostgresReadStore(db.pool), cleanup: () => db.drop() };
  });
});

describe('PostgresReadStore: declared indexes serve the queries that use them', () => {
  let db: TestDatabase;
  let store: PostgresReadStore;
  beforeAll(async () => {
    db = await createTestDatabase(readStoreMigrations);
    store = new PostgresReadStore(db.pool);
    await store.ensureIndexes([
      { collection: 'rows', field: 'status' },
      { collection: 'rows', within: 'group', field: 'score', numeric: true },
    ]);
    const changes = Array.from({ length: 20_000 }, (_, i) => ({
      kind: 'put' as const,
      key: { collection: 'rows', tenantId: 't', id: `r${String(i).padStart(6, '0')}` },
      data: { status: `s${i % 500}`, group: `g${i % 40}`, score: i % 97 },
    }));
    await store.commit('rows', START, { transactionId: '1', globalPosition: '1' }, changes);
    await db.pool.query('ANALYZE read_documents');
  });
  afterAll(() => db.drop());

  /** The plan PostgreSQL picks for the SQL `find` sends (captured from the pool). */
  async function planOf(run: () => Promise<unknown>): Promise<string> {
    const original = db.pool.query.bind(db.pool);
    let captured: [string, unknown[]] | null = null;
    (db.pool as any).query = (text: string, values: unknown[]) => {
      captured = [text, values];
      return original(text, values);
    };
    try {
      await run();
    } finally {
      (db.pool as any).query = original;
    }
    const [text, values] = captured!;
    const plan = await original(`EXPLAIN ${text}`, values);
    return plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
  }

  it('filters by a plain field through its index', async () => {
    expect(await planOf(() => store.find('rows', 't', { where: { status: 's7' }, limit: 20 }))).toMatch(/rdk_rows_status/);
  });

  it('sorts one group by a numeric field through its index, with the keyset cursor inside the index condition', async () => {
    const plan = await planOf(() =>
      store.find('rows', 't', { where: { group: 'g3' }, sort: { field: 'score', numeric: true, direction: 'desc' }, afterSorted: { value: 50, id: 'r000100' }, limit: 20 }),
    );
    expect(plan).toMatch(/rdk_rows_group_score_n/);
    expect(plan).not.toMatch(/Sort/);
  });
});

describe('PostgresReadStore: an existing read model gains its key columns (ADR 0032)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(readStoreMigrations);
  });
  afterAll(() => db.drop());

  it('fills the columns of documents written before, drops the old expression index, and adds columns once', async () => {
    const store = new PostgresReadStore(db.pool);
    await store.commit('rows', START, { transactionId: '1', globalPosition: '1' }, [
      { kind: 'put', key: { collection: 'rows', tenantId: 't', id: 'a' }, data: { status: 'open', group: 'g1' } },
      { kind: 'put', key: { collection: 'rows', tenantId: 't', id: 'b' }, data: { status: 'closed' } },
    ]);
    await db.pool.query(`CREATE INDEX rd_rows_status ON read_documents (tenant_id, (data->>'status'), id) WHERE collection = 'rows'`); // as before ADR 0032
    const indexes = [
      { collection: 'rows', field: 'status' },
      { collection: 'rows', within: 'group', field: 'score', numeric: true },
    ];
    await store.ensureIndexes(indexes);
    await store.ensureIndexes(indexes); // idempotent
    const { rows } = await db.pool.query(`SELECT id, "f_status", "f_group" FROM read_documents ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a', f_status: 'open', f_group: 'g1' },
      { id: 'b', f_status: 'closed', f_group: null },
    ]);
    const names = (await db.pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'read_documents'`)).rows.map((r) => r.indexname);
    expect(names).not.toContain('rd_rows_status');
    expect(names).toEqual(expect.arrayContaining(['rdk_rows_status', 'rdk_rows_group_score_n']));
    expect(await store.find('rows', 't', { where: { status: 'closed' }, limit: 5 })).toMatchObject([{ id: 'b' }]);
  });
});
