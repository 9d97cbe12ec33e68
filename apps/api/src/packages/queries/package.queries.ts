import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { effectiveStatus, PackageStatus, withCreditsExpired } from '@punchcard/domain';
import { FieldCondition, ReadStore } from '@punchcard/read-store';
import { LEDGER_ENTRIES, LedgerEntry, ledgerEntryIds, PackageDocument, PACKAGES, packagesWithStatus } from '@punchcard/projections';
import { ClientContact, ClientDirectory } from '../../clients';
import { toUtcInstant } from '../../http/validators';
import { Clock, CLOCK, READ_STORE } from '../../tokens';

/** How many matching clients a text search looks at (a search is for finding, not exporting). */
const MAX_CLIENT_MATCHES = 500;
/** How many matching offering names a search looks up by index; with more, it matches names on every package. */
const MAX_OFFERING_NAME_MATCHES = 500;

/** Package ids are lowercase UUIDs: text with any other character can be in none of them. */
const COULD_BE_IN_AN_ID = /^[0-9a-f-]+$/i;

/** `client`: name and email from the client directory as they are now; null once the client is erased. */
export type PackageListItem = Omit<PackageDocument, 'tenantId'> & { creditsExpired: number; client: ClientContact | null };

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
  /** Ranges of instants (any offset): from inclusive, to exclusive. */
  purchasedFrom?: string;
  purchasedTo?: string;
  expiresFrom?: string;
  expiresTo?: string;
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
  entries: LedgerEntryView[];
  nextCursor: string | null;
}

/** `sessionTypeId`: the session type of a booked session (a booking's serviceId); null for manual deductions, whose serviceId is free text. */
export type LedgerEntryView = Omit<LedgerEntry, 'eventId'> & { sessionTypeId: string | null };

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

function present(document: PackageDocument, now: string, client: ClientContact | null): PackageListItem {
  const { tenantId: _, ...item } = document;
  return { ...withCreditsExpired(item), status: effectiveStatus(item, now), client };
}

/** A from-inclusive, to-exclusive range of instants as stored (UTC, milliseconds), or undefined for none. */
function instantRange(from: string | undefined, to: string | undefined): FieldCondition | undefined {
  if (!from && !to) return undefined;
  return { ...(from && { gte: toUtcInstant(from) }), ...(to && { lt: toUtcInstant(to) }) };
}

@QueryHandler(GetPackageQuery)
export class GetPackageHandler implements IQueryHandler<GetPackageQuery> {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ tenantId, packageId }: GetPackageQuery) {
    const document = await this.readStore.get<PackageDocument>({ collection: PACKAGES, tenantId, id: packageId });
    if (!document) return null;
    const contactOf = await this.clients.contacts(tenantId, [document.clientId]);
    return present(document, this.clock.now().toISOString(), contactOf(document.clientId));
  }
}

/**
 * Newest first (package ids are time-ordered UUIDv7). The status filter uses the effective status at
 * the clock's now, the status each item shows: a package past its expiry matches `status=expired` at
 * once, before the expiry sweep records PackageExpired.
 */
@QueryHandler(ListPackagesQuery)
export class ListPackagesHandler implements IQueryHandler<ListPackagesQuery> {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ tenantId, filter }: ListPackagesQuery) {
    const now = this.clock.now().toISOString();
    const byStatus = filter.status ? packagesWithStatus(filter.status, now) : {};
    const where: Record<string, FieldCondition> = { ...byStatus.where };
    if (filter.clientId) where.clientId = filter.clientId;
    if (filter.offeringId) where.offeringId = filter.offeringId;
    const purchased = instantRange(filter.purchasedFrom, filter.purchasedTo);
    if (purchased) where.purchasedAt = purchased;
    // A package that never expires has expiresAt null, which no range matches.
    const expires = instantRange(filter.expiresFrom, filter.expiresTo);
    if (expires) where.expiresAt = expires;
    let search;
    if (filter.q) {
      // Each alternative an index serves under row-level security, where ILIKE on the documents
      // never narrows a scan: the offering names and clients that match, then their packages by
      // key column. Only text that could be part of an id is also matched against every id.
      const [clientIds, offeringNames] = await Promise.all([
        this.clients.idsMatching(tenantId, filter.q, MAX_CLIENT_MATCHES),
        this.readStore.distinctValues(PACKAGES, tenantId, 'offeringName', { contains: filter.q, limit: MAX_OFFERING_NAME_MATCHES + 1 }),
      ]);
      const fields = COULD_BE_IN_AN_ID.test(filter.q) ? ['id'] : [];
      const orAnyOf: Record<string, FieldCondition>[] = [];
      // More names than a list should carry: match the name on every package instead (a scan).
      if (offeringNames.length > MAX_OFFERING_NAME_MATCHES) fields.push('offeringName');
      else if (offeringNames.length) orAnyOf.push({ offeringName: { in: offeringNames } });
      if (clientIds.length) orAnyOf.push({ clientId: { in: clientIds } });
      search = { fields, text: filter.q, orAnyOf };
    }
    const docs = await this.readStore.find<PackageDocument>(PACKAGES, tenantId, {
      where,
      anyOf: byStatus.anyOf,
      search,
      order: 'desc',
      after: filter.cursor,
      limit: filter.limit + 1,
    });
    const page = docs.slice(0, filter.limit).map((d) => d.data);
    const contactOf = await this.clients.contacts(tenantId, page.map((d) => d.clientId));
    const items = page.map((d) => present(d, now, contactOf(d.clientId)));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}

/** Movements in order with the balance after each; with `asOf`, only those that had happened by then. */
@QueryHandler(GetLedgerQuery)
export class GetLedgerHandler implements IQueryHandler<GetLedgerQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, packageId, asOf, cursor, limit }: GetLedgerQuery): Promise<LedgerPage | null> {
    const where = { packageId, ...(asOf ? { occurredAt: { lte: asOf } } : {}) };
    // The package's entries by their ids' range (the primary key): under row-level security the
    // packageId index cannot serve the filter, which then scans every entry of the tenant.
    const idBetween = ledgerEntryIds(packageId);
    const [page, last] = await Promise.all([
      this.readStore.find<LedgerEntry>(LEDGER_ENTRIES, tenantId, { where, idBetween, order: 'asc', after: cursor, limit: limit + 1 }),
      this.readStore.find<LedgerEntry>(LEDGER_ENTRIES, tenantId, { where, idBetween, order: 'desc', limit: 1 }),
    ]);
    if (!last.length) {
      // No movement by then: either the package did not exist yet, or it does not exist at all.
      const exists = await this.readStore.get({ collection: PACKAGES, tenantId, id: packageId });
      return exists ? { packageId, asOf, balance: 0, entries: [], nextCursor: null } : null;
    }
    const entries = page.slice(0, limit).map(({ data: { eventId: _, ...entry } }): LedgerEntryView => ({ ...entry, sessionTypeId: sessionTypeOf(entry) }));
    return { packageId, asOf, balance: last[0].data.balance, entries, nextCursor: page.length > limit ? entries[entries.length - 1].id : null };
  }
}

/** A booked redemption's id is its booking's id, and its serviceId is the booked session type. */
function sessionTypeOf(entry: Omit<LedgerEntry, 'eventId'>): string | null {
  return entry.type === 'SessionRedeemed' && entry.bookingId !== null && entry.redemptionId === entry.bookingId ? entry.serviceId : null;
}
