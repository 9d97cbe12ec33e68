import { Body, Controller, Get, Param, Patch, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClientOnly, CurrentClient, CurrentTenant, Public, Roles } from '../auth/auth.decorators';
import { ClientPrincipal, TenantPrincipal } from '../auth/principal';
import { MyStorefrontQuery, PublicStorefrontQuery } from './queries/storefront.queries';
import { StorefrontDirectory, StorefrontSettings } from './storefront-directory';
import { MyStorefrontParams, StorefrontParams, UpdateStorefrontSettingsDto } from './storefront.dto';

/** How long browsers and shared caches (a CDN in front of the API) may keep a public storefront page. */
export const PUBLIC_STOREFRONT_MAX_AGE_SECONDS = 60;

/**
 * The storefront (issue 12): the offerings a viewer can buy, with the price per session and the
 * saving against single sessions. Public by the business's slug (anonymous: offerings visible to
 * everyone), or with a client token (also the offerings of the client's groups).
 */
@ApiTags('storefront')
@Controller('v1')
export class StorefrontController {
  constructor(private readonly queries: QueryBus) {}

  /**
   * No credential needed, and none is read: the answer is the same for everyone, so browsers and
   * shared caches may keep it for a minute. An unknown or unpublished slug is 404 storefront_not_found.
   */
  @Public()
  @Get('storefront/:slug/offerings')
  async publicOfferings(@Param('slug') slug: string, @Query() query: StorefrontParams, @Res({ passthrough: true }) res: Response) {
    const page = await this.queries.execute(new PublicStorefrontQuery(slug, { cursor: query.cursor, limit: query.limit ?? 20 }));
    res.setHeader('Cache-Control', `public, max-age=${PUBLIC_STOREFRONT_MAX_AGE_SECONDS}`);
    return page;
  }

  /** The storefront of the client's business as this client sees it (no slug needed; not cached). */
  @ApiBearerAuth()
  @ClientOnly()
  @Get('me/storefront/offerings')
  myOfferings(@CurrentClient() me: ClientPrincipal, @Query() query: MyStorefrontParams) {
    return this.queries.execute(new MyStorefrontQuery(me, { cursor: query.cursor, limit: query.limit ?? 20 }));
  }
}

/** Publishing the storefront: its slug. */
@ApiTags('storefront')
@ApiBearerAuth()
@Controller('v1/storefront-settings')
export class StorefrontSettingsController {
  constructor(private readonly storefronts: StorefrontDirectory) {}

  @Roles('admin', 'staff')
  @Get()
  async get(@CurrentTenant() tenant: TenantPrincipal) {
    return present(await this.storefronts.settings(tenant.tenantId));
  }

  /** Publishes the storefront under a slug, moves it to another (the old one stops answering at once), or takes it down (null). */
  @Roles('admin')
  @Patch()
  async update(@CurrentTenant() tenant: TenantPrincipal, @Body() body: UpdateStorefrontSettingsDto) {
    return present(await this.storefronts.setSlug(tenant.tenantId, body.slug));
  }
}

function present(settings: StorefrontSettings) {
  return { ...settings, publicPath: settings.slug === null ? null : `/v1/storefront/${settings.slug}/offerings` };
}
