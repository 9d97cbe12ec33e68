import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../http/problem';
import { Access, ACCESS } from './auth.decorators';
import { KeyStore } from './key-store';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeyStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'tenant';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!key) throw new ApiError(401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const principal = key.length <= 200 ? await this.keys.verify(key) : null;
    if (!principal) throw new ApiError(401, 'unauthorized', 'The API key is not valid.');
    if (access === 'operator' && principal.kind !== 'operator') throw new ApiError(403, 'forbidden', 'This endpoint needs the operator key.');
    if (access === 'tenant' && principal.kind !== 'tenant') throw new ApiError(403, 'forbidden', 'This endpoint needs a tenant API key.');
    request.principal = principal;
    return true;
  }
}
