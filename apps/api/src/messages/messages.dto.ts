import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MESSAGE_KINDS, MessageKind } from '@punchcard/messages';
import { PageLimit } from '../http/validators';

export const MESSAGE_STATUSES = ['scheduled', 'sending', 'sent', 'failed', 'cancelled', 'not_sent'] as const;
const OptionalNotNull = () => ValidateIf((_, value) => value !== undefined);

/** Template sources: at most 10,000 UTF-16 code units (the API's limit for long text), counted as stored, not as graphemes. */
const TEMPLATE_MAX = 10_000;
const TemplateSource = () => (target: object, propertyName: string) =>
  registerDecorator({
    name: 'templateSource',
    target: target.constructor,
    propertyName,
    options: { message: `$property must be 1 to ${TEMPLATE_MAX} characters` },
    validator: { validate: (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= TEMPLATE_MAX },
  });

/** A language tag this runtime can format dates in (Intl knows it after canonicalisation). */
const IsLanguageTag = () => (object: object, propertyName: string) =>
  registerDecorator({
    target: object.constructor,
    propertyName,
    options: { message: '$property must be a BCP 47 language tag such as en, de-AT or fr-CA' },
    validator: {
      validate(value: unknown) {
        if (typeof value !== 'string') return false;
        try {
          return Intl.DateTimeFormat.supportedLocalesOf(Intl.getCanonicalLocales(value)).length === 1;
        } catch {
          return false;
        }
      },
    },
  });

export class UpdateMessageSettingsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 90, example: 7, description: 'Days before expiry the expiry reminder goes out (09:00 in the client zone).' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(90)
  expiryReminderDays?: number;

  @ApiPropertyOptional({ enum: MESSAGE_KINDS, isArray: true, description: 'Kinds this business does not send (replaces the list).' })
  @OptionalNotNull()
  @IsArray()
  @ArrayUnique()
  @IsIn(MESSAGE_KINDS, { each: true })
  disabledKinds?: MessageKind[];

  @ApiPropertyOptional({ nullable: true, example: 'https://studio.example/book', description: 'The {{booking_url}} of emails; null: the service URL.' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  bookingUrl?: string | null;

  @ApiPropertyOptional({ example: 'de-AT', description: 'BCP 47 language tag: dates in emails are written in it; the shipped defaults are in it where one ships (en, de, fr, es), else in English.' })
  @OptionalNotNull()
  @IsString()
  @Length(2, 35)
  @IsLanguageTag()
  language?: string;
}

/** A whole template: every part is required, so a saved template never mixes with a default. */
export class SaveMessageTemplateDto {
  @ApiProperty({ example: 'Your {{package_name}} from {{business_name}}' }) @IsString() @Length(1, 500) subject!: string;
  @ApiProperty({ example: '<p>Hello {{client_name}}</p>' }) @IsString() @TemplateSource() html!: string;
  @ApiProperty({ example: 'Hello {{client_name}}' }) @IsString() @TemplateSource() text!: string;
}

/** Parts to try instead of the saved template, and a package whose real data fills it (else sample data). */
export class PreviewMessageTemplateDto {
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 500) subject?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @TemplateSource() html?: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @TemplateSource() text?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalNotNull() @IsUUID() packageId?: string;
}

export class ListMessagesParams {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() clientId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() packageId?: string;
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES }) @IsOptional() @IsIn(MESSAGE_STATUSES) status?: (typeof MESSAGE_STATUSES)[number];
  @ApiPropertyOptional({ enum: MESSAGE_KINDS }) @IsOptional() @IsIn(MESSAGE_KINDS) kind?: MessageKind;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
  @PageLimit() limit?: number;
}

export class UpdateMessagePreferencesDto {
  @ApiProperty({ description: 'true: no lifecycle nudges (booking nudge, expiry reminder, renewal prompt); confirmations and notices still go out.' })
  @IsBoolean()
  nudgesUnsubscribed!: boolean;
}

export class UnsubscribeParams {
  @ApiProperty({ description: 'The signed token of the link in the email.' }) @IsString() @Length(10, 400) token!: string;
}
