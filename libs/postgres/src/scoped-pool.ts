import { Pool, PoolClient, PoolConfig } from 'pg';
import { OpensOwnTransactions } from './transaction';
import { currentTenant } from './tenant-scope';

/**
 * How the tenant setting (`punchcard.tenant_id`, which row-level security checks) reaches a connection
 * (ADR 0027):
 * - `session` (default): set on the connection when it is checked out for a tenant other than the one
 *   it last acted for, and kept. A statement then runs alone, in one round trip.
 * - `transaction`: every statement runs in a transaction that sets it transaction-locally (three round
 *   trips). For a transaction-mode pooler (PgBouncer `pool_mode=transaction`), where a client's next
 *   statement may run on another server connection than the one its setting was made on.
 */
export type TenantSettingScope = 'session' | 'transaction';

/** The tenant a pooled connection's session acts for, as this process last set it. */
const ACTING_FOR = Symbol('punchcard.actingFor');
type TaggedClient = PoolClient & { [ACTING_FOR]?: string };

/**
 * A pool that acts for the current tenant on every connection it hands out. Used outside a tenant
 * scope it refuses: forgetting the scope is a bug, not an empty result.
 */
export class TenantScopedPool extends Pool implements OpensOwnTransactions {
  constructor(
    config: PoolConfig,
    readonly settingScope: TenantSettingScope = 'session',
  ) {
    super(config);
    // Shadows Pool.query for the promise form this code base uses.
    (this as { query: unknown }).query = (...args: unknown[]) => this.runOne(args);
  }

  /**
   * A connection acting for the current tenant. Every checkout goes through here (transactions too),
   * so a connection never carries one tenant's setting into another tenant's work.
   */
  override connect(): Promise<PoolClient>;
  override connect(callback: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: unknown): Promise<PoolClient> | void {
    if (callback) throw new Error('TenantScopedPool.connect takes no callback: it sets the tenant before handing a connection out');
    return this.checkout();
  }

  /** In `transaction` mode every transaction also sets the tenant (its BEGIN carries it, one round trip). */
  transactionOpening(begin: string): string {
    return this.settingScope === 'transaction' ? beginActingFor(requireTenant(), begin) : begin;
  }

  private async checkout(): Promise<PoolClient> {
    const tenantId = requireTenant();
    let client = (await super.connect()) as TaggedClient;
    // A connection handed back inside a transaction would take the setting into it, and a rollback would
    // undo the setting behind the tag: never reuse one ('I' is idle, outside any transaction).
    for (let tries = 0; transactionStatus(client) !== 'I'; tries++) {
      client.release(new Error('pooled connection not idle'));
      if (tries === 2) throw new Error('The tenant pool kept handing out connections inside a transaction');
      client = (await super.connect()) as TaggedClient;
    }
    if (this.settingScope === 'session' && client[ACTING_FOR] !== tenantId) {
      try {
        // Not transaction-local: it stays on this connection until a checkout for another tenant replaces it.
        await client.query(`SELECT set_config('punchcard.tenant_id', $1, false)`, [tenantId]);
        client[ACTING_FOR] = tenantId;
      } catch (error) {
        client[ACTING_FOR] = undefined;
        client.release(error as Error); // a connection in doubt is closed, not reused
        throw error;
      }
    }
    return client;
  }

  /** One statement: alone on a connection acting for the tenant (`session`), or in its own transaction that sets it. */
  private async runOne(args: unknown[]): Promise<unknown> {
    const client = await this.checkout();
    const run = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    let failed: Error | undefined;
    try {
      if (this.settingScope === 'session') return await run(...args);
      await run(beginActingFor(requireTenant()));
      const result = await run(...args);
      await run('COMMIT');
      return result;
    } catch (error) {
      if (this.settingScope === 'transaction') await run('ROLLBACK').catch(() => undefined);
      failed = isConnectionError(error) ? (error as Error) : undefined;
      throw error;
    } finally {
      client.release(failed);
    }
  }
}

/** The connection's transaction state as the server last reported it ('I' idle, 'T' in a transaction, 'E' failed one). */
function transactionStatus(client: PoolClient): string {
  return (client as PoolClient & { getTransactionStatus?: () => string | null }).getTransactionStatus?.() ?? 'I';
}

/** An error that leaves the connection unusable (closed, reset): it is destroyed, not pooled. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === undefined || code.startsWith('08') || code === 'ECONNRESET' || code === 'EPIPE';
}

/** The statements that open a transaction (`begin`, e.g. with an isolation level) acting for a tenant, in one round trip. */
export function beginActingFor(tenantId: string, begin = 'BEGIN'): string {
  // tenantId is checked by tenant-scope.ts to be [A-Za-z0-9_-]; it is inlined so BEGIN and the setting share a round trip.
  return `${begin}; SELECT set_config('punchcard.tenant_id', '${tenantId}', true)`;
}

export function requireTenant(): string {
  const tenantId = currentTenant();
  if (!tenantId) throw new Error('The tenant-scoped pool was used outside a tenant scope (withTenant / an authenticated request).');
  return tenantId;
}
