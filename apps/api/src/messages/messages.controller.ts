import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { withTenant } from '@punchcard/postgres';
import { CurrentTenant, Public, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { ApiError } from '../http/problem';
import { UuidParam } from '../http/uuid-param';
import { NoBodyFields } from '../http/validation';
import { kindOf, MessageAdmin } from './message-admin';
import { MessageContent } from './message-content';
import {
  ListMessagesParams,
  PreviewMessageTemplateDto,
  SaveMessageTemplateDto,
  UnsubscribeParams,
  UpdateMessagePreferencesDto,
  UpdateMessageSettingsDto,
} from './messages.dto';
import {
  GetMessagePreferencesQuery,
  GetMessageQuery,
  GetMessageSettingsQuery,
  ListMessagesQuery,
  ListMessageTemplatesQuery,
  PreviewMessageTemplateQuery,
} from './queries/messages.queries';

const actorOf = (tenant: TenantPrincipal) => `api-key:${tenant.keyId}`;

/** Lifecycle messages (issue 13): settings, templates and their preview, the message log, resends, preferences. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1')
export class MessagesController {
  constructor(
    private readonly queries: QueryBus,
    private readonly admin: MessageAdmin,
  ) {}

  @Roles('admin', 'staff')
  @Get('message-settings')
  settings(@CurrentTenant() tenant: TenantPrincipal) {
    return this.queries.execute(new GetMessageSettingsQuery(tenant.tenantId));
  }

  @Roles('admin')
  @Patch('message-settings')
  updateSettings(@CurrentTenant() tenant: TenantPrincipal, @Body() body: UpdateMessageSettingsDto) {
    return this.admin.updateSettings(tenant.tenantId, body);
  }

  @Roles('admin', 'staff')
  @Get('message-templates')
  async templates(@CurrentTenant() tenant: TenantPrincipal) {
    return { items: await this.queries.execute(new ListMessageTemplatesQuery(tenant.tenantId)) };
  }

  /** Replaces a kind's template; 422 invalid_template (with the allowed placeholders) for unknown names or bad syntax. */
  @Roles('admin')
  @Put('message-templates/:kind')
  saveTemplate(@CurrentTenant() tenant: TenantPrincipal, @Param('kind') kind: string, @Body() body: SaveMessageTemplateDto) {
    return this.admin.saveTemplate(tenant.tenantId, kindOf(kind), body, actorOf(tenant));
  }

  /** Back to the shipped default. */
  @Roles('admin')
  @Delete('message-templates/:kind')
  resetTemplate(@CurrentTenant() tenant: TenantPrincipal, @Param('kind') kind: string) {
    return this.admin.resetTemplate(tenant.tenantId, kindOf(kind));
  }

  /** Renders the saved template, or the parts given, with a package's data or sample data; saves nothing. */
  @Roles('admin', 'staff')
  @Post('message-templates/:kind/preview')
  @HttpCode(200)
  preview(@CurrentTenant() tenant: TenantPrincipal, @Param('kind') kind: string, @Body() body: PreviewMessageTemplateDto) {
    return this.queries.execute(new PreviewMessageTemplateQuery(tenant.tenantId, kindOf(kind), body));
  }

  @Roles('admin', 'staff')
  @Get('messages')
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListMessagesParams) {
    const { limit, ...filter } = query;
    return this.queries.execute(new ListMessagesQuery(tenant.tenantId, { ...filter, limit: limit ?? 20 }));
  }

  @Roles('admin', 'staff')
  @Get('messages/:id')
  get(@CurrentTenant() tenant: TenantPrincipal, @Param('id') id: string) {
    return this.queries.execute(new GetMessageQuery(tenant.tenantId, id));
  }

  /** Sends a message again (rendered afresh, new Message-ID) with the next batch; 409 message_pending while it is still due. */
  @Roles('admin')
  @Post('messages/:id/resend')
  @HttpCode(202)
  resend(@CurrentTenant() tenant: TenantPrincipal, @Param('id') id: string, @Body(NoBodyFields) _: unknown) {
    return this.admin.resend(tenant.tenantId, id);
  }

  @Roles('admin', 'staff')
  @Get('clients/:id/message-preferences')
  preferences(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') clientId: string) {
    return this.queries.execute(new GetMessagePreferencesQuery(tenant.tenantId, clientId));
  }

  /**
   * Erases the client's personal data in the message log (recipients, subjects, bodies, invitations,
   * server answers) and cancels their scheduled messages (`erased`); ids, kinds, statuses and times stay.
   * Idempotent: 204 each time. 404 client_not_found when neither the directory nor the log knows the client.
   */
  @Roles('admin')
  @Delete('clients/:id/messages/personal-data')
  @HttpCode(204)
  async erase(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') clientId: string): Promise<void> {
    await this.admin.erasePersonalData(tenant.tenantId, clientId);
  }

  @Roles('admin')
  @Patch('clients/:id/message-preferences')
  setPreferences(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') clientId: string, @Body() body: UpdateMessagePreferencesDto) {
    return this.admin.setPreferences(tenant.tenantId, clientId, body.nudgesUnsubscribed, actorOf(tenant));
  }
}

/**
 * The link in every nudge. GET shows a page with a button (mail scanners follow links; a GET changes
 * nothing); POST unsubscribes (the button, and one-click List-Unsubscribe-Post from mail clients). The
 * signed token is the proof: it names the tenant and the client and nothing else.
 */
@ApiTags('messages')
@Controller('v1/unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly content: MessageContent,
    private readonly admin: MessageAdmin,
  ) {}

  @Public()
  @Get()
  page(@Query() query: UnsubscribeParams, @Res({ passthrough: true }) res: Response) {
    this.verified(query.token);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // The API's CSP forbids forms; this page's one button posts back to itself.
    res.setHeader('Content-Security-Policy', "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    return `<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head><body>
<form method="post"><p>Stop reminders and nudges about your packages? Confirmations and booking notices still arrive.</p>
<button type="submit">Unsubscribe</button></form></body></html>`;
  }

  @Public()
  @Post()
  @HttpCode(200)
  async unsubscribe(@Query() query: UnsubscribeParams, @Body(NoBodyFields) _: unknown) {
    const { tenantId, clientId } = this.verified(query.token);
    const result = await withTenant(tenantId, () => this.admin.setPreferences(tenantId, clientId, true, 'client:unsubscribe-link'));
    return { unsubscribed: result.nudgesUnsubscribed };
  }

  private verified(token: string) {
    const found = this.content.verifyUnsubscribe(token);
    if (!found) throw new ApiError(404, 'unsubscribe_link_invalid', 'This unsubscribe link is not valid.');
    return found;
  }
}
