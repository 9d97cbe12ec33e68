import { Inject, Injectable } from '@nestjs/common';
import { ReadStore } from '@punchcard/read-store';
import {
  CLIENT_USAGE,
  CLIENT_USAGE_SORTS,
  ClientUsageDocument,
  ClientUsageFilter,
  ClientUsageSort,
  EMPTY_COUNTERS,
  OFFERING_USAGE,
  offeringFilterKey,
  OfferingDocument,
  OFFERINGS,
  OfferingUsageDocument,
} from '@punchcard/projections';
import { ClientDirectory } from '../../clients';
import { READ_STORE } from '../../tokens';
import { ClientUsagePosition, encodeCursor, SortOrder } from './client-usage-cursor';

/** An offering's usage dashboard. Percentages (0–100, one decimal) are null when their denominator is 0. */
export interface OfferingUsageView {
  offeringId: string;
  offeringName: string;
  status: OfferingDocument['status'];
  deleted: boolean;
  packagesSold: number;
  clients: number;
  clientsFullyUsed: number;
  clientsNotBooked: number;
  creditsPurchased: number;
  creditsAdded: number;
  creditsRemoved: number;
  /** Every credit given: purchased + added − removed. */
  creditsTotal: number;
  /** Credits redeemed and not given back: bookings (forfeited ones included) and manual deductions. */
  creditsUsed: number;
  manualDeductions: number;
  attended: number;
  noShows: number;
  cancellations: number;
  /** Credits still usable. */
  creditsRemaining: number;
  creditsRefunded: number;
  creditsExpired: number;
  /** Deprecated: creditsTotal. */
  creditsGranted: number;
  /** Deprecated: creditsUsed. */
  sessionsBooked: number;
  /** Deprecated: creditsRemaining. */
  creditsLeft: number;
  /** creditsUsed / creditsTotal: Booked / Total slots, the share of total usage. */
  bookedPercent: number | null;
  /** attended / creditsUsed. */
  attendedPercent: number | null;
  lastBookingAt: string | null;
}

/**
 * A row of the client usage table: creditsTotal = creditsUsed + creditsRemaining + creditsRefunded +
 * creditsExpired (what the client was given). The short names (`booked`, `limit`, `left`, `refunded`,
 * `expired`) are the same figures, deprecated.
 */
export interface ClientUsageRow {
  clientId: string;
  /** From the client directory, as it is now; null once the client is erased. */
  name: string | null;
  email: string | null;
  creditsUsed: number;
  creditsTotal: number;
  creditsRemaining: number;
  attended: number;
  noShows: number;
  creditsRefunded: number;
  creditsExpired: number;
  lastBookingAt: string | null;
  booked: number;
  limit: number;
  left: number;
  refunded: number;
  expired: number;
}

export interface ClientUsageOrder {
  filter?: ClientUsageFilter;
  sort: ClientUsageSort;
  order: SortOrder;
}

const EXPORT_PAGE = 500;

