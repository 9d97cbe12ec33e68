import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  NotEquals,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { MAX_ADJUSTMENT, PAYMENT_METHODS, PackageStatus, PaymentMethod } from '@punchcard/domain';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsInstant, PageLimit } from '../http/validators';

export class PaymentDto {
  @ApiProperty({ enum: PAYMENT_METHODS, description: '`comp` grants the package at no charge' }) @IsIn(PAYMENT_METHODS) method!: PaymentMethod;
  @ApiPropertyOptional({ description: 'Receipt, transfer or check number' }) @IsOptional() @IsString() @Length(1, 200) reference?: string;
}

export class PurchasePackageDto {
  @ApiProperty() @IsUUID() offeringId!: string;
  @ApiProperty() @IsUUID() clientId!: string;
  @ApiProperty() @IsDefined() @IsObject() @ValidateNested() @Type(() => PaymentDto) payment!: PaymentDto;
  @ApiPropertyOptional({
    description: 'Sell although the client is in none of the offering’s visibility groups, for this reason (recorded on the sale). Without it such a sale is refused (409 offering_not_visible).',
    example: 'Trial for a prospective member',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'visibilityOverrideReason must not be blank' })
  visibilityOverrideReason?: string;
}

const ID = /^[\w.:-]{1,100}$/;
const REASON = () => [IsString(), Length(1, 500), Matches(/\S/, { message: 'reason must not be blank' })];
function Reason(): PropertyDecorator {
  return (target, key) => REASON().forEach((decorate) => decorate(target, key));
}

export class RedeemSessionDto {
  @ApiPropertyOptional({ description: 'The booking this redemption pays for' }) @IsOptional() @Matches(ID) bookingId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID) serviceId?: string;
  @ApiPropertyOptional({ description: 'e.g. "deducted at the end of the workout"' }) @IsOptional() @IsString() @Length(1, 500) note?: string;
  @ApiPropertyOptional({ description: 'When the session took place (default: now)' }) @IsOptional() @IsInstant() sessionAt?: string;
}

export class ReverseRedemptionDto {
  @ApiProperty({ example: 'Deducted by mistake' }) @Reason() reason!: string;
}

export class AdjustCreditsDto {
  @ApiProperty({ description: 'Credits to add (positive, goodwill) or remove (negative)', example: 1 })
  @IsInt()
  @NotEquals(0)
  @Min(-MAX_ADJUSTMENT)
  @Max(MAX_ADJUSTMENT)
  delta!: number;
  @ApiProperty({ example: 'Goodwill: class cancelled by the studio' }) @Reason() reason!: string;
}

export class ChangeExpiryDto {
  @ApiProperty({ nullable: true, description: 'New expiry instant; null = never expires', example: '2026-12-31T23:00:00Z' })
  @ValidateIf((_, value) => value !== null)
  @IsInstant()
  expiresAt!: string | null;
  @ApiProperty({ example: 'Client was ill for two weeks' }) @Reason() reason!: string;
}

export class RefundDto {
  @ApiPropertyOptional({ description: 'Credits to refund (default: all unused)' }) @IsOptional() @IsInt() @Min(1) @Max(100_000) credits?: number;
  @ApiPropertyOptional({ description: 'Money returned in minor units (default: the value of the refunded credits)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000_00)
  amount?: number;
  @ApiProperty({ example: 'Client moved away' }) @Reason() reason!: string;
}

const STATUSES: PackageStatus[] = ['active', 'used_up', 'expired', 'refunded', 'charged_back'];

/** The end of a range must not come before its start (both instants; the start's own checks report a bad start). */
function NotBefore(startField: string): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'notBefore',
      target: target.constructor,
      propertyName: key as string,
      constraints: [startField],
      options: { message: `$property must not be before ${startField}` },
      validator: {
        validate(end: unknown, args: ValidationArguments) {
          const start = (args.object as Record<string, unknown>)[startField];
          return typeof start !== 'string' || typeof end !== 'string' || !(Date.parse(end) < Date.parse(start));
        },
      },
    });
}

export class ListPackagesParams extends ReadYourWritesParams {
  @ApiPropertyOptional() @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() offeringId?: string;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: PackageStatus;
  @ApiPropertyOptional({ description: 'Text in the offering name the package was sold under, the package id, or the client’s name or email' }) @IsOptional() @IsString() @Length(1, 100) q?: string;
  @ApiPropertyOptional({ description: 'Purchased at or after this instant' }) @IsOptional() @IsInstant() purchasedFrom?: string;
  @ApiPropertyOptional({ description: 'Purchased before this instant (not before purchasedFrom)' }) @IsOptional() @IsInstant() @NotBefore('purchasedFrom') purchasedTo?: string;
  @ApiPropertyOptional({ description: 'Expiring at or after this instant (packages that never expire do not match)' }) @IsOptional() @IsInstant() expiresFrom?: string;
  @ApiPropertyOptional({ description: 'Expiring before this instant (not before expiresFrom)' }) @IsOptional() @IsInstant() @NotBefore('expiresFrom') expiresTo?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

export class LedgerParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'Only movements up to this instant; the balance is as of then' }) @IsOptional() @IsInstant() asOf?: string;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @Matches(/^[0-9a-f-]{36}:\d{8}$/) cursor?: string;
  @PageLimit(100) limit?: number;
}
