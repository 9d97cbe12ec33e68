import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { upcast } from '@punchcard/domain';
import { PostgresEventStore, withUpcasting } from '@punchcard/event-store';
import { SYSTEM_POOL } from '../tokens';
import { DeliveryLog } from './delivery-log';
import { DeliveryPlanner, SYSTEM_EVENTS } from './delivery-planner';
import { CreateWebhookEndpointHandler, DeleteWebhookEndpointHandler, RotateWebhookSecretHandler, UpdateWebhookEndpointHandler } from './manage-endpoints/endpoint.commands';
import { GetWebhookDeliveryHandler, GetWebhookEndpointHandler, ListWebhookDeliveriesHandler, ListWebhookEndpointsHandler } from './queries/webhook.queries';
import { RedeliverWebhookHandler } from './redeliver/redeliver.command';
import { resolverProvider, WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpoints } from './webhook-endpoints';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookScheduler } from './webhook-scheduler';

/** Outbound webhooks (issue 13, ADR 0024): endpoints, the planner, the dispatcher and its lease. */
@Module({
  controllers: [WebhookEndpointsController],
  providers: [
    // The planner reads every tenant's events: the system role, upcast like every other reader.
    { provide: SYSTEM_EVENTS, useFactory: (pool: Pool) => withUpcasting(new PostgresEventStore(pool), upcast), inject: [SYSTEM_POOL] },
    resolverProvider,
    WebhookEndpoints,
    DeliveryLog,
    DeliveryPlanner,
    WebhookDispatcher,
    WebhookScheduler,
    CreateWebhookEndpointHandler,
    UpdateWebhookEndpointHandler,
    DeleteWebhookEndpointHandler,
    RotateWebhookSecretHandler,
    RedeliverWebhookHandler,
    ListWebhookEndpointsHandler,
    GetWebhookEndpointHandler,
    ListWebhookDeliveriesHandler,
    GetWebhookDeliveryHandler,
  ],
})
export class OutboundWebhooksModule {}
