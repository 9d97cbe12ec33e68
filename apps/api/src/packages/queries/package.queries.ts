import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { effectiveStatus, PackageStatus } from '../../../../../libs/domain/src';
import { ReadStore } from '../../../../../libs/read-store/src/read-store.port';
import { LEDGER_ENTRIES, LedgerEntry, PackageDocument, PACKAGES } from '../../../../../projections';
import { ClientDirectory } from '../../clients/client-directory';
import { Clock, CLOCK, READ_STORE } from '../../tokens';

/** How many matching clients a text search looks at (a search is for finding, not exporting). */
const MAX_CLIENT_MATCHES = 500;

export type PackageListItem = Omit<PackageDocument, 'tenantId'>;

export class GetPackageQuery extends Query<PackageListItem | null> {
  constructor(
    readonly tenantId: string,
    readonly packageId: string,
  ) {
    super();
  }
}

export interface PackageFilter {
  clientId?: string;
  offeringId?: string;
  status?: PackageStatus;
  q?: string;
  cursor?: string;
  limit: number;
}

export class ListPackagesQuery extends Query<{ items: PackageListItem[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly filter: PackageFilter,
  ) {
    super();
  }
}

export interface LedgerPage {
  packageId: string;
  asOf: string | null;
  /** Credits the client could use as of `asOf` (or now). */
  balance: number;
  entries: Omit<LedgerEntry, 'eventId'>[];
  nextCursor: string | null;
}

export class GetLedgerQuery extends Query<LedgerPage | null> {
  constructor(
    readonly tenantId: string,
    readonly packageId: string,
    readonly asOf: string | null,
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

function present(document: PackageDocument, now: string): PackageListItem {
  const { tenantId: _, ...item } = document;
  return { ...item, status: effectiveStatus(item, now) };
}

@QueryHandler(GetPackageQuery)
export class GetPackageHandler implements IQueryHandler<GetPackageQuery> {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, packageId }: GetPackageQuery) {
    const document = await this.readStore.get<PackageDocument>({ collection: PACKAGES, tenantId, id: packageId });
    return document ? present(document, this.clock.now().toISOString()) : null;
  }
}

/**
 * Newest first (package ids are time-ordered UUIDv7). The status filter uses the recorded status:
 * a package past its expiry shows as expired at once, and matches `status=expired` once the
 * expiry sweep (every minute) has recorded PackageExpired.
 */
@QueryHandler(ListPackagesQuery)
export class ListPackagesHandler implements IQueryHandler<ListPackagesQuery> {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ tenantId, filter }: ListPackagesQuery) {
    const where: Record<string, string> = {};
    if (filter.clientId) where.clientId = filter.clientId;
    if (filter.offeringId) where.offeringId = filter.offeringId;
    if (filter.status) where.status = filter.status;
    let search;
    if (filter.q) {
      const clientIds = await this.clients.idsMatching(tenantId, filter.q, MAX_CLIENT_MATCHES);
      search = { fields: ['offeringName', 'id'], text: filter.q, orWhere: clientIds.length ? { clientId: { in: clientIds } } : undefined };
    }
    const docs = await this.readStore.find<PackageDocument>(PACKAGES, tenantId, {
      where,
      search,
      order: 'desc',
      after: filter.cursor,
      limit: filter.limit + 1,
    });
    const now = this.clock.now().toISOString();
    const items = docs.slice(0, filter.limit).map((d) => present(d.data, now));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}

/** Movements in order with the balance after each; with `asOf`, only those that had happened by then. */
@QueryHandler(GetLedgerQuery)
export class GetLedgerHandler implements IQueryHandler<GetLedgerQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, packageId, asOf, cursor, limit }: GetLedgerQuery): Promise<LedgerPage | null> {
    const where = { packageId, ...(asOf ? { occurredAt: { lte: asOf } } : {}) };
    const [page, last] = await Promise.all([
      this.readStore.find<LedgerEntry>(LEDGER_ENTRIES, tenantId, { where, order: 'asc', after: cursor, limit: limit + 1 }),
      this.readStore.find<LedgerEntry>(LEDGER_ENTRIES, tenantId, { where, order: 'desc', limit: 1 }),
    ]);
    if (!last.length) {
      // No movement by then: either the package did not exist yet, or it does not exist at all.
      const exists = await this.readStore.get({ collection: PACKAGES, tenantId, id: packageId });
      return exists ? { packageId, asOf, balance: 0, entries: [], nextCursor: null } : null;
    }
    const entries = page.slice(0, limit).map(({ data: { eventId: _, ...entry } }) => entry);
    return { packageId, asOf, balance: last[0].data.balance, entries, nextCursor: page.length > limit ? entries[entries.length - 1].id : null };
  }
}
