import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsHttpUrl, OptionalNotNull, PageLimit } from '../http/validators';
import { WEBHOOK_EVENT_TYPES } from './planning';

const URL_DOC = 'Where deliveries are POSTed: an https URL on the public internet (private, loopback and link-local addresses are refused, also when a name resolves to one).';
const EVENTS_DOC = `The kinds of event to receive: ${WEBHOOK_EVENT_TYPES.join(', ')}.`;

export class CreateWebhookEndpointDto {
  @ApiProperty({ description: URL_DOC, example: 'https://hooks.example.com/punchcard' })
  @IsString()
  @Length(1, 2000)
  @IsHttpUrl()
  url!: string;

  @ApiProperty({ description: EVENTS_DOC, example: ['package.purchased', 'booking.created'], isArray: true, enum: WEBHOOK_EVENT_TYPES })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events!: string[];

  @ApiPropertyOptional({ description: 'A note for admins (what the endpoint is for).', maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;

  @ApiPropertyOptional({ description: 'Default true.' })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ description: URL_DOC })
  @OptionalNotNull()
  @IsString()
  @Length(1, 2000)
  @IsHttpUrl()
  url?: string;

  @ApiPropertyOptional({ description: EVENTS_DOC, isArray: true, enum: WEBHOOK_EVENT_TYPES })
  @OptionalNotNull()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: string[];

  @ApiPropertyOptional({ description: 'null clears it.', nullable: true, maxLength: 500 })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsString()
  @Length(0, 500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'false switches deliveries off; true switches them back on (and clears the failure count).' })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'held', 'expired'];

export class ListDeliveriesParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: string;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,600}$/) cursor?: string;
  @PageLimit(50) limit?: number;
}
