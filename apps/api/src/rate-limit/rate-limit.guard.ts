import { DynamicModule, ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';
import { Access, ACCESS } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiError } from '../http/problem';
import { Config } from '@punchcard/platform';

/**
 * The request budget, counted per credential over a sliding minute. The counts live in this
 * process's memory: with N API instances behind a load balancer a credential gets up to N times the
 * limit (a shared store such as Redis would be needed for one global count).
 */
export function rateLimitModule(config: Config): DynamicModule {
  const limit = config.rateLimitPerMinute;
  return ThrottlerModule.forRoot({
    // blockDuration 0: no lock-out after a burst; a request is refused only while the last minute is full.
    throttlers: [{ ttl: 60_000, limit, blockDuration: 0 }],
    skipIf: limit > 0 ? undefined : () => true,
  });
}

/** Who is charged for a request: one budget per API key, per client (however many tokens), per operator key. */
export function rateLimitTrackerOf(principal: Principal): string {
  switch (principal.kind) {
    case 'operator':
      return `operator:${principal.keyId}`;
    case 'tenant':
      return `key:${principal.keyId}`;
    case 'client':
      return `client:${principal.tenantId}:${principal.clientId}`;
  }
}

/**
 * Rate limiting per credential. Registered as a global guard after AuthGuard (global guards run in
 * registration order), so `request.principal` is known; requests refused by AuthGuard are not counted.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** Public routes (health checks) are never limited: a throttled probe would take a healthy instance out. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    return access?.kind === 'public';
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    const principal: Principal | undefined = request.principal;
    // Every non-public route is authenticated first; the address is only a fallback.
    return principal ? rateLimitTrackerOf(principal) : `ip:${request.ip}`;
  }

  /** One budget across all routes (the library's default is one per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  /** The library has already set Retry-After (seconds); answer with our problem code. */
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ApiError(
      429,
      'rate_limited',
      `Too many requests with this credential: at most ${detail.limit} per minute. Retry after ${detail.timeToBlockExpire} seconds (see the Retry-After header).`,
    );
  }
}
