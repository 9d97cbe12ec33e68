/** The roles a tenant API key can hold (see docs/security.md for what each may do). */
export const TENANT_ROLES = ['admin', 'staff', 'accountant'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Who is calling: the operator, a tenant's API key, or one client holding a token an admin minted. */
export type Principal =
  | { kind: 'operator'; keyId: string }
  | { kind: 'tenant'; tenantId: string; keyId: string; role: TenantRole }
  | { kind: 'client'; tenantId: string; clientId: string; tokenId: string };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
export type ClientPrincipal = Extract<Principal, { kind: 'client' }>;

/** The tenant whose rows a request may touch (the value set on every database transaction). */
export function tenantScopeOf(principal: Principal): string {
  return principal.kind === 'operator' ? 'operator' : principal.tenantId;
}
