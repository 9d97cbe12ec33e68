import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PackageStatus } from '@punchcard/domain';
import { FieldCondition } from '@punchcard/read-store';
import { packagesWithStatus } from '@punchcard/projections';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { PackageSelection } from './queries/ledger-rows';

const STATUSES: PackageStatus[] = ['active', 'used_up', 'expired', 'refunded', 'charged_back'];

/** Filters both exports offer: each is served by an index of the packages read model. */
export class PackageExportParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Only this offering’s packages' }) @IsOptional() @IsUUID() offeringId?: string;
  @ApiPropertyOptional({ description: 'Only this client’s packages' }) @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional({ enum: STATUSES, description: 'Only packages with this status now (a package past its expiry is expired)' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: PackageStatus;
}

/** The packages an export covers; the status is the effective status at `now`, as the package list filters it. */
export function packageSelection(query: PackageExportParams, now: string): PackageSelection {
  const { where: byStatus, anyOf } = query.status ? packagesWithStatus(query.status, now) : { where: undefined, anyOf: undefined };
  const where: Record<string, FieldCondition> = { ...byStatus };
  if (query.offeringId) where.offeringId = query.offeringId;
  if (query.clientId) where.clientId = query.clientId;
  return { where, anyOf };
}
