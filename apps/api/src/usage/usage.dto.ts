import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { CLIENT_USAGE_SORTS, ClientUsageFilter, ClientUsageSort } from '@punchcard/projections';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { ClientUsageOrder } from './queries/usage-reader';
import { PageLimit } from '../http/validators';

const FILTERS: ClientUsageFilter[] = ['fully_used', 'not_booked'];
const SORTS = Object.keys(CLIENT_USAGE_SORTS) as ClientUsageSort[];
const ORDERS = ['asc', 'desc'] as const;

/** Which rows of the client usage table, in which order (the page and the CSV export share it). */
export class ClientUsageOrderParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: FILTERS, description: 'fully_used: booked sessions and none left; not_booked: nothing booked' })
  @IsOptional()
  @IsIn(FILTERS)
  filter?: ClientUsageFilter;
  @ApiPropertyOptional({ enum: SORTS, default: 'lastBookingAt', description: 'Never-booked clients sort as the earliest lastBookingAt' })
  @IsOptional()
  @IsIn(SORTS)
  sort?: ClientUsageSort;
  @ApiPropertyOptional({ enum: ORDERS, default: 'desc' }) @IsOptional() @IsIn(ORDERS) order?: (typeof ORDERS)[number];
}

export class ListClientUsageParams extends ClientUsageOrderParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (same sort and order)' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
  @PageLimit() limit?: number;
}

export class ClientUsageExportParams extends ClientUsageOrderParams {
  @ApiProperty() @IsUUID() offeringId!: string;
}

/** The order a query asks for, with the defaults (DTO fields are undefined when not sent). */
export function usageOrderOf(query: ClientUsageOrderParams): ClientUsageOrder {
  return { ...(query.filter && { filter: query.filter }), sort: query.sort ?? 'lastBookingAt', order: query.order ?? 'desc' };
}
