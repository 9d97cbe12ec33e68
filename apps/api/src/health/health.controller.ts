import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { Public } from '../auth/auth.decorators';
import { ApiError } from '../http/problem';
import { SYSTEM_POOL } from '../tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(SYSTEM_POOL) private readonly pool: Pool) {}

  /** 200 once the service is ready (database reachable, migrations applied). */
  @Get()
  @Public()
  async health() {
    try {
      await this.pool.query('SELECT 1');
    } catch {
      throw new ApiError(503, 'database_unavailable', 'The database is not reachable.');
    }
    return { status: 'ok' };
  }
}
