import { Pool } from 'pg';
import { upcast } from '@punchcard/domain';
import { EventStore, PostgresEventStore, withUpcasting } from '@punchcard/event-store';
import { createPool, ensureServiceRoles, migrate } from '@punchcard/postgres';
import { PostgresAdvisoryLease, Projection, ProjectionRunner } from '@punchcard/projection-runner';
import { PostgresReadStore, ReadStore } from '@punchcard/read-store';
import { MIGRATIONS } from './migrations';

/**
 * Leases held on a connection of the system pool, each for as long as its instance holds it: projections,
 * expiry sweep, idempotency purge, messages, outbound webhooks, busy calendars.
 */
const SYSTEM_LEASE_HOLDERS = 6;

/** Stores on one pool. */
export interface Stores {
  pool: Pool;
  eventStore: EventStore;
  readStore: ReadStore;
}

/**
 * Everything with a connection behind it, built once per process and handed to Nest as values.
 * The top-level stores act for the current tenant only (`punchcard_app`, row-level security);
 * `system` (`punchcard_system`) serves key lookup, tenant provisioning, projections and the sweep.
 */
export interface Infrastructure extends Stores {
  system: Stores;
  /**
   * For reports and exports: the tenant-scoped role on a small pool of its own, so long-running reads
   * can hold at most `reportPoolSize` connections and never starve commands of theirs (ADR 0017).
   */
  reports: { pool: Pool; readStore: ReadStore };
  runner: ProjectionRunner;
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  connectionString: string;
  /** Schema to work in (tests use one per file). */
  schema?: string;
  poolSize: number;
  /** Connections of the reports pool (default 4). */
  reportPoolSize?: number;
  /** See Config.dbConnectTimeoutMs (absent: wait for a connection as long as it takes). */
  connectTimeoutMs?: number;
  /** See Config.dbStatementTimeoutMs (absent: no limit; the CLI's rebuilds run long statements). */
  statementTimeoutMs?: number;
  /** See Config.dbTenantSetting (absent: `session`). */
  tenantSetting?: 'session' | 'transaction';
  /** The read models the runner keeps up to date (their declared indexes are created at start). */
  projections: Projection[];
}

/**
 * Migrates as the owner (the DATABASE_URL user), then connects as the service roles. The projections
 * come from the caller: this library knows none of them.
 */
export async function createInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const owner = createPool({ connectionString: options.connectionString, schema: options.schema, maxConnections: 2 });
  let connections;
  try {
    connections = await ensureServiceRoles(owner, options.connectionString);
    await migrate(owner, MIGRATIONS);
    await new PostgresReadStore(owner).ensureIndexes(options.projections.flatMap((p) => p.indexes ?? []));
  } finally {
    await owner.end();
  }
  const limits = { connectTimeoutMs: options.connectTimeoutMs, statementTimeoutMs: options.statementTimeoutMs };
  const tenantScoped = { tenantScoped: true, tenantSetting: options.tenantSetting ?? 'session' } as const;
  const pool = createPool({ connectionString: connections.app, schema: options.schema, maxConnections: options.poolSize, ...tenantScoped, ...limits });
  // The background processes that hold a lease (SYSTEM_LEASE_HOLDERS) each keep one of these connections
  // for as long as they hold it: on top of the working share.
  const systemPool = createPool({ connectionString: connections.system, schema: options.schema, maxConnections: Math.max(4, Math.ceil(options.poolSize / 4)) + SYSTEM_LEASE_HOLDERS, ...limits });
  const reportPool = createPool({ connectionString: connections.app, schema: options.schema, maxConnections: options.reportPoolSize ?? 4, ...tenantScoped, ...limits });
  // Every reader (commands, projections, point-in-time replays) gets events in their current shape.
  const system: Stores = { pool: systemPool, eventStore: withUpcasting(new PostgresEventStore(systemPool), upcast), readStore: new PostgresReadStore(systemPool) };
  const runner = new ProjectionRunner(system.eventStore, system.readStore, options.projections, new PostgresAdvisoryLease(systemPool, 'projections'), {
    onError: (name, error) => console.error(`[projections] ${name} failed, will retry:`, error),
  });
  return {
    pool,
    eventStore: withUpcasting(new PostgresEventStore(pool), upcast),
    readStore: new PostgresReadStore(pool),
    system,
    reports: { pool: reportPool, readStore: new PostgresReadStore(reportPool) },
    runner,
    async close() {
      await runner.stop();
      await Promise.all([pool.end(), systemPool.end(), reportPool.end()]);
    },
  };
}
