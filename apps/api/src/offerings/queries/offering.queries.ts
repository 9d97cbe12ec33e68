import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { OfferingDocument, OFFERINGS } from '@punchcard/projections';
import { READ_STORE } from '../../tokens';

/**
 * Usage figures under the API vocabulary (docs/api-guide.md, "Vocabulary"): `creditsTotal` (every
 * credit given) and `creditsExpired` (lost at expiry); the published `creditsGranted` and
 * `creditsForfeited` hold the same figures and are deprecated.
 */
export type OfferingSummary = Omit<OfferingDocument, 'tenantId'> & { creditsTotal: number; creditsExpired: number };

export const offeringSummaryOf = ({ tenantId: _, ...offering }: OfferingDocument): OfferingSummary => ({
  ...offering,
  creditsTotal: offering.creditsGranted,
  creditsExpired: offering.creditsForfeited,
});

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
    return document && offeringSummaryOf(document);
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
    const items = docs.slice(0, filter.limit).map((d) => offeringSummaryOf(d.data));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}
