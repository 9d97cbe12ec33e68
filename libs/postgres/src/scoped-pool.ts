import { Pool, PoolClient, PoolConfig } from 'pg';
import { currentTenant } from './tenant-scope';

/**
 * A pool whose every statement runs in a transaction acting for the current tenant
 * (`punchcard.tenant_id`, transaction-local), which row-level security checks. Used outside a tenant
 * scope it refuses to run: forgetting the scope is a bug, not an empty result.
 */
export class TenantScopedPool extends Pool {
  constructor(config: PoolConfig) {
    super(config);
    const connect = this.connect.bind(this) as () => Promise<PoolClient>;
    // Shadows Pool.query for the promise form this code base uses.
    (this as { query: unknown }).query = async (...args: unknown[]) => {
      const tenantId = requireTenant();
      const client = await connect();
      try {
        await client.query(beginActingFor(tenantId));
        const result = await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    };
  }
}

/** The statements that open a transaction on a tenant-scoped connection (one round trip). */
export function beginActingFor(tenantId: string): string {
  // tenantId is checked by tenant-scope.ts to be [A-Za-z0-9_-]; it is inlined so BEGIN and the setting share a round trip.
  return `BEGIN; SELECT set_config('punchcard.tenant_id', '${tenantId}', true)`;
}

export function requireTenant(): string {
  const tenantId = currentTenant();
  if (!tenantId) throw new Error('The tenant-scoped pool was used outside a tenant scope (withTenant / an authenticated request).');
  return tenantId;
}
