import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { formatPosition, parsePosition, Position } from '@punchcard/event-store';
import { ProjectionRunner } from '@punchcard/projection-runner';
import { Access, ACCESS } from '../auth/auth.decorators';
import { PROJECTION_RUNNER } from '../tokens';
import { ApiError } from './problem';

export const POSITION_HEADER = 'Punchcard-Position';
const WAIT_MS = 5_000;

/** Every query accepts `after`: the Punchcard-Position a command answered with. */
export class ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Wait until read models include this Punchcard-Position (from a command response).' })
  @IsOptional()
  @Matches(/^\d{1,20}-\d{1,20}$/, { message: 'after must be a Punchcard-Position value such as 812-4711' })
  after?: string;
}

export function sendPosition(response: Response, position: Position): void {
  response.setHeader(POSITION_HEADER, formatPosition(position));
}

/**
 * Before a query runs, waits until the projections have passed `?after=`. If they have not within
 * a few seconds the answer is 503 read_model_behind (with Retry-After), never silently stale data.
 */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest();
    // Public routes take no `after` (validation refuses it): an anonymous request never waits on the read models.
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    const after = request.method === 'GET' && access?.kind !== 'public' && typeof request.query?.after === 'string' ? parsePosition(request.query.after) : null;
    if (after) {
      if (!(await this.runner.waitUntil(() => this.runner.hasReached(after), WAIT_MS)).reached) {
        context.switchToHttp().getResponse<Response>().setHeader('Retry-After', '1');
        throw new ApiError(503, 'read_model_behind', 'The read models have not caught up with that position yet; retry shortly.');
      }
    }
    return next.handle();
  }
}
