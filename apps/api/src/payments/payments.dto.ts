import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsHttpUrl, PageLimit } from '../http/validators';

export class ConnectStripeDto {
  @ApiProperty({ description: 'The business’s Stripe secret key (sk_test_…, sk_live_…) or restricted key (rk_…). Stored encrypted, never shown again.', example: 'sk_test_51…' })
  @IsString()
  @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9]{8,240}$/, { message: 'secretKey must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_…, rk_live_…)' })
  secretKey!: string;

  @ApiProperty({ description: 'The signing secret of the webhook endpoint registered in Stripe for this business (whsec_…). Stored encrypted, never shown again.', example: 'whsec_…' })
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/=_-]{8,240}$/, { message: 'webhookSecret must be a Stripe webhook signing secret (whsec_…)' })
  webhookSecret!: string;
}

const RETURN_URL = 'Where Stripe sends the client back; `{CHECKOUT_ID}` in it is replaced by the checkout’s id.';

export class ReturnUrlsDto {
  @ApiProperty({ description: `After paying. ${RETURN_URL}`, example: 'https://studio.example.com/thanks?checkout={CHECKOUT_ID}' })
  @IsString()
  @Length(1, 2000)
  @IsHttpUrl()
  successUrl!: string;

  @ApiProperty({ description: `After giving up. ${RETURN_URL}`, example: 'https://studio.example.com/offers' })
  @IsString()
  @Length(1, 2000)
  @IsHttpUrl()
  cancelUrl!: string;
}

export class StartMyCheckoutDto extends ReturnUrlsDto {
  @ApiProperty() @IsUUID() offeringId!: string;
}

export class StartCheckoutDto extends StartMyCheckoutDto {
  @ApiProperty({ description: 'The client who buys (their email is prefilled on Stripe’s page).' }) @IsUUID() clientId!: string;
}

export class DeliveriesParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,600}$/) cursor?: string;
  @PageLimit(50) limit?: number;
}

/** A refund of unused credits of a card-paid package, through Stripe (ADR 0022). */
export class CardRefundDto {
  @ApiPropertyOptional({ description: 'Credits to refund (default: all unused)' }) @IsOptional() @IsInt() @Min(1) @Max(100_000) credits?: number;
  @ApiPropertyOptional({ description: 'Money Stripe returns to the card, in minor units (default: the value of the refunded credits; at least 1)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000_00)
  amount?: number;
  @ApiProperty({ example: 'Client moved away' }) @IsString() @Length(1, 500) @Matches(/\S/, { message: 'reason must not be blank' }) reason!: string;
}
