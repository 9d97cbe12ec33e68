/** Who is calling. Roles beyond admin arrive with the roles issue. */
export type Principal = { kind: 'operator'; keyId: string } | { kind: 'tenant'; tenantId: string; keyId: string; role: 'admin' };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
