import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { streamCsv } from '../http/csv';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { decodeCursor } from './queries/client-usage-cursor';
import { ClientUsagePageQuery, ClientUsageRowsQuery, OfferingUsageQuery } from './queries/usage.queries';
import { ClientUsageExportParams, ListClientUsageParams, usageOrderOf } from './usage.dto';
import { ApiPageWith, ApiViewWith, CLIENT_USAGE_FIGURES, USAGE_FIGURES } from '../http/vocabulary';

const notFound = () => new ApiError(404, 'offering_not_found', 'Offering not found.');

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/offerings')
export class OfferingUsageController {
  constructor(private readonly queries: QueryBus) {}

  /** The usage dashboard: Booked / Total slots, Attended / Booked, and the figures behind them (docs/adr/0010). */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id/usage')
  @ApiViewWith(USAGE_FIGURES)
  async offeringUsage(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'offering_not_found') id: string, @Query() _: ReadYourWritesParams) {
    const usage = await this.queries.execute(new OfferingUsageQuery(tenant.tenantId, id));
    if (!usage) throw notFound();
    return usage;
  }

  /** The client usage table: each client's booked sessions out of their limit, left, attended, no-shows, last booking. */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id/clients')
  @ApiPageWith(CLIENT_USAGE_FIGURES)
  async clients(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'offering_not_found') id: string, @Query() query: ListClientUsageParams) {
    const order = usageOrderOf(query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { offeringId: id, sort: order.sort, order: order.order });
    const page = await this.queries.execute(new ClientUsagePageQuery(tenant.tenantId, id, order, after, query.limit ?? 20));
    if (!page) throw notFound();
    return page;
  }
}

/** Row fields in column order, and their snake_case column names (as in the other exports). */
const CSV_FIELDS = ['clientId', 'name', 'email', 'creditsUsed', 'creditsTotal', 'creditsRemaining', 'attended', 'noShows', 'creditsRefunded', 'creditsExpired', 'lastBookingAt'] as const;
const CSV_HEADER = CSV_FIELDS.map((field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/exports')
export class UsageExportController {
  constructor(private readonly queries: QueryBus) {}

  /** The whole client usage table of an offering as CSV (same filter and order as the page), streamed. */
  @ApiProduces('text/csv')
  @Roles('admin', 'accountant')
  @Get('client-usage.csv')
  async clientUsage(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ClientUsageExportParams, @Res() res: Response) {
    const rows = await this.queries.execute(new ClientUsageRowsQuery(tenant.tenantId, query.offeringId, usageOrderOf(query)));
    if (!rows) throw notFound();
    await streamCsv(res, `client-usage-${query.offeringId}.csv`, CSV_HEADER, mapRows(rows));
  }
}

async function* mapRows(rows: AsyncIterable<Record<(typeof CSV_FIELDS)[number], unknown>>) {
  for await (const row of rows) yield CSV_FIELDS.map((field) => row[field]);
}
