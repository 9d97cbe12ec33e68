import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsCalendarDate, IsTimezone } from '../http/validators';

export const MAX_SLOT_RANGE_DAYS = 62;

export class SlotsParams extends ReadYourWritesParams {
  @ApiProperty({ description: 'First local date (viewer’s zone)', example: '2026-12-01' }) @IsCalendarDate() from!: string;
  @ApiProperty({ description: `Last local date, inclusive (at most ${MAX_SLOT_RANGE_DAYS} days after from)`, example: '2026-12-28' }) @IsCalendarDate() to!: string;
  @ApiPropertyOptional({ description: 'Viewer’s IANA zone for the dates and local times (default: the schedule’s for a schedule, UTC for a session type across schedules)' }) @IsOptional() @IsTimezone() timezone?: string;
}

export class ScheduleSlotsParams extends SlotsParams {
  @ApiPropertyOptional({ description: 'Only this session type (default: every session type on the schedule)' }) @IsOptional() @IsUUID() sessionTypeId?: string;
}
