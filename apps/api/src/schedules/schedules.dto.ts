import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { MAX_DATE_OVERRIDES, MAX_RANGES_PER_DAY, MAX_SCHEDULE_SESSION_TYPES } from '@punchcard/domain';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsCalendarDate, IsEndTimeOfDay, IsTimeOfDay, IsTimezone, NotBlank, OptionalNotNull, PageLimit } from '../http/validators';

/** Whether the end comes after the start, and whether ranges overlap, is the domain's call (422 invalid_schedule). */
export class TimeRangeDto {
  @ApiProperty({ example: '09:00', description: '"HH:mm", 00:00 to 23:59' }) @IsTimeOfDay() start!: string;
  @ApiProperty({ example: '12:30', description: '"HH:mm", after start; "24:00" = end of the day' }) @IsEndTimeOfDay() end!: string;
}

/** A day's ranges: a list, never null ([] = closed that day). */
const DayHours = () =>
  applyDecorators(
    ApiPropertyOptional({ type: [TimeRangeDto], maxItems: MAX_RANGES_PER_DAY }),
    OptionalNotNull(),
    IsArray(),
    ArrayMaxSize(MAX_RANGES_PER_DAY),
    IsObject({ each: true }), // ValidateNested alone would let a nested list through unchecked
    ValidateNested({ each: true }),
    Type(() => TimeRangeDto),
  );

/** Hours per weekday in the schedule's zone. */
export class WeeklyHoursDto {
  @DayHours() monday?: TimeRangeDto[];
  @DayHours() tuesday?: TimeRangeDto[];
  @DayHours() wednesday?: TimeRangeDto[];
  @DayHours() thursday?: TimeRangeDto[];
  @DayHours() friday?: TimeRangeDto[];
  @DayHours() saturday?: TimeRangeDto[];
  @DayHours() sunday?: TimeRangeDto[];
}

export class DateOverrideDto {
  @ApiProperty({ example: '2026-12-24' }) @IsCalendarDate() date!: string;
  @ApiProperty({ type: [TimeRangeDto], maxItems: MAX_RANGES_PER_DAY, description: '[] = day off; otherwise that day’s hours instead of the weekly ones' })
  @IsArray()
  @ArrayMaxSize(MAX_RANGES_PER_DAY)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TimeRangeDto)
  hours!: TimeRangeDto[];
}

class ScheduleFieldsDto {
  @ApiPropertyOptional({ type: WeeklyHoursDto, description: 'Create: days left out are closed. Update: only the days sent change.' })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => WeeklyHoursDto)
  weeklyHours?: WeeklyHoursDto;

  @ApiPropertyOptional({ type: [DateOverrideDto], maxItems: MAX_DATE_OVERRIDES, default: [], description: 'Replaces the whole list on update' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_DATE_OVERRIDES)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => DateOverrideDto)
  overrides?: DateOverrideDto[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: MAX_SCHEDULE_SESSION_TYPES, default: [], description: 'Session types bookable here; replaces the whole list on update' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_SCHEDULE_SESSION_TYPES)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  sessionTypeIds?: string[];

  @ApiPropertyOptional({ default: true }) @OptionalNotNull() @IsBoolean() active?: boolean;
}

export class CreateScheduleDto extends ScheduleFieldsDto {
  @ApiProperty({ example: 'Coach Ada', description: 'Who runs the sessions (a name or staff reference)' }) @IsString() @Length(1, 200) @NotBlank() host!: string;
  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA zone the hours are in' }) @IsTimezone() timezone!: string;
}

export class UpdateScheduleDto extends ScheduleFieldsDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 200) @NotBlank() host?: string;
  @ApiPropertyOptional({ example: 'Europe/Berlin' }) @OptionalNotNull() @IsTimezone() timezone?: string;
}

export class ListSchedulesParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) active?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}
