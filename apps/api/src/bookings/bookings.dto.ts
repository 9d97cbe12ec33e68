import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsInstant, NotBlank, PageLimit } from '../http/validators';

export class PlaceBookingDto {
  @ApiProperty() @IsUUID() clientId!: string;
  @ApiProperty() @IsUUID() scheduleId!: string;
  @ApiProperty() @IsUUID() sessionTypeId!: string;
  @ApiProperty({ description: 'Start of an offered slot (an instant with offset, as GET …/slots lists it)', example: '2026-12-01T15:00:00Z' })
  @IsInstant()
  start!: string;
  @ApiPropertyOptional({ description: 'The package to use; omitted: the client’s usable package that expires first' })
  @IsOptional()
  @IsUUID()
  packageId?: string;
}

export class CancelBookingDto {
  @ApiPropertyOptional({ example: 'Client is ill' }) @IsOptional() @IsString() @Length(1, 500) @NotBlank() reason?: string;
  @ApiPropertyOptional({ description: 'The business cancels: the credit returns whatever the notice', default: false })
  @IsOptional()
  @IsBoolean()
  byBusiness?: boolean;
}

export class RescheduleBookingDto {
  @ApiProperty({ description: 'Start of the new slot', example: '2026-12-02T15:00:00Z' }) @IsInstant() start!: string;
  @ApiPropertyOptional({ description: 'Another schedule offering the same session type (default: the same schedule)' })
  @IsOptional()
  @IsUUID()
  scheduleId?: string;
}

export class AttendanceDto {
  @ApiProperty({ enum: ['attended', 'no_show'] }) @IsIn(['attended', 'no_show']) attendance!: 'attended' | 'no_show';
}

const STATUSES = ['booked', 'cancelled', 'attended', 'no_show'] as const;

export class ListBookingsParams extends ReadYourWritesParams {
  @ApiPropertyOptional() @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() scheduleId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() offeringId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() packageId?: string;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({ description: 'Sessions starting at or after this instant' }) @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ description: 'Sessions starting before this instant' }) @IsOptional() @IsInstant() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}
