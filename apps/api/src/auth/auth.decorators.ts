import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ClientPrincipal, TenantPrincipal, TenantRole } from './principal';

export const ACCESS = 'punchcard:access';
/**
 * Who may call a route. A route with no decorator is admin-only: forgetting to declare access
 * fails closed, and the access-matrix test fails until the route has an entry.
 */
export type Access = { kind: 'public' } | { kind: 'operator' } | { kind: 'client' } | { kind: 'tenant'; roles: TenantRole[] };
export const DEFAULT_ACCESS: Access = { kind: 'tenant', roles: ['admin'] };

/** No key needed (health). */
export const Public = () => SetMetadata(ACCESS, { kind: 'public' } satisfies Access);
/** Only the operator key (tenant management). */
export const OperatorOnly = () => SetMetadata(ACCESS, { kind: 'operator' } satisfies Access);
/** Only a client token (the /v1/me routes); the client acts on their own data only. */
export const ClientOnly = () => SetMetadata(ACCESS, { kind: 'client' } satisfies Access);
/** Tenant API keys holding one of these roles. */
export const Roles = (...roles: TenantRole[]) => SetMetadata(ACCESS, { kind: 'tenant', roles } satisfies Access);

export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantPrincipal => ctx.switchToHttp().getRequest().principal);
export const CurrentClient = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientPrincipal => ctx.switchToHttp().getRequest().principal);
