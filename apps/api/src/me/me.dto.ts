import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsInstant, NotBlank, PageLimit } from '../http/validators';

/** As the staff booking body, without clientId: the client is the token's (sending one is refused as an unknown field). */
export class PlaceMyBookingDto {
  @ApiProperty() @IsUUID() scheduleId!: string;
  @ApiProperty() @IsUUID() sessionTypeId!: string;
  @ApiProperty({ description: 'Start of an offered slot (as GET /v1/me/schedules/{id}/slots lists it)', example: '2026-12-01T15:00:00Z' })
  @IsInstant()
  start!: string;
  @ApiPropertyOptional({ description: 'One of your packages; omitted: your usable package that expires first' })
  @IsOptional()
  @IsUUID()
  packageId?: string;
}

/** A client cancels as the client: there is no byBusiness here, the offering's notice rules apply. */
export class CancelMyBookingDto {
  @ApiPropertyOptional({ example: 'I am ill' }) @IsOptional() @IsString() @Length(1, 500) @NotBlank() reason?: string;
}

const BOOKING_STATUSES = ['booked', 'cancelled', 'attended', 'no_show'] as const;

export class MyBookingsParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: BOOKING_STATUSES }) @IsOptional() @IsIn(BOOKING_STATUSES) status?: (typeof BOOKING_STATUSES)[number];
  @ApiPropertyOptional() @IsOptional() @IsUUID() packageId?: string;
  @ApiPropertyOptional({ description: 'Sessions starting at or after this instant' }) @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ description: 'Sessions starting before this instant' }) @IsOptional() @IsInstant() to?: string;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

/** A page of your packages, newest first. */
export class MyPackagesParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

export class MyLedgerParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @Matches(/^[0-9a-f-]{36}:\d{8}$/) cursor?: string;
  @PageLimit(100) limit?: number;
}
