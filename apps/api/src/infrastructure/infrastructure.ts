import { Pool } from 'pg';
import { upcast } from '../../../../libs/domain/src';
import { EventStore, StoredEvent } from '../../../../libs/event-store/src/event-store.port';
import { eventStoreMigrations, PostgresEventStore } from '../../../../libs/event-store/src/postgres/postgres-event-store';
import { createPool, migrate } from '../../../../libs/postgres/src';
import { PostgresAdvisoryLease } from '../../../../libs/projection-runner/src/lease';
import { ProjectionRunner } from '../../../../libs/projection-runner/src/projection-runner';
import { PostgresReadStore, readStoreMigrations } from '../../../../libs/read-store/src/postgres/postgres-read-store';
import { ReadStore } from '../../../../libs/read-store/src/read-store.port';
import { ALL_PROJECTIONS } from '../../../../projections';
import { appMigrations } from './app-migrations';

export const MIGRATIONS = [...eventStoreMigrations, ...readStoreMigrations, ...appMigrations];

/** Everything with a connection behind it, built once per process and handed to Nest as values. */
export interface Infrastructure {
  pool: Pool;
  eventStore: EventStore;
  readStore: ReadStore;
  runner: ProjectionRunner;
  close(): Promise<void>;
}

export function upcastStored(event: StoredEvent): StoredEvent {
  return { ...event, data: upcast(event.type, event.schemaVersion, event.data) };
}

export async function createInfrastructure(options: { connectionString: string; schema?: string; poolSize: number }): Promise<Infrastructure> {
  const pool = createPool({ connectionString: options.connectionString, schema: options.schema, maxConnections: options.poolSize });
  await migrate(pool, MIGRATIONS);
  const eventStore = new PostgresEventStore(pool);
  const readStore = new PostgresReadStore(pool);
  await readStore.ensureIndexes(ALL_PROJECTIONS.flatMap((p) => p.indexes ?? []));
  const runner = new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS, new PostgresAdvisoryLease(pool, 'projections'), {
    upcast: upcastStored,
    onError: (name, error) => console.error(`[projections] ${name} failed, will retry:`, error),
  });
  return {
    pool,
    eventStore,
    readStore,
    runner,
    async close() {
      await runner.stop();
      await pool.end();
    },
  };
}
