import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { UuidParam } from '../http/uuid-param';
import { ScheduleSlotsQuery, SessionTypeSlotsQuery } from './queries/slot.queries';
import { ScheduleSlotsParams, SlotsParams } from './slots.dto';

/** Bookable slots, for a schedule or for a session type across the schedules offering it. */
@ApiTags('slots')
@ApiBearerAuth()
@Controller('v1')
export class SlotsController {
  constructor(private readonly queries: QueryBus) {}

  @Roles('admin', 'staff')
  @Get('schedules/:id/slots')
  forSchedule(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'schedule_not_found') id: string, @Query() query: ScheduleSlotsParams) {
    const { from, to, timezone, sessionTypeId } = query;
    return this.queries.execute(new ScheduleSlotsQuery(tenant.tenantId, id, { from, to, timezone, sessionTypeId }));
  }

  @Roles('admin', 'staff')
  @Get('session-types/:id/slots')
  forSessionType(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'session_type_not_found') id: string, @Query() query: SlotsParams) {
    const { from, to, timezone } = query;
    return this.queries.execute(new SessionTypeSlotsQuery(tenant.tenantId, id, { from, to, timezone }));
  }
}
