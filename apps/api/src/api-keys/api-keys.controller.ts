import { Body, Controller, Get, HttpCode, Param, PipeTransform, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { isKeyId } from '../auth/api-keys';
import { TenantPrincipal } from '../auth/principal';
import { ShownOnce } from '../http/idempotency.interceptor';
import { ApiError } from '../http/problem';
import { NoBodyFields } from '../http/validation';
import { MAX_PAGE_SIZE } from '../http/validators';
import { ApiKeyRegistry } from './api-key-registry';
import { CreateApiKeyDto, ListApiKeysParams, RotateApiKeyDto } from './api-keys.dto';

/** A path key id that is not one (16 hex digits) is simply not found. */
class KeyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isKeyId(value)) throw new ApiError(404, 'api_key_not_found', 'API key not found.');
    return value;
  }
}

/**
 * The tenant's API keys (admins only). A key's secret is in the create and rotate responses only,
 * and never stored for an Idempotency-Key replay (a replay answers without `key`).
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly registry: ApiKeyRegistry) {}

  /** Newest first, revoked keys included; shows each key's prefix, never its secret. */
  @Roles('admin')
  @Get()
  async list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListApiKeysParams) {
    const limit = query.limit ?? MAX_PAGE_SIZE; // keys are few: one page is usually all of them
    const rows = await this.registry.list(tenant.tenantId, { cursor: query.cursor, limit: limit + 1 });
    return { items: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1].id : null };
  }

  /** Creates a key with a role; `key` is shown in this response only. */
  @Roles('admin')
  @ShownOnce('key')
  @Post()
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateApiKeyDto) {
    return this.registry.create(tenant, { role: body.role, name: body.name });
  }

  /** Revokes the key now (idempotent). The tenant's last active admin key cannot be revoked (409 last_admin_key). */
  @Roles('admin')
  @HttpCode(200)
  @Post(':id/revoke')
  revoke(@CurrentTenant() tenant: TenantPrincipal, @Param('id', KeyIdPipe) id: string, @Body(NoBodyFields) _: unknown) {
    return this.registry.revoke(tenant, id);
  }

  /** Replaces the key with a new one of the same role and name (shown once); the old one works on for the grace period. */
  @Roles('admin')
  @ShownOnce('key')
  @Post(':id/rotate')
  rotate(@CurrentTenant() tenant: TenantPrincipal, @Param('id', KeyIdPipe) id: string, @Body() body: RotateApiKeyDto) {
    return this.registry.rotate(tenant, id, body.revokeOldAfterSeconds ?? 0);
  }
}
