import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsDefined, IsIn, IsObject, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { MAX_SESSION_COUNT, MAX_VALIDITY_DAYS, OfferingStatus, Validity } from '../../../../libs/domain/src';
import { ApiError } from '../http/problem';
import { ReadYourWritesQuery } from '../http/read-your-writes';
import { IsCalendarDate, IsCurrency, NotBlank } from '../http/validators';

export class PriceDto {
  @ApiProperty({ description: 'Integer minor units (cents)', example: 54000 }) @IsInt() @Min(0) @Max(100_000_000_00) amount!: number;
  @ApiProperty({ example: 'USD' }) @IsCurrency() currency!: string;
}

const STATUSES: OfferingStatus[] = ['draft', 'active', 'paused', 'archived'];

class ValidityFields {
  @ApiPropertyOptional({ description: 'Valid through the end of the local day N days after purchase (tenant time zone)', example: 90 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALIDITY_DAYS)
  validityDays?: number;

  @ApiPropertyOptional({ description: 'Fixed last day of validity (YYYY-MM-DD, through its end in the tenant time zone)' })
  @IsOptional()
  @IsCalendarDate()
  expiresOn?: string;
}

export class CreateOfferingDto extends ValidityFields {
  @ApiProperty({ example: '6 sessions, 90 days' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @ApiProperty({ example: 6 }) @IsInt() @Min(1) @Max(MAX_SESSION_COUNT) sessionCount!: number;
  @ApiProperty() @IsDefined() @IsObject() @ValidateNested() @Type(() => PriceDto) price!: PriceDto;
  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'active' }) @IsOptional() @IsIn(['draft', 'active']) status?: 'draft' | 'active';
}

export class UpdateOfferingDto extends ValidityFields {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @NotBlank() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(MAX_SESSION_COUNT) sessionCount?: number;
  @ApiPropertyOptional() @IsOptional() @IsObject() @ValidateNested() @Type(() => PriceDto) price?: PriceDto;
  @ApiPropertyOptional({ description: 'true: packages sold from now on never expire' }) @IsOptional() @Equals(true) noExpiry?: true;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: OfferingStatus;
}

export class ListOfferingsQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: OfferingStatus;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

/** The validity the body asks for: undefined = unchanged (update) / none (create). At most one way may be given. */
export function validityFrom(body: ValidityFields & { noExpiry?: true }): Validity | undefined {
  const given = [body.validityDays !== undefined, body.expiresOn !== undefined, body.noExpiry !== undefined].filter(Boolean).length;
  if (given > 1) {
    throw new ApiError(400, 'validation_failed', 'Give at most one of validityDays, expiresOn and noExpiry.');
  }
  if (body.validityDays !== undefined) return { kind: 'days', days: body.validityDays };
  if (body.expiresOn !== undefined) return { kind: 'fixed_date', date: body.expiresOn };
  if (body.noExpiry) return { kind: 'none' };
  return undefined;
}
