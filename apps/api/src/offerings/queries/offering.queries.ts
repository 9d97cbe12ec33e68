import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { OfferingDocument, OFFERINGS } from '@punchcard/projections';
import { READ_STORE } from '../../tokens';

export type OfferingSummary = Omit<OfferingDocument, 'tenantId'>;

const present = ({ tenantId: _, ...offering }: OfferingDocument): OfferingSummary => offering;

export class GetOfferingQuery extends Query<OfferingSummary | null> {
  constructor(
    readonly tenantId: string,
    readonly offeringId: string,
  ) {
    super();
  }
}

export class ListOfferingsQuery extends Query<{ items: OfferingSummary[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: string; includeDeleted: boolean; cursor?: string; limit: number },
  ) {
    super();
  }
}

@QueryHandler(GetOfferingQuery)
export class GetOfferingHandler implements IQueryHandler<GetOfferingQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, offeringId }: GetOfferingQuery) {
    const document = await this.readStore.get<OfferingDocument>({ collection: OFFERINGS, tenantId, id: offeringId });
    return document && present(document);
  }
}

@QueryHandler(ListOfferingsQuery)
export class ListOfferingsHandler implements IQueryHandler<ListOfferingsQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, filter }: ListOfferingsQuery) {
    const docs = await this.readStore.find<OfferingDocument>(OFFERINGS, tenantId, {
      where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.includeDeleted ? {} : { deleted: false }) },
      order: 'desc',
      after: filter.cursor,
      limit: filter.limit + 1,
    });
    const items = docs.slice(0, filter.limit).map((d) => present(d.data));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}
