import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import {
  BUFFER_MINUTES,
  CatalogStatus,
  MAX_CAPACITY,
  MAX_LEAD_DAYS,
  MAX_MIN_LEAD_HOURS,
  MAX_SESSIONS_PER_DAY,
  SESSION_DURATIONS,
} from '@punchcard/domain';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsHttpUrl, NotBlank, OptionalNotNull, PageLimit } from '../http/validators';
import { PriceDto } from '../http/money.dto';

const STATUSES: CatalogStatus[] = ['draft', 'active', 'paused', 'archived'];
const DURATIONS = [...SESSION_DURATIONS];
const BUFFERS = [...BUFFER_MINUTES];

/**
 * Fields shared by create and update. Nullable fields take null to mean "none"; the others may be left
 * out but never sent as null (OptionalNotNull).
 */
class SessionTypeFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5000 }) @IsOptional() @IsString() @Length(0, 5000) description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'An http(s) image URL', example: 'https://cdn.example.com/pt.jpg' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  @IsHttpUrl()
  coverImageUrl?: string | null;

  @ApiPropertyOptional({ default: 1, description: '1 = private; 2 or more = a group session shared by that many clients', minimum: 1, maximum: MAX_CAPACITY })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_CAPACITY)
  capacity?: number;

  @ApiPropertyOptional({ nullable: true, type: PriceDto, description: 'Price for clients without a package; same currency as price' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PriceDto)
  nonMemberPrice?: PriceDto | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Studio A' }) @IsOptional() @IsString() @Length(1, 500) @NotBlank() location?: string | null;

  @ApiPropertyOptional({ enum: BUFFERS, default: 0, description: 'Minutes kept free between two sessions on the same schedule' })
  @OptionalNotNull()
  @IsIn(BUFFERS)
  bufferMinutes?: number;

  @ApiPropertyOptional({ default: 0, description: 'Bookable until this many hours before the start', minimum: 0, maximum: MAX_MIN_LEAD_HOURS })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_MIN_LEAD_HOURS)
  minLeadHours?: number;

  @ApiPropertyOptional({ type: 'integer', nullable: true, default: null, description: 'Bookable at most this many days ahead; null = no limit', minimum: 1, maximum: MAX_LEAD_DAYS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LEAD_DAYS)
  maxLeadDays?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, default: null, description: 'At most this many per local day on one schedule; null = no limit', minimum: 1, maximum: MAX_SESSIONS_PER_DAY })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSIONS_PER_DAY)
  maxSessionsPerDay?: number | null;
}

export class CreateSessionTypeDto extends SessionTypeFieldsDto {
  @ApiProperty({ example: 'Personal training' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiProperty({ enum: DURATIONS, example: 60 }) @IsIn(DURATIONS) durationMinutes!: number;
  @ApiProperty() @IsDefined() @IsObject() @ValidateNested() @Type(() => PriceDto) price!: PriceDto;
  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'active' }) @OptionalNotNull() @IsIn(['draft', 'active']) status?: 'draft' | 'active';
}

export class UpdateSessionTypeDto extends SessionTypeFieldsDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 200) @NotBlank() name?: string;
  @ApiPropertyOptional({ enum: DURATIONS }) @OptionalNotNull() @IsIn(DURATIONS) durationMinutes?: number;
  @ApiPropertyOptional({ type: PriceDto }) @OptionalNotNull() @IsObject() @ValidateNested() @Type(() => PriceDto) price?: PriceDto;
  @ApiPropertyOptional({ enum: STATUSES }) @OptionalNotNull() @IsIn(STATUSES) status?: CatalogStatus;
}

export class ListSessionTypesParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: CatalogStatus;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}
