import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { TENANT_ROLES, TenantRole } from '../auth/principal';
import { NotBlank, OptionalNotNull, PageLimit } from '../http/validators';

/** A week: long enough to roll a new key out everywhere, short enough that the old one does not linger. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 60 * 60;

export class CreateApiKeyDto {
  @ApiProperty({ enum: TENANT_ROLES, example: 'staff' }) @IsIn(TENANT_ROLES) role!: TenantRole;
  @ApiProperty({ example: 'Front desk tablet', description: '1 to 100 characters' }) @IsString() @Length(1, 100) @NotBlank() name!: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ default: 0, maximum: MAX_ROTATION_GRACE_SECONDS, description: 'How long the old key keeps working (seconds); 0 revokes it now' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_GRACE_SECONDS)
  revokeOldAfterSeconds?: number;
}

export class ListApiKeysParams {
  @ApiPropertyOptional({ description: 'The id of the last key of the previous page' }) @IsOptional() @Matches(/^[0-9a-f]{16}$/) cursor?: string;
  @PageLimit(100) limit?: number;
}
