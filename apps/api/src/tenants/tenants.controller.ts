import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OperatorOnly } from '../auth/auth.decorators';
import { ShownOnce } from '../http/idempotency.interceptor';
import { IsCurrency, IsTimezone, NotBlank } from '../http/validators';
import { TenantDirectory } from './tenant-directory';

export class CreateTenantDto {
  @ApiProperty({ example: 'Studio Nord' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) @IsTimezone() timezone!: string;
  @ApiProperty({ example: 'EUR' }) @IsCurrency() currency!: string;
}

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantDirectory) {}

  /** Creates a business and its first admin API key (shown only in this response, never in an idempotent replay). */
  @Post()
  @OperatorOnly()
  @ShownOnce('adminApiKey')
  async create(@Body() body: CreateTenantDto) {
    const { tenant, adminApiKey } = await this.tenants.create(body);
    return { ...tenant, adminApiKey };
  }
}
