import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { effectiveStatus, Money, PackageStatus, PackageView, withCreditsExpired } from '@punchcard/domain';
import { ReadStore, scan } from '@punchcard/read-store';
import { PackageDocument, PACKAGES } from '@punchcard/projections';
import { ClientContact, ClientDirectory } from '../../clients';
import { Clock, CLOCK, READ_STORE } from '../../tokens';
import { PackageReplay, ReplayedPackage } from './package-replay';

/** Streams replayed at once for one client (each is one read of the event store). */
const REPLAY_CONCURRENCY = 8;

type ClientPackage = PackageView & { creditsExpired: number; version: number; updatedAt: string; expiryPending?: boolean };

export interface ClientPackagesTotals {
  packages: number;
  byStatus: Record<PackageStatus, number>;
  /** Credits the client could use: those of packages active at that instant (an expired, used-up or refunded package holds none). */
  creditsRemaining: number;
  /** What those credits' paid part is worth, per currency (minor units). */
  paidValueRemaining: Money[];
}

export interface ClientPackages {
  clientId: string;
  /** Name and email as they are now; null once the client was erased from the directory. */
  client: ClientContact | null;
  /** null: now, from the read model. */
  asOf: string | null;
  /** One page, newest purchase first. */
  items: ClientPackage[];
  /** The last item's id when more follow (pass it as `cursor`), else null. */
  nextCursor: string | null;
  /** Over all the client's packages, not only this page. */
  totals: ClientPackagesTotals;
}

/** A page of packages: those after `cursor` (a package id) in newest-first order, at most `limit`. */
export interface ClientPackagesPage {
  cursor?: string;
  limit: number;
}

export class GetClientPackagesQuery extends Query<ClientPackages | null> {
  constructor(
    readonly tenantId: string,
    readonly clientId: string,
    readonly asOf: string | null,
    readonly page: ClientPackagesPage,
  ) {
    super();
  }
}

/**
 * A page of a client's packages, with totals over all of them. The package ids come from the packages
 * read model (by client, paged through); with `asOf` each is replayed from its stream, and packages
 * bought after then are left out.
 */
@QueryHandler(GetClientPackagesQuery)
export class GetClientPackagesHandler implements IQueryHandler<GetClientPackagesQuery> {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clients: ClientDirectory,
    private readonly replays: PackageReplay,
  ) {}

  async execute({ tenantId, clientId, asOf, page }: GetClientPackagesQuery): Promise<ClientPackages | null> {
    const documents: PackageDocument[] = [];
    for await (const { data } of scan<PackageDocument>(this.readStore, PACKAGES, tenantId, { where: { clientId } })) documents.push(data);
    const client = (await this.clients.contacts(tenantId, [clientId]))(clientId);
    // An erased client keeps its packages (and their history); an unknown one has neither.
    if (documents.length === 0 && client === null) return null;
    documents.reverse();

    // Package ids are time-ordered UUIDv7s: newest first is id order, descending, and a cursor is an id.
    const items = asOf === null ? this.present(documents) : await this.replay(tenantId, documents, asOf);
    const after = page.cursor === undefined ? items : items.filter((item) => item.id < page.cursor!);
    const shown = after.slice(0, page.limit);
    const nextCursor = after.length > page.limit ? shown[shown.length - 1].id : null;
    return { clientId, client, asOf, items: shown, nextCursor, totals: totalsOf(items) };
  }

  private present(documents: PackageDocument[]): ClientPackage[] {
    const now = this.clock.now().toISOString();
    return documents.map(({ tenantId: _, ...item }) => withCreditsExpired({ ...item, status: effectiveStatus(item, now) }));
  }

  private async replay(tenantId: string, documents: PackageDocument[], asOf: string): Promise<ClientPackage[]> {
    const replayed: (ReplayedPackage | null)[] = new Array(documents.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < documents.length) {
        const index = next++;
        const result = await this.replays.asOf(tenantId, documents[index].id, asOf);
        if (result.kind === 'found') replayed[index] = result.package;
      }
    };
    await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, documents.length) }, worker));
    return replayed.filter((p): p is ReplayedPackage => p !== null).map(({ asOf: _, ...item }) => item);
  }
}

function totalsOf(items: ClientPackage[]): ClientPackagesTotals {
  const byStatus: Record<PackageStatus, number> = { active: 0, used_up: 0, expired: 0, refunded: 0, charged_back: 0 };
  const value = new Map<string, number>();
  let creditsRemaining = 0;
  for (const item of items) {
    byStatus[item.status]++;
    if (item.status !== 'active') continue;
    creditsRemaining += item.creditsRemaining;
    value.set(item.price.currency, (value.get(item.price.currency) ?? 0) + item.paidValueRemaining);
  }
  const paidValueRemaining = [...value].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ amount, currency }));
  return { packages: items.length, byStatus, creditsRemaining, paidValueRemaining };
}
