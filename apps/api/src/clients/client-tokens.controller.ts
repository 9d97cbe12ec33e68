import { Body, Controller, Logger, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { ClientDirectory } from './client-directory';
import { ShownOnce } from '../http/idempotency.interceptor';
import { ApiError } from '../http/problem';
import { UuidParam } from '../http/uuid-param';
import { OptionalNotNull } from '../http/validators';
import { ClientTokens, TOKEN_TTL } from '../auth/client-tokens';

export class MintClientTokenDto {
  @ApiPropertyOptional({ description: 'How long the token is valid, in seconds', minimum: TOKEN_TTL.min, maximum: TOKEN_TTL.max, default: TOKEN_TTL.default })
  @OptionalNotNull()
  @IsInt()
  @Min(TOKEN_TTL.min)
  @Max(TOKEN_TTL.max)
  ttlSeconds?: number;
}

@ApiTags('client tokens')
@ApiBearerAuth()
@Controller('v1/clients')
export class ClientTokensController {
  private readonly logger = new Logger('ClientTokens');

  constructor(
    private readonly clients: ClientDirectory,
    private readonly tokens: ClientTokens,
  ) {}

  /**
   * A short-lived token for the client's own app: with it the client reads their packages, ledger and
   * bookings and books, reschedules and cancels their own sessions (`/v1/me/...`), nothing else.
   * Hand it to the client only; it cannot be revoked before it expires, so keep it short.
   */
  @Roles('admin')
  @ShownOnce('token') // a replay must not hand out a live credential kept in the idempotency table
  @Post(':id/tokens')
  async mint(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'client_not_found') id: string,
    @Body() body: MintClientTokenDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const client = await this.clients.get(tenant.tenantId, id);
    if (!client) throw new ApiError(404, 'client_not_found', 'Client not found.');
    const { tokenId, ...minted } = this.tokens.mint(tenant.tenantId, client.id, body.ttlSeconds ?? TOKEN_TTL.default);
    // A credential: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    this.logger.log(`Client token ${tokenId} minted for client ${client.id} of tenant ${tenant.tenantId} by key ${tenant.keyId}, expires ${minted.expiresAt}`);
    return minted;
  }
}
