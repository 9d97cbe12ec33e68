import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { isOnSale, isVisibleTo } from '@punchcard/domain';
import { withTenant } from '@punchcard/postgres';
import { ClientPrincipal } from '../../auth/principal';
import { ClientDirectory } from '../../clients';
import { ApiError } from '../../http/problem';
import { ListOfferingsQuery, OfferingSummary } from '../../offerings';
import { GetSessionTypesQuery, SessionTypeSummary } from '../../session-types';
import { TenantDirectory } from '../../tenants';
import { Clock, CLOCK } from '../../tokens';
import { StorefrontDirectory } from '../storefront-directory';
import { StorefrontOffering, toStorefrontOffering } from '../storefront-view';

export interface StorefrontPage {
  items: StorefrontOffering[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PublicStorefrontPage extends StorefrontPage {
  business: { name: string; slug: string };
}

export interface PageRequest {
  cursor?: string;
  limit: number;
}

/**
 * The offerings a viewer may buy now, newest first: on sale (active, not deleted, not past a fixed
 * expiration date: `isOnSale`, the sale's own conditions) and visible to the viewer's groups (the
 * domain's `isVisibleTo`, the rule the sale and booking decisions apply). An anonymous viewer has no
 * groups, so sees only offerings visible to everyone.
 */
export class StorefrontOfferingsQuery extends Query<StorefrontPage> {
  constructor(
    readonly tenantId: string,
    readonly viewerGroups: readonly string[],
    readonly page: PageRequest,
  ) {
    super();
  }
}

/** The public storefront of the business a slug names, as an anonymous viewer sees it; 404 storefront_not_found otherwise. */
export class PublicStorefrontQuery extends Query<PublicStorefrontPage> {
  constructor(
    readonly slug: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}

/** The storefront of the client's business as that client sees it: also the offerings of the client's groups. */
export class MyStorefrontQuery extends Query<StorefrontPage> {
  constructor(
    readonly me: ClientPrincipal,
    readonly page: PageRequest,
  ) {
    super();
  }
}

/** Offerings read per round while filling a page (the filters drop some). */
const BATCH = 100;

@QueryHandler(StorefrontOfferingsQuery)
export class StorefrontOfferingsHandler implements IQueryHandler<StorefrontOfferingsQuery> {
  constructor(
    private readonly queries: QueryBus,
    private readonly tenants: TenantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, viewerGroups, page }: StorefrontOfferingsQuery): Promise<StorefrontPage> {
    const { timezone } = await this.tenants.get(tenantId);
    const now = this.clock.now().toISOString();
    // One more than the page, to know whether another page follows.
    const picked: OfferingSummary[] = [];
    let cursor = page.cursor;
    while (picked.length <= page.limit) {
      const batch = await this.queries.execute(new ListOfferingsQuery(tenantId, { status: 'active', includeDeleted: false, cursor, limit: BATCH }));
      for (const offering of batch.items) {
        if (!isOnSale(offering, now, timezone) || !isVisibleTo(offering.visibility, viewerGroups)) continue;
        picked.push(offering);
        if (picked.length > page.limit) break;
      }
      if (!batch.nextCursor) break;
      cursor = batch.nextCursor;
    }
    const items = picked.slice(0, page.limit);
    const sessionTypes = await this.queries.execute(new GetSessionTypesQuery(tenantId, items.flatMap((o) => o.sessionTypeIds)));
    const active = new Map<string, SessionTypeSummary>(sessionTypes.filter((s) => s.status === 'active').map((s) => [s.id, s]));
    return {
      items: items.map((offering) => toStorefrontOffering(offering, active)),
      nextCursor: picked.length > page.limit ? items[items.length - 1].id : null,
    };
  }
}

@QueryHandler(PublicStorefrontQuery)
export class PublicStorefrontHandler implements IQueryHandler<PublicStorefrontQuery> {
  constructor(
    private readonly queries: QueryBus,
    private readonly storefronts: StorefrontDirectory,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ slug, page }: PublicStorefrontQuery): Promise<PublicStorefrontPage> {
    const tenantId = await this.storefronts.tenantOf(slug);
    // The slug is this route's only proof: from here the reads act for the tenant it names (row-level security).
    return withTenant(tenantId, async () => {
      const [tenant, offerings] = await Promise.all([this.tenants.get(tenantId), this.queries.execute(new StorefrontOfferingsQuery(tenantId, [], page))]);
      return { business: { name: tenant.name, slug }, ...offerings };
    });
  }
}

@QueryHandler(MyStorefrontQuery)
export class MyStorefrontHandler implements IQueryHandler<MyStorefrontQuery> {
  constructor(
    private readonly queries: QueryBus,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ me, page }: MyStorefrontQuery): Promise<StorefrontPage> {
    const client = await this.clients.get(me.tenantId, me.clientId);
    if (!client) throw new ApiError(404, 'client_not_found', 'Client not found.');
    return this.queries.execute(new StorefrontOfferingsQuery(me.tenantId, client.groups, page));
  }
}

export const STOREFRONT_QUERY_HANDLERS = [StorefrontOfferingsHandler, PublicStorefrontHandler, MyStorefrontHandler];
