import { START } from '@punchcard/event-store';
import { PostgresReadStore, ReadStore, readStoreMigrations } from '@punchcard/read-store';
import { ACCOUNTING_CURRENCIES, ACCOUNTING_CURRENCIES_ID, ACCOUNTING_DAYS, dayMeasureField } from '@punchcard/projections';
import { createTestDatabase, TestDatabase } from '../../../../../test/support/test-database';
import { AccountingReports } from './accounting-reports';

/**
 * A report makes several reads (the tenant's currencies, then sums of days and of lines). A projection
 * batch that commits between them must not show in some reads and not in others: the report reads
 * one snapshot.
 */
describe('AccountingReports: each report reads one snapshot', () => {
  let db: TestDatabase;
  let store: PostgresReadStore;
  const tenantId = 'tenant-snapshot';
  const day = (id: string, liability: number) => ({
    kind: 'put' as const,
    key: { collection: ACCOUNTING_DAYS, tenantId, id },
    data: { day: id, [dayMeasureField('sales', 'EUR')]: liability, [dayMeasureField('liability', 'EUR')]: liability },
  });
  beforeAll(async () => {
    db = await createTestDatabase(readStoreMigrations);
    store = new PostgresReadStore(db.pool);
    await store.commit('accounting', START, { transactionId: '1', globalPosition: '1' }, [
      { kind: 'put', key: { collection: ACCOUNTING_CURRENCIES, tenantId, id: ACCOUNTING_CURRENCIES_ID }, data: { currencies: ['EUR'] } },
      day('2026-01-01', 1000),
    ]);
  });
  afterAll(() => db.drop());

  /** The store, with a projection batch (another sale on 2 January) committing right after the report's first read. */
  function batchAfterFirstRead(): ReadStore {
    let committed = false;
    const afterRead = async () => {
      if (committed) return;
      committed = true;
      await store.commit('accounting', { transactionId: '1', globalPosition: '1' }, { transactionId: '2', globalPosition: '2' }, [day('2026-01-02', 500)]);
    };
    const spied = <T extends object>(reader: T): T =>
      new Proxy(reader, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop === 'readInSnapshot') return (work: (r: unknown) => Promise<unknown>) => store.readInSnapshot((r) => work(spied(r)));
          if (prop !== 'get' && prop !== 'sum' && prop !== 'find') return value;
          return async (...args: unknown[]) => {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            await afterRead();
            return result;
          };
        },
      });
    return spied(store);
  }

  it('the contract liability shows the state as of its first read, not a mix', async () => {
    const [eur] = await new AccountingReports(batchAfterFirstRead()).contractLiability(tenantId, '2026-02-01T00:00:00.000Z');
    expect(eur.liability).toBe(1000);
    // The batch did commit: a report started now sees it.
    expect((await new AccountingReports(store).contractLiability(tenantId, '2026-02-01T00:00:00.000Z'))[0].liability).toBe(1500);
  });
});