/** Usage read models: every page is one index range scan of its documents, plus one directory lookup for names. */
@Injectable()
export class UsageReader {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly clients: ClientDirectory,
  ) {}

  /** null: no such offering (for this tenant). */
  async offeringUsage(tenantId: string, offeringId: string): Promise<OfferingUsageView | null> {
    const documents = await this.readStore.getMany([
      { collection: OFFERINGS, tenantId, id: offeringId },
      { collection: OFFERING_USAGE, tenantId, id: offeringId },
    ]);
    const offering = documents.find((d) => d.collection === OFFERINGS)?.data as OfferingDocument | undefined;
    if (!offering) return null;
    const usage = (documents.find((d) => d.collection === OFFERING_USAGE)?.data as OfferingUsageDocument | undefined) ?? {
      ...EMPTY_COUNTERS,
      offeringId,
      clients: 0,
      clientsFullyUsed: 0,
      clientsNotBooked: 0,
    };
    return {
      offeringId,
      offeringName: offering.name,
      status: offering.status,
      deleted: offering.deleted,
      packagesSold: usage.packages,
      clients: usage.clients,
      clientsFullyUsed: usage.clientsFullyUsed,
      clientsNotBooked: usage.clientsNotBooked,
      creditsPurchased: usage.purchased,
      creditsAdded: usage.added,
      creditsRemoved: usage.removed,
      creditsTotal: usage.granted,
      creditsUsed: usage.booked,
      manualDeductions: usage.manualDeductions,
      attended: usage.attended,
      noShows: usage.noShows,
      cancellations: usage.cancellations,
      creditsRemaining: usage.left,
      creditsRefunded: usage.refunded,
      creditsExpired: usage.expired,
      creditsGranted: usage.granted,
      sessionsBooked: usage.booked,
      creditsLeft: usage.left,
      bookedPercent: percent(usage.booked, usage.granted),
      attendedPercent: percent(usage.attended, usage.booked),
      lastBookingAt: usage.lastBookingAt,
    };
  }

  async offeringExists(tenantId: string, offeringId: string): Promise<boolean> {
    return (await this.readStore.get({ collection: OFFERINGS, tenantId, id: offeringId })) !== null;
  }

  /** One page of the client table; null: no such offering. */
  async clientPage(
    tenantId: string,
    offeringId: string,
    order: ClientUsageOrder,
    after: ClientUsagePosition | undefined,
    limit: number,
  ): Promise<{ items: ClientUsageRow[]; nextCursor: string | null } | null> {
    const [exists, page] = await Promise.all([this.offeringExists(tenantId, offeringId), this.page(tenantId, offeringId, order, after, limit)]);
    if (!exists) return null;
    return { items: page.rows, nextCursor: page.next && encodeCursor(order.sort, order.order, page.next) };
  }

  /** Every row of the client table in its order, a page at a time (memory stays at one page). */
  async *clientRows(tenantId: string, offeringId: string, order: ClientUsageOrder): AsyncGenerator<ClientUsageRow> {
    let after: ClientUsagePosition | undefined;
    do {
      const page = await this.page(tenantId, offeringId, order, after, EXPORT_PAGE);
      yield* page.rows;
      after = page.next ?? undefined;
    } while (after);
  }

  /** `next`: where the following page starts, null on the last page. */
  private async page(tenantId: string, offeringId: string, { filter, sort, order }: ClientUsageOrder, after: ClientUsagePosition | undefined, limit: number) {
    const { field, numeric } = CLIENT_USAGE_SORTS[sort];
    // Each filter (or none) with each sort has its own index: (tenant, offeringFilter | offeringId, field, id).
    const where: Record<string, string> = filter ? { offeringFilter: offeringFilterKey(offeringId, filter) } : { offeringId };
    const found = await this.readStore.find<ClientUsageDocument>(CLIENT_USAGE, tenantId, {
      where,
      sort: { field, numeric, direction: order },
      afterSorted: after,
      limit: limit + 1,
    });
    const documents = found.slice(0, limit).map((d) => d.data);
    const contactOf = await this.clients.contacts(tenantId, documents.map((d) => d.clientId));
    const rows = documents.map((d): ClientUsageRow => {
      const contact = contactOf(d.clientId);
      return {
        clientId: d.clientId,
        name: contact?.name ?? null,
        email: contact?.email ?? null,
        creditsUsed: d.booked,
        creditsTotal: d.granted,
        creditsRemaining: d.left,
        attended: d.attended,
        noShows: d.noShows,
        creditsRefunded: d.refunded,
        creditsExpired: d.expired,
        lastBookingAt: d.lastBookingAt,
        booked: d.booked,
        limit: d.granted,
        left: d.left,
        refunded: d.refunded,
        expired: d.expired,
      };
    });
    const last = documents.at(-1);
    const next: ClientUsagePosition | null = found.length > limit && last ? { value: last[field], id: last.id } : null;
    return { rows, next };
  }
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part * 1000) / whole) / 10;
}
