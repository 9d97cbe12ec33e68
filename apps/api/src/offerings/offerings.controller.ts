import { Body, Controller, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { OFFERING_FIELD_DEFAULTS, OfferingFields, OfferingState } from '@punchcard/domain';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { commandContext } from '../write-side/command-context';
import { Decided } from '../write-side/stream-executor';
import { CreateOfferingCommand } from './create-offering/create-offering.command';
import { toOfferingView } from './offering-view';
import { CreateOfferingDto, ListOfferingsParams, offeringTermsFrom, UpdateOfferingDto, validityFrom } from './offerings.dto';
import { OfferingBadgeQuery } from './queries/offering-badge.query';
import { GetOfferingQuery, ListOfferingsQuery } from './queries/offering.queries';
import { UpdateOfferingCommand } from './update-offering/update-offering.command';
import { ApiPageWith, ApiViewWith, OFFERING_FIGURES } from '../http/vocabulary';

@ApiTags('offerings')
@ApiBearerAuth()
@Controller('v1/offerings')
export class OfferingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /**
   * Creates a package template ("6 sessions, 90 days, 540.00 USD"). Status defaults to active; booking
   * terms left out take their defaults (any schedule and session type, no weekly cap, visible to all,
   * no reminders, no feedback request, 24 hours notice with late cancellation and no-show forfeited).
   */
  @Roles('admin')
  @Post()
  async create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateOfferingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'offering');
    const fields: OfferingFields = {
      name: body.name,
      description: body.description ?? null,
      sessionCount: body.sessionCount,
      price: { amount: body.price.amount, currency: body.price.currency },
      validity: validityFrom(body) ?? { kind: 'none' },
      ...structuredClone(OFFERING_FIELD_DEFAULTS),
      ...offeringTermsFrom(body),
    };
    const result = await this.commands.execute(new CreateOfferingCommand(id, fields, body.status ?? 'active', commandContext(tenant, req)));
    res.setHeader('Location', `/v1/offerings/${id}`);
    return respond(res, result);
  }

  /** Changes fields and/or status (draft → active ⇄ paused → archived). Packages already sold keep their terms. */
  @Roles('admin')
  @Patch(':id')
  async update(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'offering_not_found') id: string,
    @Body() body: UpdateOfferingDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { name, description, sessionCount, status, price } = body;
    // DTO instances carry every declared field (undefined when not sent): keep only what was sent.
    const changes: Partial<OfferingFields> = Object.fromEntries(
      Object.entries({ name, description, sessionCount }).filter(([, value]) => value !== undefined),
    );
    if (price) changes.price = { amount: price.amount, currency: price.currency };
    const validity = validityFrom(body);
    if (validity) changes.validity = validity;
    Object.assign(changes, offeringTermsFrom(body));
    if (Object.keys(changes).length === 0 && !status) throw new ApiError(400, 'validation_failed', 'Nothing to change: the body is empty.');
    return respond(res, await this.commands.execute(new UpdateOfferingCommand(id, changes, status, commandContext(tenant, req))));
  }

  /**
   * The offering with what has been sold from it (packages, credits granted, used, refunded, forfeited).
   * A deleted offering is still found, with deleted: true, so past packages can show what they were sold from.
   */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id')
  @ApiViewWith(OFFERING_FIGURES)
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'offering_not_found') id: string, @Query() _: ReadYourWritesParams) {
    const offering = await this.queries.execute(new GetOfferingQuery(tenant.tenantId, id));
    if (!offering) throw new ApiError(404, 'offering_not_found', 'Offering not found.');
    return { ...offering, badge: offering.deleted ? null : await this.queries.execute(new OfferingBadgeQuery(tenant.tenantId, offering)) };
  }

  /** Newest first; deleted offerings only with ?includeDeleted=true. */
  @Roles('admin', 'staff', 'accountant')
  @Get()
  @ApiPageWith(OFFERING_FIGURES)
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListOfferingsParams) {
    return this.queries.execute(
      new ListOfferingsQuery(tenant.tenantId, {
        status: query.status,
        includeDeleted: query.includeDeleted === 'true',
        cursor: query.cursor,
        limit: query.limit ?? 20,
      }),
    );
  }
}

function respond(res: Response, result: Decided<OfferingState>) {
  if (result.position) sendPosition(res, result.position);
  if (!result.state.exists) throw new ApiError(404, 'offering_not_found', 'Offering not found.');
  return toOfferingView(result.state);
}
