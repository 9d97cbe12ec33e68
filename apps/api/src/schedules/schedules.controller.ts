import { Body, Controller, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DateOverride, ScheduleFields, ScheduleState, TimeRange, WEEKDAYS, WeeklyHours } from '@punchcard/domain';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { commandContext } from '../write-side/command-context';
import { Decided } from '../write-side/stream-executor';
import { CreateScheduleCommand } from './create-schedule/create-schedule.command';
import { GetScheduleQuery, ListSchedulesQuery } from './queries/schedule.queries';
import { toScheduleView } from './schedule-view';
import { CreateScheduleDto, DateOverrideDto, ListSchedulesParams, TimeRangeDto, UpdateScheduleDto, WeeklyHoursDto } from './schedules.dto';
import { UpdateScheduleCommand } from './update-schedule/update-schedule.command';

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('v1/schedules')
export class SchedulesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** Creates a host's availability: weekly hours and date overrides in an IANA zone, and the session types bookable on it. */
  @Roles('admin')
  @Post()
  async create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateScheduleDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'schedule');
    const fields: ScheduleFields = {
      host: body.host,
      timezone: body.timezone,
      weeklyHours: { ...closedWeek(), ...weekdaysSent(body.weeklyHours) },
      overrides: (body.overrides ?? []).map(override),
      sessionTypeIds: body.sessionTypeIds ?? [],
      active: body.active ?? true,
    };
    const result = await this.commands.execute(new CreateScheduleCommand(id, fields, commandContext(tenant, req)));
    res.setHeader('Location', `/v1/schedules/${id}`);
    return respond(res, result);
  }

  /** Changes the fields sent. weeklyHours changes only the days sent; overrides and sessionTypeIds are replaced whole. */
  @Roles('admin')
  @Patch(':id')
  async update(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'schedule_not_found') id: string,
    @Body() body: UpdateScheduleDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const changes: Partial<Omit<ScheduleFields, 'weeklyHours'>> = {};
    if (body.host !== undefined) changes.host = body.host;
    if (body.timezone !== undefined) changes.timezone = body.timezone;
    if (body.overrides !== undefined) changes.overrides = body.overrides.map(override);
    if (body.sessionTypeIds !== undefined) changes.sessionTypeIds = body.sessionTypeIds;
    if (body.active !== undefined) changes.active = body.active;
    const weeklyHours = body.weeklyHours && weekdaysSent(body.weeklyHours);
    if (Object.keys(changes).length === 0 && !(weeklyHours && Object.keys(weeklyHours).length)) {
      throw new ApiError(400, 'validation_failed', 'Nothing to change: the body is empty.');
    }
    return respond(res, await this.commands.execute(new UpdateScheduleCommand(id, changes, weeklyHours, commandContext(tenant, req))));
  }

  @Roles('admin', 'staff')
  @Get(':id')
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'schedule_not_found') id: string, @Query() _: ReadYourWritesParams) {
    const schedule = await this.queries.execute(new GetScheduleQuery(tenant.tenantId, id));
    if (!schedule) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    return schedule;
  }

  @Roles('admin', 'staff')
  @Get()
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListSchedulesParams) {
    const active = query.active === undefined ? undefined : query.active === 'true';
    return this.queries.execute(new ListSchedulesQuery(tenant.tenantId, { active, cursor: query.cursor, limit: query.limit ?? 20 }));
  }
}

const closedWeek = (): WeeklyHours => Object.fromEntries(WEEKDAYS.map((day) => [day, []])) as unknown as WeeklyHours;

// Plain objects (not DTO instances), so events hold exactly the documented shape.
const range = ({ start, end }: TimeRangeDto): TimeRange => ({ start, end });
const override = ({ date, hours }: DateOverrideDto): DateOverride => ({ date, hours: hours.map(range) });

/** The weekdays present in the body (a DTO instance also carries the absent ones as undefined). */
function weekdaysSent(body: WeeklyHoursDto | undefined): Partial<WeeklyHours> {
  const sent: Partial<WeeklyHours> = {};
  for (const day of WEEKDAYS) {
    const ranges = body?.[day];
    if (ranges !== undefined) sent[day] = ranges.map(range);
  }
  return sent;
}

function respond(res: Response, result: Decided<ScheduleState>) {
  if (result.position) sendPosition(res, result.position);
  if (!result.state.exists) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
  return toScheduleView(result.state);
}
