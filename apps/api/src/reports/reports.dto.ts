import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsInstant } from '../http/validators';

const INSTANT_EXAMPLE = '2026-03-31T22:00:00Z';

export class ContractLiabilityParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Everything effective at or before this instant counts (default: now)', example: INSTANT_EXAMPLE })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}

export class RollforwardParams extends ReadYourWritesParams {
  @ApiProperty({ description: 'Start of the period (exclusive): the opening balance is the liability as of this instant', example: '2026-02-28T23:00:00Z' })
  @IsInstant()
  from!: string;
  @ApiProperty({ description: 'End of the period (inclusive): the closing balance is the liability as of this instant', example: INSTANT_EXAMPLE })
  @IsInstant()
  to!: string;
}

export class JournalExportParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Only lines effective after this instant (default: from the first entry)', example: '2026-02-28T23:00:00Z' })
  @IsOptional()
  @IsInstant()
  from?: string;
  @ApiPropertyOptional({ description: 'Only lines effective at or before this instant (default: now)', example: INSTANT_EXAMPLE })
  @IsOptional()
  @IsInstant()
  to?: string;
}
