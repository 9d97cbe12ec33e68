import { Pool, PoolConfig } from 'pg';
import { inTransaction, OpensOwnTransactions } from './transaction';
import { currentTenant } from './tenant-scope';

/**
 * A pool whose every statement runs in a transaction acting for the current tenant
 * (`punchcard.tenant_id`, transaction-local), which row-level security checks. Used outside a tenant
 * scope it refuses to run: forgetting the scope is a bug, not an empty result.
 */
export class TenantScopedPool extends Pool implements OpensOwnTransactions {
  constructor(config: PoolConfig) {
    super(config);
    // Shadows Pool.query for the promise form this code base uses; inTransaction opens it acting for the tenant.
    (this as { query: unknown }).query = (...args: unknown[]) => inTransaction(this, (client) => (client.query as (...a: unknown[]) => Promise<unknown>)(...args));
  }

  /** Every transaction on this pool acts for the current tenant; outside a tenant scope it refuses to open. */
  transactionOpening(begin: string): string {
    return beginActingFor(requireTenant(), begin);
  }
}

/** The statements that open a transaction (`begin`, e.g. with an isolation level) on a tenant-scoped connection, in one round trip. */
export function beginActingFor(tenantId: string, begin = 'BEGIN'): string {
  // tenantId is checked by tenant-scope.ts to be [A-Za-z0-9_-]; it is inlined so BEGIN and the setting share a round trip.
  return `${begin}; SELECT set_config('punchcard.tenant_id', '${tenantId}', true)`;
}

export function requireTenant(): string {
  const tenantId = currentTenant();
  if (!tenantId) throw new Error('The tenant-scoped pool was used outside a tenant scope (withTenant / an authenticated request).');
  return tenantId;
}
