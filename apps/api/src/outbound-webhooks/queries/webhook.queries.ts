import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DeliveryDetail, DeliveryLog, DeliveryView } from '../delivery-log';
import { EndpointView, WebhookEndpoints } from '../webhook-endpoints';

export class ListWebhookEndpointsQuery extends Query<{ items: EndpointView[] }> {
  constructor(readonly tenantId: string) {
    super();
  }
}

@QueryHandler(ListWebhookEndpointsQuery)
export class ListWebhookEndpointsHandler implements IQueryHandler<ListWebhookEndpointsQuery> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  async execute({ tenantId }: ListWebhookEndpointsQuery): Promise<{ items: EndpointView[] }> {
    return { items: await this.endpoints.list(tenantId) };
  }
}

export class GetWebhookEndpointQuery extends Query<EndpointView> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
  ) {
    super();
  }
}

@QueryHandler(GetWebhookEndpointQuery)
export class GetWebhookEndpointHandler implements IQueryHandler<GetWebhookEndpointQuery> {
  constructor(private readonly endpoints: WebhookEndpoints) {}
  execute({ tenantId, endpointId }: GetWebhookEndpointQuery): Promise<EndpointView> {
    return this.endpoints.get(tenantId, endpointId);
  }
}

export class ListWebhookDeliveriesQuery extends Query<{ items: DeliveryView[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
    readonly page: { status?: string; cursor?: string; limit: number },
  ) {
    super();
  }
}

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveriesQuery> {
  constructor(private readonly log: DeliveryLog) {}
  execute({ tenantId, endpointId, page }: ListWebhookDeliveriesQuery) {
    return this.log.list(tenantId, endpointId, page);
  }
}

export class GetWebhookDeliveryQuery extends Query<DeliveryDetail> {
  constructor(
    readonly tenantId: string,
    readonly endpointId: string,
    readonly deliveryId: string,
  ) {
    super();
  }
}

@QueryHandler(GetWebhookDeliveryQuery)
export class GetWebhookDeliveryHandler implements IQueryHandler<GetWebhookDeliveryQuery> {
  constructor(private readonly log: DeliveryLog) {}
  execute({ tenantId, endpointId, deliveryId }: GetWebhookDeliveryQuery): Promise<DeliveryDetail> {
    return this.log.get(tenantId, endpointId, deliveryId);
  }
}
