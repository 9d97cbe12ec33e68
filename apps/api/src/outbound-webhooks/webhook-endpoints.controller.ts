import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { newId } from '../http/new-id';
import { ShownOnce } from '../http/idempotency.interceptor';
import { ApiError } from '../http/problem';
import { NoBodyFields } from '../http/validation';
import { UuidParam } from '../http/uuid-param';
import { CreateWebhookEndpointCommand, DeleteWebhookEndpointCommand, RotateWebhookSecretCommand, UpdateWebhookEndpointCommand } from './manage-endpoints/endpoint.commands';
import { GetWebhookDeliveryQuery, GetWebhookEndpointQuery, ListWebhookDeliveriesQuery, ListWebhookEndpointsQuery } from './queries/webhook.queries';
import { RedeliverWebhookCommand } from './redeliver/redeliver.command';
import { CreateWebhookEndpointDto, ListDeliveriesParams, UpdateWebhookEndpointDto } from './webhooks.dto';

const ENDPOINT = 'webhook_endpoint_not_found';

/** Outbound webhooks (admins only, ADR 0024, docs/webhooks.md): endpoints, their deliveries, redelivery. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** Subscribes a URL; the answer holds the signing secret, shown this once (an idempotent replay answers without it). */
  @Roles('admin')
  @ShownOnce('secret')
  @Post()
  async create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateWebhookEndpointDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'webhook-endpoint'); // derived from an Idempotency-Key when there is one
    const created = await this.commands.execute(
      new CreateWebhookEndpointCommand(tenant.tenantId, id, { url: body.url, description: body.description ?? null, events: body.events, enabled: body.enabled ?? true }),
    );
    res.setHeader('Location', `/v1/webhook-endpoints/${id}`);
    return created;
  }

  @Roles('admin')
  @Get()
  list(@CurrentTenant() tenant: TenantPrincipal) {
    return this.queries.execute(new ListWebhookEndpointsQuery(tenant.tenantId));
  }

  @Roles('admin')
  @Get(':id')
  get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string) {
    return this.queries.execute(new GetWebhookEndpointQuery(tenant.tenantId, id));
  }

  /** Changes the fields sent; `enabled: true` switches a disabled endpoint back on. */
  @Roles('admin')
  @Patch(':id')
  update(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string, @Body() body: UpdateWebhookEndpointDto) {
    if (Object.values(body).every((value) => value === undefined)) throw new ApiError(400, 'validation_failed', 'Send at least one of url, events, description, enabled.');
    return this.commands.execute(new UpdateWebhookEndpointCommand(tenant.tenantId, id, body));
  }

  /** Removes the endpoint with its delivery log; nothing more is sent to it. */
  @Roles('admin')
  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string): Promise<void> {
    await this.commands.execute(new DeleteWebhookEndpointCommand(tenant.tenantId, id));
  }

  /** A new signing secret, shown this once; the previous one stops signing at once. */
  @Roles('admin')
  @ShownOnce('secret')
  @Post(':id/secret-rotations')
  @HttpCode(200)
  rotate(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string, @Body(NoBodyFields) _: unknown) {
    return this.commands.execute(new RotateWebhookSecretCommand(tenant.tenantId, id));
  }

  /** The endpoint's deliveries, newest first, with their status and last attempt. */
  @Roles('admin')
  @Get(':id/deliveries')
  deliveries(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string, @Query() query: ListDeliveriesParams) {
    return this.queries.execute(new ListWebhookDeliveriesQuery(tenant.tenantId, id, { status: query.status, cursor: query.cursor, limit: query.limit ?? 50 }));
  }

  /** One delivery with its payload and every attempt. */
  @Roles('admin')
  @Get(':id/deliveries/:deliveryId')
  delivery(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', ENDPOINT) id: string, @UuidParam('deliveryId', 'webhook_delivery_not_found') deliveryId: string) {
    return this.queries.execute(new GetWebhookDeliveryQuery(tenant.tenantId, id, deliveryId));
  }

  /** Sends the delivery again at the next dispatch (202): the same event id, a fresh signature and round of retries. */
  @Roles('admin')
  @Post(':id/deliveries/:deliveryId/redeliveries')
  @HttpCode(202)
  redeliver(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', ENDPOINT) id: string,
    @UuidParam('deliveryId', 'webhook_delivery_not_found') deliveryId: string,
    @Body(NoBodyFields) _: unknown,
  ) {
    return this.commands.execute(new RedeliverWebhookCommand(tenant.tenantId, id, deliveryId));
  }
}
