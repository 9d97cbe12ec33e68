import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { scheduleStreamId } from '@punchcard/domain';
import { EventStore } from '@punchcard/event-store';
import { Config } from '@punchcard/platform';
import { withTenant } from '@punchcard/postgres';
import { ClientOnly, CurrentClient, CurrentTenant, Public, Roles } from '../auth/auth.decorators';
import { ClientPrincipal, TenantPrincipal } from '../auth/principal';
import { ShownOnce } from '../http/idempotency.interceptor';
import { ApiError } from '../http/problem';
import { UuidParam } from '../http/uuid-param';
import { NoBodyFields } from '../http/validation';
import { ClientDirectory } from '../clients';
import { APP_CONFIG, EVENT_STORE } from '../tokens';
import { FeedOwner, FeedStatus, FeedTokens, IssuedFeed } from './feed-tokens';
import { BookingFeedQuery, FEED_REFRESH_SECONDS } from './queries/calendar-feed.queries';

const feedNotFound = () => new ApiError(404, 'calendar_feed_not_found', 'No calendar feed at this address (unknown, rotated or revoked).');

/** The answer to creating or rotating a feed: its URL, shown this once (the token is the credential). */
function issued(config: Config, feed: IssuedFeed) {
  const url = `${config.publicUrl}/v1/calendar-feeds/${feed.token}.ics`;
  return { url, webcalUrl: url.replace(/^https?:\/\//, 'webcal://'), createdAt: feed.createdAt, rotated: feed.rotated };
}
const status = (feed: FeedStatus) => ({ exists: feed.exists, createdAt: feed.createdAt });

/**
 * Private iCalendar feeds of bookings (issue 14, ADR 0025, docs/calendars.md): a schedule's (the
 * host's calendar) and a client's. Creating one again rotates it: the old URL answers 404 at once.
 */
@ApiTags('calendar feeds')
@Controller('v1')
export class CalendarFeedsController {
  constructor(
    private readonly feeds: FeedTokens,
    private readonly clients: ClientDirectory,
    private readonly queries: QueryBus,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {}

  // --- a schedule's feed (the host's calendar)

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @ShownOnce('url', 'webcalUrl')
  @Post('schedules/:scheduleId/calendar-feed')
  async createScheduleFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('scheduleId', 'schedule_not_found') id: string, @Body(NoBodyFields) _: unknown) {
    return issued(this.config, await this.feeds.issue(tenant.tenantId, await this.schedule(id)));
  }

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @Get('schedules/:scheduleId/calendar-feed')
  async scheduleFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('scheduleId', 'schedule_not_found') id: string) {
    return status(await this.feeds.status(tenant.tenantId, await this.schedule(id)));
  }

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @Delete('schedules/:scheduleId/calendar-feed')
  @HttpCode(204)
  async revokeScheduleFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('scheduleId', 'schedule_not_found') id: string) {
    await this.feeds.revoke(tenant.tenantId, await this.schedule(id));
  }

  // --- a client's feed, managed by the business

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @ShownOnce('url', 'webcalUrl')
  @Post('clients/:clientId/calendar-feed')
  async createClientFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('clientId', 'client_not_found') id: string, @Body(NoBodyFields) _: unknown) {
    return issued(this.config, await this.feeds.issue(tenant.tenantId, await this.client(tenant.tenantId, id)));
  }

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @Get('clients/:clientId/calendar-feed')
  async clientFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('clientId', 'client_not_found') id: string) {
    return status(await this.feeds.status(tenant.tenantId, await this.client(tenant.tenantId, id)));
  }

  @ApiBearerAuth()
  @Roles('admin', 'staff')
  @Delete('clients/:clientId/calendar-feed')
  @HttpCode(204)
  async revokeClientFeed(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('clientId', 'client_not_found') id: string) {
    await this.feeds.revoke(tenant.tenantId, await this.client(tenant.tenantId, id));
  }

  // --- the client's own feed

  @ApiBearerAuth()
  @ClientOnly()
  @ShownOnce('url', 'webcalUrl')
  @Post('me/calendar-feed')
  async createMyFeed(@CurrentClient() me: ClientPrincipal, @Body(NoBodyFields) _: unknown) {
    return issued(this.config, await this.feeds.issue(me.tenantId, { kind: 'client', id: me.clientId }));
  }

  @ApiBearerAuth()
  @ClientOnly()
  @Get('me/calendar-feed')
  async myFeed(@CurrentClient() me: ClientPrincipal) {
    return status(await this.feeds.status(me.tenantId, { kind: 'client', id: me.clientId }));
  }

  @ApiBearerAuth()
  @ClientOnly()
  @Delete('me/calendar-feed')
  @HttpCode(204)
  async revokeMyFeed(@CurrentClient() me: ClientPrincipal) {
    await this.feeds.revoke(me.tenantId, { kind: 'client', id: me.clientId });
  }

  // --- the feed itself

  /**
   * The feed (RFC 5545, METHOD:PUBLISH). No Authorization header: the token in the path is the
   * credential. Unknown, rotated and revoked tokens all answer 404 calendar_feed_not_found. Answers
   * 304 to a matching If-None-Match. The same URL works as webcal://.
   */
  @Public()
  @ApiProduces('text/calendar')
  @ApiParam({ name: 'file', description: 'The feed token and `.ics`: `pcf_….ics`', example: 'pcf_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics' })
  @Get('calendar-feeds/:file')
  async feed(@Param('file') file: string, @Req() req: Request, @Res() res: Response) {
    const token = file.endsWith('.ics') ? file.slice(0, -'.ics'.length) : file;
    const found = await this.feeds.resolve(token);
    if (!found) throw feedNotFound();
    const body = await withTenant(found.tenantId, async () => {
      // A client erased from the directory has no feed any more, whatever tokens were handed out.
      if (found.owner.kind === 'client' && !(await this.clients.get(found.tenantId, found.owner.id))) return null;
      return this.queries.execute(new BookingFeedQuery(found.tenantId, found.owner));
    });
    if (!body) throw feedNotFound();
    res.setHeader('Cache-Control', `private, max-age=${Math.min(FEED_REFRESH_SECONDS, 300)}`);
    res.setHeader('ETag', body.etag);
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '')).some((tag) => tag === body.etag || tag === '*')) {
      res.status(304).end();
      return;
    }
    res.status(200).type('text/calendar; charset=utf-8').setHeader('Content-Disposition', 'inline; filename="bookings.ics"');
    res.send(body.ics);
  }

  /** A schedule of the tenant, checked against its stream (one created a moment ago counts); another tenant's reads as unknown. */
  private async schedule(id: string): Promise<FeedOwner> {
    const events = await this.events.readStream(scheduleStreamId(id));
    if (events.length === 0) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    return { kind: 'schedule', id };
  }

  private async client(tenantId: string, id: string): Promise<FeedOwner> {
    if (!(await this.clients.get(tenantId, id))) throw new ApiError(404, 'client_not_found', 'Client not found.');
    return { kind: 'client', id };
  }
}
