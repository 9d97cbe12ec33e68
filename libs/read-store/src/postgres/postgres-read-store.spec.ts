import { createTestDatabase } from '../../../../test/support/test-database';
import { readStoreContract } from '../contract/read-store.contract';
import { PostgresReadStore, readStoreMigrations } from './postgres-read-store';

describe('PostgresReadStore: the read store contract', () => {
  readStoreContract(async () => {
    const db = await createTestDatabase(readStoreMigrations);
    return { store: new PostgresReadStore(db.pool), cleanup: () => db.drop() };
  });
});
