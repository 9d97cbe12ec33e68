import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { Config, Infrastructure } from '@punchcard/platform';
import { AuthGuard } from './auth/auth.guard';
import { ClientTokens } from './auth/client-tokens';
import { KeyStore } from './auth/key-store';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { IdempotencyPurge } from './http/idempotency-purge';
import { ProblemFilter } from './http/problem.filter';
import { ReadYourWritesInterceptor } from './http/read-your-writes';
import { RateLimitGuard, rateLimitModule } from './rate-limit/rate-limit.guard';
import { APP_CONFIG, Clock, CLOCK, EVENT_STORE, SYSTEM_EVENT_STORE, PG_POOL, PROJECTION_RUNNER, READ_STORE, REPORT_READ_STORE, SYSTEM_POOL } from './tokens';
import { StreamExecutor } from './write-side/stream-executor';
import { UnitOfWorkExecutor } from './write-side/unit-of-work';

/**
 * What every feature shares: the connections (built outside Nest and passed in as values), the clock,
 * the write path, and the HTTP pipeline (authentication, rate limit, idempotency with its retention
 * purge, read-your-writes, problem+json). Global, so features inject these without importing it.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(infrastructure: Infrastructure, config: Config, clock: Clock): DynamicModule {
    const values = [
      { provide: PG_POOL, useValue: infrastructure.pool },
      { provide: SYSTEM_POOL, useValue: infrastructure.system.pool },
      { provide: EVENT_STORE, useValue: infrastructure.eventStore },
      { provide: SYSTEM_EVENT_STORE, useValue: infrastructure.system.eventStore },
      { provide: READ_STORE, useValue: infrastructure.readStore },
      { provide: REPORT_READ_STORE, useValue: infrastructure.reports.readStore },
      { provide: PROJECTION_RUNNER, useValue: infrastructure.runner },
      { provide: APP_CONFIG, useValue: config },
      { provide: CLOCK, useValue: clock },
    ];
    const shared = [KeyStore, ClientTokens, StreamExecutor, UnitOfWorkExecutor];
    return {
      module: CoreModule,
      imports: [rateLimitModule(config)],
      providers: [
        ...values,
        ...shared,
        IdempotencyPurge,
        { provide: APP_GUARD, useClass: AuthGuard },
        // After AuthGuard (global guards run in registration order): it charges the authenticated credential.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ReadYourWritesInterceptor },
      ],
      exports: [...values.map((value) => value.provide), ...shared],
    };
  }
}
