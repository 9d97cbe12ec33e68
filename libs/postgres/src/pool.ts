import { Pool } from 'pg';
import { TenantScopedPool, TenantSettingScope } from './scoped-pool';

// bigint (int8) columns come back as strings: positions stay strings (they can exceed 2^53).

export interface DatabaseOptions {
  connectionString: string;
  /** Optional schema to work in (tests use one per file so they can run in parallel). */
  schema?: string;
  maxConnections?: number;
  /**
   * How long a query waits for a connection (a free one in the pool, or a new one to the server)
   * before it fails with "timeout exceeded when trying to connect"; 0 or absent = forever.
   */
  connectTimeoutMs?: number;
  /** `statement_timeout` of every connection: the server cancels a longer statement (57014); 0 or absent = none. */
  statementTimeoutMs?: number;
}

export function createPool(options: DatabaseOptions & { tenantScoped?: boolean; tenantSetting?: TenantSettingScope }): Pool {
  const config = {
    connectionString: options.connectionString,
    max: options.maxConnections ?? 20,
    options: options.schema ? `-c search_path=${quoteIdent(options.schema)}` : undefined,
    connectionTimeoutMillis: options.connectTimeoutMs || undefined,
    statement_timeout: options.statementTimeoutMs || undefined,
    // A server that vanished without closing the socket (power loss, partition) is noticed.
    keepAlive: true,
  };
  const pool = options.tenantScoped ? new TenantScopedPool(config, options.tenantSetting) : new Pool(config);
  // A client losing its connection (e.g. the server shutting down) must not crash the process: an idle
  // one is replaced by the pool, and a checked-out one's failure reaches its caller as a failed query.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function ensureSchema(connectionString: string, schema: string): Promise<void> {
  const pool = new Pool({ connectionString, max: 1 });
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } finally {
    await pool.end();
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
