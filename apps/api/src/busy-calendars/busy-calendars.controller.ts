import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { newId } from '../http/new-id';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { NoBodyFields } from '../http/validation';
import { UuidParam } from '../http/uuid-param';
import { AddBusyCalendarCommand } from './add-busy-calendar/add-busy-calendar.command';
import { AddBusyCalendarDto } from './busy-calendars.dto';
import { DeleteBusyCalendarCommand } from './delete-busy-calendar/delete-busy-calendar.command';
import { ListBusyCalendarsQuery } from './queries/busy-calendar.queries';
import { RefreshBusyCalendarCommand } from './refresh-busy-calendar/refresh-busy-calendar.command';

const SCHEDULE = 'schedule_not_found';
const CALENDAR = 'busy_calendar_not_found';

/** A host's external calendars whose busy times block slots (ADR 0026, docs/calendars-busy.md). Managed like the schedule: admins. */
@ApiTags('schedules')
@ApiBearerAuth()
@Controller('v1/schedules/:scheduleId/busy-calendars')
export class BusyCalendarsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** Adds an iCalendar URL; it is fetched by the next round of the job or by a refresh. */
  @Roles('admin')
  @Post()
  async add(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('scheduleId', SCHEDULE) scheduleId: string,
    @Body() body: AddBusyCalendarDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = newId(req, 'busy-calendar'); // derived from an Idempotency-Key when there is one
    const created = await this.commands.execute(new AddBusyCalendarCommand(tenant.tenantId, scheduleId, id, { name: body.name, url: body.url }));
    res.setHeader('Location', `/v1/schedules/${scheduleId}/busy-calendars/${id}`);
    return created;
  }

  /** The schedule's calendars: when each was last fetched, its last success, its last error and busy occurrences. */
  @Roles('admin', 'staff')
  @Get()
  list(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('scheduleId', SCHEDULE) scheduleId: string, @Query() _: ReadYourWritesParams) {
    return this.queries.execute(new ListBusyCalendarsQuery(tenant.tenantId, scheduleId));
  }

  /** Removes the calendar and its busy times (they stop blocking at once). */
  @Roles('admin')
  @Delete(':calendarId')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('scheduleId', SCHEDULE) scheduleId: string, @UuidParam('calendarId', CALENDAR) calendarId: string): Promise<void> {
    await this.commands.execute(new DeleteBusyCalendarCommand(tenant.tenantId, scheduleId, calendarId));
  }

  /** Fetches the calendar now and answers its status (a failed fetch is 200 with `lastError`). */
  @Roles('admin')
  @Post(':calendarId/refresh')
  @HttpCode(200)
  refresh(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('scheduleId', SCHEDULE) scheduleId: string,
    @UuidParam('calendarId', CALENDAR) calendarId: string,
    @Body(NoBodyFields) _: unknown,
  ) {
    return this.commands.execute(new RefreshBusyCalendarCommand(tenant.tenantId, scheduleId, calendarId));
  }
}
