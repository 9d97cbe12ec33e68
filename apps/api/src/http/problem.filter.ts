import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { REPLAYED_HEADERS, StoredResponse } from './idempotency.interceptor';
import { ApiError, RETRY_AFTER_SECONDS, toProblem } from './problem';

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof StoredResponse) {
      // A replay found after the route ran (ADR 0028) must not carry that run's headers.
      for (const name of REPLAYED_HEADERS) response.removeHeader(name);
      response.status(error.status).set(error.headers).setHeader('Idempotent-Replayed', 'true');
      if (error.body === null) response.end();
      else response.type(error.status >= 400 ? 'application/problem+json' : 'application/json').send(error.body);
      return;
    }
    // RateLimitGuard throws its own ApiError; this covers a @Throttle() used directly on a route.
    if (error instanceof ThrottlerException) error = new ApiError(429, 'rate_limited', 'Too many requests; retry after the number of seconds in the Retry-After header.');
    const problem = toProblem(error);
    if (problem.code === 'internal_error') this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (problem.code === 'database_unavailable') this.logger.warn(`Database unavailable: ${error instanceof Error ? error.message : String(error)}`);
    // A route may have set these before its command failed (ADR 0028); a problem answer never carries them.
    for (const name of REPLAYED_HEADERS) response.removeHeader(name);
    if (problem.status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (error instanceof ApiError) for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    // Every 503 is transient: it says when to come back.
    if (problem.status === 503 && !response.getHeader('Retry-After')) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
