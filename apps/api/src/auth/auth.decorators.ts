import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { TenantPrincipal } from './principal';

export const ACCESS = 'punchcard:access';
export type Access = 'public' | 'operator' | 'tenant';

/** No key needed (health). */
export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** Only the operator key (tenant management). Routes without a decorator need a tenant key. */
export const OperatorOnly = () => SetMetadata(ACCESS, 'operator' satisfies Access);

export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantPrincipal => ctx.switchToHttp().getRequest().principal);
