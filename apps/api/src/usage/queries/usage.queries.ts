import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ClientUsagePosition } from './client-usage-cursor';
import { ClientUsageOrder, ClientUsageRow, OfferingUsageView, UsageReader } from './usage-reader';

/** An offering's usage dashboard; null: no such offering. */
export class OfferingUsageQuery extends Query<OfferingUsageView | null> {
  constructor(
    readonly tenantId: string,
    readonly offeringId: string,
  ) {
    super();
  }
}

/** One page of an offering's client usage table; null: no such offering. */
export class ClientUsagePageQuery extends Query<{ items: ClientUsageRow[]; nextCursor: string | null } | null> {
  constructor(
    readonly tenantId: string,
    readonly offeringId: string,
    readonly order: ClientUsageOrder,
    readonly after: ClientUsagePosition | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

/** Every row of an offering's client usage table in its order, read a page at a time; null: no such offering. */
export class ClientUsageRowsQuery extends Query<AsyncIterable<ClientUsageRow> | null> {
  constructor(
    readonly tenantId: string,
    readonly offeringId: string,
    readonly order: ClientUsageOrder,
  ) {
    super();
  }
}

@QueryHandler(OfferingUsageQuery)
export class OfferingUsageHandler implements IQueryHandler<OfferingUsageQuery> {
  constructor(private readonly usage: UsageReader) {}

  execute({ tenantId, offeringId }: OfferingUsageQuery) {
    return this.usage.offeringUsage(tenantId, offeringId);
  }
}

@QueryHandler(ClientUsagePageQuery)
export class ClientUsagePageHandler implements IQueryHandler<ClientUsagePageQuery> {
  constructor(private readonly usage: UsageReader) {}

  execute({ tenantId, offeringId, order, after, limit }: ClientUsagePageQuery) {
    return this.usage.clientPage(tenantId, offeringId, order, after, limit);
  }
}

@QueryHandler(ClientUsageRowsQuery)
export class ClientUsageRowsHandler implements IQueryHandler<ClientUsageRowsQuery> {
  constructor(private readonly usage: UsageReader) {}

  async execute({ tenantId, offeringId, order }: ClientUsageRowsQuery) {
    if (!(await this.usage.offeringExists(tenantId, offeringId))) return null;
    return this.usage.clientRows(tenantId, offeringId, order);
  }
}
