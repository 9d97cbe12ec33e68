import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { setScopeTenant } from '@punchcard/postgres';
import { ClientTokens } from './client-tokens';
import { ApiError } from '../http/problem';
import { Access, ACCESS, DEFAULT_ACCESS } from './auth.decorators';
import { KeyStore } from './key-store';
import { Principal, tenantScopeOf } from './principal';

/** Authenticates the bearer credential, checks it may call this route, and sets the request's tenant scope. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeyStore,
    private readonly clientTokens: ClientTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access>(ACCESS, [context.getHandler(), context.getClass()]) ?? DEFAULT_ACCESS;
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const credential = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!credential) throw new ApiError(401, 'unauthorized', 'Send an API key or client token as "Authorization: Bearer <credential>".');
    const principal = await this.authenticate(credential);
    if (!principal) throw new ApiError(401, 'unauthorized', 'The API key or token is not valid (unknown, revoked or expired).');
    allow(access, principal);
    request.principal = principal;
    setScopeTenant(tenantScopeOf(principal));
    return true;
  }

  private async authenticate(credential: string): Promise<Principal | null> {
    if (credential.length > 2048) return null;
    // A JWT has three dot-separated parts; API keys have none.
    if (credential.split('.').length === 3) return this.clientTokens.verify(credential);
    return credential.length <= 200 ? this.keys.verify(credential) : null;
  }
}

/** 403 when an authenticated caller is not one this route serves. */
function allow(access: Exclude<Access, { kind: 'public' }>, principal: Principal): void {
  switch (access.kind) {
    case 'operator':
      if (principal.kind !== 'operator') throw new ApiError(403, 'forbidden', 'This endpoint needs the operator key.');
      return;
    case 'client':
      if (principal.kind !== 'client') throw new ApiError(403, 'forbidden', 'This endpoint needs a client token.');
      return;
    case 'tenant':
      if (principal.kind !== 'tenant') throw new ApiError(403, 'forbidden', 'This endpoint needs a tenant API key.');
      if (!access.roles.includes(principal.role)) {
        throw new ApiError(403, 'role_forbidden', `This endpoint needs a key with role ${access.roles.join(' or ')}; this key is ${principal.role}.`);
      }
  }
}
