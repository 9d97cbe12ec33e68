import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';

/** Filters both exports offer: each is served by an index of the packages read model. */
export class PackageExportParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Only this offering’s packages' }) @IsOptional() @IsUUID() offeringId?: string;
  @ApiPropertyOptional({ description: 'Only this client’s packages' }) @IsOptional() @IsUUID() clientId?: string;
}

export function packageFilter(query: PackageExportParams): Record<string, string> {
  const where: Record<string, string> = {};
  if (query.offeringId) where.offeringId = query.offeringId;
  if (query.clientId) where.clientId = query.clientId;
  return where;
}
