import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, ValidateIf } from 'class-validator';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { PageLimit } from '../http/validators';
import { SLUG_PATTERN } from './storefront-directory';

/** A page of the public storefront. No `after`: the public route serves what the read models hold, and no anonymous request waits on them. */
export class StorefrontParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

/** A page of the storefront as the client sees it. */
export class MyStorefrontParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

export class UpdateStorefrontSettingsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'studio-nord',
    description:
      'The address of the public storefront, /v1/storefront/{slug}/offerings: 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit; unique across businesses. null takes the storefront down.',
  })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit' })
  slug!: string | null;
}
