import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { eventStoreContract } from '../contract/event-store.contract';
import { START } from '../event-store.port';
import { eventStoreMigrations, PostgresEventStore } from './postgres-event-store';

describe('PostgresEventStore: the event store contract', () => {
  eventStoreContract(async () => {
    const db = await createTestDatabase(eventStoreMigrations, 40);
    return {
      store: new PostgresEventStore(db.pool),
      secondStore: async () => new PostgresEventStore(db.newPool(40)),
      cleanup: () => db.drop(),
    };
  });
});

describe('PostgresEventStore: commit order differs from sequence order', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(eventStoreMigrations);
  });
  afterAll(() => db.drop());

  const row = (stream: string) => [
    'tenant-a',
    stream,
    randomUUID(),
    JSON.stringify({ tenantId: 'tenant-a' }),
  ];
  const insert = `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, schema_version, data, metadata)
                  VALUES ($1, $2, 1, $3, 'T', 1, '{}', $4)`;

  it('hides a later-committed event until the earlier open transaction ends, so nothing is skipped', async () => {
    const store = new PostgresEventStore(db.pool);
    const slow = await db.pool.connect();
    try {
      // Transaction A takes the lower sequence number and stays open...
      await slow.query('BEGIN');
      await slow.query(insert, row('slow'));
      // ...while B takes a higher one and commits first.
      await db.pool.query(insert, row('fast'));

      // A reader ordering by sequence alone would now see B, checkpoint past A and lose A forever.
      expect(await store.readAll(START, 100)).toEqual([]);

      await slow.query('COMMIT');
      const events = await store.readAll(START, 100);
      expect(events.map((e) => e.streamId)).toEqual(['slow', 'fast']);
    } finally {
      slow.release();
    }
  });
});
