import { randomUUID } from 'node:crypto';
import { DomainEvent, Evolver } from '@punchcard/domain';
import { eventStoreMigrations, PostgresEventStore, WrongExpectedVersionError } from '@punchcard/event-store';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { CommandContext } from './command-context';
import { toNewEvents, UnitOfWork } from './unit-of-work';

/** Counts a stream's events: enough state for these tests. */
const counter: Evolver<number, DomainEvent> = { initialState: 0, evolve: (n) => n + 1 };
const context: CommandContext = { tenantId: 'tenant-a', actor: { id: 'api-key:k', role: 'admin' }, correlationId: 'c', causationId: 'command-1', idempotencyKey: null };
const NOW = '2026-03-01T10:00:00.000Z';

describe('UnitOfWork: streams read but not staged are version-checked in the same append', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase(eventStoreMigrations);
    store = new PostgresEventStore(db.pool);
  });
  afterAll(() => db.drop());

  const seed = async (streamId: string, count: number) =>
    store.append([{ streamId, expectedVersion: 0, events: toNewEvents(context, streamId, 0, Array.from({ length: count }, () => ({ type: 'Seeded', data: {} })), NOW) }]);

  it('conflicts when a stream the decision only read (say, the schedule) changed before the append', async () => {
    const written = `written-${randomUUID()}`;
    const configuration = `configuration-${randomUUID()}`;
    await seed(configuration, 2);
    const unit = new UnitOfWork(store, context, NOW);
    await unit.load(written, counter);
    expect((await unit.load(configuration, counter)).state).toBe(2);
    unit.stage(written, [{ type: 'Decided', data: {} }]);

    // A configuration change commits while the decision is being made.
    await store.append([{ streamId: configuration, expectedVersion: 2, events: toNewEvents(context, configuration, 2, [{ type: 'Changed', data: {} }], NOW) }]);

    expect(unit.writes().map((w) => [w.streamId, w.expectedVersion, w.events.length]).sort()).toEqual(
      [
        [configuration, 2, 0],
        [written, 0, 1],
      ].sort(),
    );
    await expect(store.append(unit.writes())).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await store.readStream(written)).toEqual([]);
  });

  it('appends when nothing it read moved, and writes nothing to the streams only read', async () => {
    const written = `written-${randomUUID()}`;
    const configuration = `configuration-${randomUUID()}`;
    await seed(configuration, 1);
    const unit = new UnitOfWork(store, context, NOW);
    await unit.load(written, counter);
    await unit.load(configuration, counter);
    await unit.load(`absent-${randomUUID()}`, counter); // absent when read: asserted absent
    unit.stage(written, [{ type: 'Decided', data: {} }]);
    const result = await store.append(unit.writes());
    expect(result.streamVersions).toEqual({ [written]: 1 });
    expect(await store.readStream(configuration)).toHaveLength(1);
  });

  it('writes nothing at all when nothing is staged', async () => {
    const unit = new UnitOfWork(store, context, NOW);
    await unit.load(`configuration-${randomUUID()}`, counter);
    expect(unit.writes()).toEqual([]);
  });
});
