import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CancellationPolicy,
  CREDIT_OUTCOMES,
  CreditOutcome,
  MAX_NOTICE_HOURS,
  MAX_REMINDER_AMOUNT,
  MAX_REMINDERS,
  MAX_SESSION_COUNT,
  MAX_SESSION_TYPES_PER_OFFERING,
  MAX_SESSIONS_PER_WEEK,
  MAX_VALIDITY_DAYS,
  OfferingFields,
  OfferingStatus,
  REMINDER_UNITS,
  ReminderUnit,
  Validity,
  Visibility,
} from '@punchcard/domain';
import { GroupNames } from '../http/group-names';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsCalendarDate, NotBlank, PageLimit } from '../http/validators';
import { PriceDto } from '../http/money.dto';

const STATUSES: OfferingStatus[] = ['draft', 'active', 'paused', 'archived'];

/** Optional, but null is refused (for fields where null means nothing). */
const OptionalNotNull = () => ValidateIf((_, value) => value !== undefined);
/** Ids are stored lower-case: stream ids are case-sensitive, UUIDs are not. */
const LowerCase = () => Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value));

export class VisibilityDto {
  @ApiProperty({ enum: ['all', 'groups'], description: "'all': every client; 'groups': only clients in one of `groups`" })
  @IsIn(['all', 'groups'])
  kind!: 'all' | 'groups';

  @ApiPropertyOptional({ type: [String], description: "With kind 'groups' only: 1 to 50 distinct client group names (trimmed, matched exactly)" })
  @ValidateIf((o: VisibilityDto) => o.kind === 'groups' || o.groups !== undefined)
  @GroupNames(1)
  groups?: string[];
}

export class ReminderDto {
  @ApiProperty({ example: 24 }) @IsInt() @Min(1) @Max(MAX_REMINDER_AMOUNT) amount!: number;
  @ApiProperty({ enum: REMINDER_UNITS, example: 'hours' }) @IsIn(REMINDER_UNITS) unit!: ReminderUnit;
}

export class CancellationPolicyDto {
  @ApiProperty({ description: 'Cancelling at least this many hours before the session always returns the credit', example: 24 })
  @IsInt()
  @Min(0)
  @Max(MAX_NOTICE_HOURS)
  noticeHours!: number;

  @ApiProperty({ enum: CREDIT_OUTCOMES, description: 'A later cancellation returns or forfeits the credit' }) @IsIn(CREDIT_OUTCOMES) lateCancellation!: CreditOutcome;
  @ApiProperty({ enum: CREDIT_OUTCOMES, description: 'A no-show returns or forfeits the credit' }) @IsIn(CREDIT_OUTCOMES) noShow!: CreditOutcome;
}

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

/** The booking terms of an offering; every one is optional (create: defaults; update: unchanged). */
class OfferingTermsFields extends ValidityFields {
  @ApiPropertyOptional({ nullable: true, description: 'Bookings must be on this schedule; null = any schedule' })
  @IsOptional()
  @IsUUID()
  @LowerCase()
  scheduleId?: string | null;

  @ApiPropertyOptional({ type: [String], description: `Session types its packages can book (at most ${MAX_SESSION_TYPES_PER_OFFERING}); [] = any` })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_SESSION_TYPES_PER_OFFERING)
  @IsUUID(undefined, { each: true })
  @LowerCase()
  @ArrayUnique()
  sessionTypeIds?: string[];

  @ApiPropertyOptional({ nullable: true, description: 'At most this many sessions per week (Monday to Sunday, client time zone); null = no cap' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSIONS_PER_WEEK)
  maxSessionsPerWeek?: number | null;

  @ApiPropertyOptional({ type: () => VisibilityDto, description: "Default { kind: 'all' }" })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => VisibilityDto)
  visibility?: VisibilityDto;

  @ApiPropertyOptional({ type: [ReminderDto], description: `Up to ${MAX_REMINDERS}, each a different amount + unit before the session` })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_REMINDERS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ReminderDto)
  @ArrayUnique((r: ReminderDto) => `${r?.amount} ${r?.unit}`, { message: 'reminders must not repeat the same amount and unit' })
  reminders?: ReminderDto[];

  @ApiPropertyOptional({ description: 'Ask clients for feedback after a session (default false)' }) @OptionalNotNull() @IsBoolean() feedbackRequest?: boolean;

  @ApiPropertyOptional({ type: () => CancellationPolicyDto, description: 'Default: 24 hours notice, late cancellation and no-show forfeit' })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => CancellationPolicyDto)
  cancellationPolicy?: CancellationPolicyDto;
}

export class CreateOfferingDto extends OfferingTermsFields {
  @ApiProperty({ example: '6 sessions, 90 days' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @ApiProperty({ example: 6 }) @IsInt() @Min(1) @Max(MAX_SESSION_COUNT) sessionCount!: number;
  @ApiProperty() @IsDefined() @IsObject() @ValidateNested() @Type(() => PriceDto) price!: PriceDto;
  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'active' }) @IsOptional() @IsIn(['draft', 'active']) status?: 'draft' | 'active';
}

export class UpdateOfferingDto extends OfferingTermsFields {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @NotBlank() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(MAX_SESSION_COUNT) sessionCount?: number;
  @ApiPropertyOptional() @OptionalNotNull() @IsObject() @ValidateNested() @Type(() => PriceDto) price?: PriceDto;
  @ApiPropertyOptional({ description: 'true: packages sold from now on never expire' }) @IsOptional() @Equals(true) noExpiry?: true;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: OfferingStatus;
}

export class ListOfferingsParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: OfferingStatus;
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'Include deleted offerings' })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeDeleted?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
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

/** The booking terms the body gives, as plain domain values (absent = not given). */
export function offeringTermsFrom(body: OfferingTermsFields): Partial<OfferingFields> {
  const terms: Partial<OfferingFields> = {};
  if (body.scheduleId !== undefined) terms.scheduleId = body.scheduleId;
  if (body.sessionTypeIds !== undefined) terms.sessionTypeIds = [...body.sessionTypeIds];
  if (body.maxSessionsPerWeek !== undefined) terms.maxSessionsPerWeek = body.maxSessionsPerWeek;
  if (body.visibility !== undefined) terms.visibility = visibilityFrom(body.visibility);
  if (body.reminders !== undefined) terms.reminders = body.reminders.map(({ amount, unit }) => ({ amount, unit }));
  if (body.feedbackRequest !== undefined) terms.feedbackRequest = body.feedbackRequest;
  if (body.cancellationPolicy !== undefined) {
    const { noticeHours, lateCancellation, noShow } = body.cancellationPolicy;
    terms.cancellationPolicy = { noticeHours, lateCancellation, noShow } satisfies CancellationPolicy;
  }
  return terms;
}

function visibilityFrom(dto: VisibilityDto): Visibility {
  if (dto.kind === 'all') {
    if (dto.groups !== undefined) throw new ApiError(400, 'validation_failed', "visibility.groups is only allowed with kind 'groups'.");
    return { kind: 'all' };
  }
  return { kind: 'groups', groups: [...dto.groups!] };
}
