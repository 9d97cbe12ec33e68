import { Body, Controller, createParamDecorator, ExecutionContext, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OperatorOnly } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ShownOnce } from '../http/idempotency.interceptor';
import { UuidParam } from '../http/uuid-param';
import { IsCurrency, IsTimezone, NotBlank, OptionalNotNull } from '../http/validators';
import { TenantDirectory } from './tenant-directory';

export class CreateTenantDto {
  @ApiProperty({ example: 'Studio Nord' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) @IsTimezone() timezone!: string;
  @ApiProperty({ example: 'EUR' }) @IsCurrency() currency!: string;
}

export const DEFAULT_RECOVERY_KEY_NAME = 'admin (issued by operator)';

export class IssueAdminKeyDto {
  @ApiPropertyOptional({ default: DEFAULT_RECOVERY_KEY_NAME, description: '1 to 100 characters' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 100)
  @NotBlank()
  name?: string;
}

type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;
/** The operator key that is calling (only on @OperatorOnly routes, where the guard has checked it). */
const CurrentOperator = createParamDecorator((_: unknown, ctx: ExecutionContext): OperatorPrincipal => ctx.switchToHttp().getRequest().principal);

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

  /**
   * Break-glass: issues the tenant a new admin key (shown once, as `POST /v1/api-keys` shows it), for a
   * tenant left without a usable one, e.g. after its creation's response was lost. Logged, and recorded
   * as created by `operator:<operator key id>`.
   */
  @Post(':id/admin-keys')
  @OperatorOnly()
  @ShownOnce('key')
  issueAdminKey(@UuidParam('id', 'tenant_not_found') tenantId: string, @CurrentOperator() operator: OperatorPrincipal, @Body() body: IssueAdminKeyDto) {
    return this.tenants.issueAdminKey(tenantId, operator.keyId, body.name ?? DEFAULT_RECOVERY_KEY_NAME);
  }
}
