import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The tenant a piece of work acts for. Every transaction on the service's tenant-scoped pool sets
 * `punchcard.tenant_id` from it, and row-level security shows that tenant's rows only. A request
 * opens an empty scope before anything else runs; authentication fills it in.
 */
interface Scope {
  tenantId: string | null;
}

const storage = new AsyncLocalStorage<Scope>();

/** Runs `work` acting for `tenantId`. */
export function withTenant<T>(tenantId: string, work: () => T): T {
  return storage.run({ tenantId: checkedTenantId(tenantId) }, work);
}

/** Opens a scope to be filled later by `setScopeTenant` (an HTTP request before authentication). */
export function withOpenScope<T>(work: () => T): T {
  return storage.run({ tenantId: null }, work);
}

export function setScopeTenant(tenantId: string): void {
  const scope = storage.getStore();
  if (!scope) throw new Error('setScopeTenant called outside withOpenScope');
  if (scope.tenantId !== null && scope.tenantId !== tenantId) throw new Error('the scope already acts for another tenant');
  scope.tenantId = checkedTenantId(tenantId);
}

export function currentTenant(): string | null {
  return storage.getStore()?.tenantId ?? null;
}

// Inlined into `SET LOCAL`-like statements (one round trip with BEGIN), so only plain ids pass.
function checkedTenantId(tenantId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
  return tenantId;
}
