import { Body, Controller, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Money, SessionTypeFields, SessionTypeState } from '@punchcard/domain';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { commandContext } from '../write-side/command-context';
import { Decided } from '../write-side/stream-executor';
import { CreateSessionTypeCommand } from './create-session-type/create-session-type.command';
import { GetSessionTypeQuery, ListSessionTypesQuery } from './queries/session-type.queries';
import { toSessionTypeView } from './session-type-view';
import { CreateSessionTypeDto, ListSessionTypesParams, UpdateSessionTypeDto } from './session-types.dto';
import { UpdateSessionTypeCommand } from './update-session-type/update-session-type.command';

@ApiTags('session-types')
@ApiBearerAuth()
@Controller('v1/session-types')
export class SessionTypesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** Creates a bookable session type ("Personal training, 60 min, 90.00 EUR"). Status defaults to active. */
  @Roles('admin')
  @Post()
  async create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateSessionTypeDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'session-type');
    const fields: SessionTypeFields = {
      name: body.name,
      description: body.description ?? null,
      coverImageUrl: body.coverImageUrl ?? null,
      durationMinutes: body.durationMinutes,
      capacity: body.capacity ?? 1,
      price: money(body.price),
      nonMemberPrice: body.nonMemberPrice ? money(body.nonMemberPrice) : null,
      location: body.location ?? null,
      bufferMinutes: body.bufferMinutes ?? 0,
      minLeadHours: body.minLeadHours ?? 0,
      maxLeadDays: body.maxLeadDays ?? null,
      maxSessionsPerDay: body.maxSessionsPerDay ?? null,
    };
    const result = await this.commands.execute(new CreateSessionTypeCommand(id, fields, body.status ?? 'active', commandContext(tenant, req)));
    res.setHeader('Location', `/v1/session-types/${id}`);
    return respond(res, result);
  }

  /** Changes fields (null clears an optional one) and/or status (draft → active ⇄ paused → archived; archived is final). */
  @Roles('admin')
  @Patch(':id')
  async update(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'session_type_not_found') id: string,
    @Body() body: UpdateSessionTypeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { status, price, nonMemberPrice, ...rest } = body;
    // DTO instances carry every declared field (undefined when not sent): keep only what was sent.
    const changes = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as Partial<SessionTypeFields>;
    if (price) changes.price = money(price);
    if (nonMemberPrice !== undefined) changes.nonMemberPrice = nonMemberPrice && money(nonMemberPrice);
    if (Object.keys(changes).length === 0 && !status) throw new ApiError(400, 'validation_failed', 'Nothing to change: the body is empty.');
    return respond(res, await this.commands.execute(new UpdateSessionTypeCommand(id, changes, status, commandContext(tenant, req))));
  }

  @Roles('admin', 'staff')
  @Get(':id')
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'session_type_not_found') id: string, @Query() _: ReadYourWritesParams) {
    const sessionType = await this.queries.execute(new GetSessionTypeQuery(tenant.tenantId, id));
    if (!sessionType) throw new ApiError(404, 'session_type_not_found', 'Session type not found.');
    return sessionType;
  }

  @Roles('admin', 'staff')
  @Get()
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListSessionTypesParams) {
    return this.queries.execute(new ListSessionTypesQuery(tenant.tenantId, { status: query.status, cursor: query.cursor, limit: query.limit ?? 20 }));
  }
}

/** A plain Money (not the DTO instance), so events hold exactly {amount, currency}. */
const money = (price: Money): Money => ({ amount: price.amount, currency: price.currency });

function respond(res: Response, result: Decided<SessionTypeState>) {
  if (result.position) sendPosition(res, result.position);
  if (!result.state.exists) throw new ApiError(404, 'session_type_not_found', 'Session type not found.');
  return toSessionTypeView(result.state);
}
