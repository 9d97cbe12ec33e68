import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { bookingDecider, bookingStreamId, isVisibleTo, packageDecider, packageStreamId } from '@punchcard/domain';
import { EventMetadata, StoredEvent } from '@punchcard/event-store';
import { DocumentSet } from '@punchcard/projection-runner';
import { ReadStore, scan } from '@punchcard/read-store';
import { BookingDocument, bookingsProjection, OfferingDocument, OFFERINGS, PackageDocument, PACKAGES } from '@punchcard/projections';
import { ClientPrincipal } from '../auth/principal';
import { BookingFilter, BookingReader } from '../bookings/queries/booking-reader';
import { Client, ClientDirectory } from '../clients/client-directory';
import { ApiError } from '../http/problem';
import { OfferingSummary } from '../offerings/queries/offering.queries';
import { GetPackageQuery, PackageListItem } from '../packages/queries/package.queries';
import { READ_STORE } from '../tokens';
import { StreamExecutor } from '../write-side/stream-executor';
import { ClientBookingView, toClientBooking } from './client-views';

export const packageNotFound = () => new ApiError(404, 'package_not_found', 'Package not found.');
export const bookingNotFound = () => new ApiError(404, 'booking_not_found', 'Booking not found.');

/**
 * A client's own records, and nothing else: whatever belongs to another client answers exactly as
 * an unknown id does (404), so a client cannot even learn that it exists. The tenant is the token's
 * (row-level security and the tenant filters keep other tenants out); this adds the client filter.
 */
@Injectable()
export class OwnRecords {
  constructor(
    private readonly clients: ClientDirectory,
    private readonly queries: QueryBus,
    private readonly bookings: BookingReader,
    private readonly streams: StreamExecutor,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  /** The client's directory entry (the token is only accepted while it exists). */
  async profile(me: ClientPrincipal): Promise<Client> {
    const client = await this.clients.get(me.tenantId, me.clientId);
    if (!client) throw new ApiError(404, 'client_not_found', 'Client not found.');
    return client;
  }

  /** The package as the read model has it. */
  async package(me: ClientPrincipal, packageId: string): Promise<PackageListItem> {
    const found = await this.queries.execute(new GetPackageQuery(me.tenantId, packageId));
    if (!found || found.clientId !== me.clientId) throw packageNotFound();
    return found;
  }

  /**
   * One booking as the client sees it, read from its own stream: always current (also right after a
   * command), and the stream's metadata says who cancelled it, which the read model does not keep.
   */
  async booking(me: ClientPrincipal, bookingId: string): Promise<ClientBookingView> {
    const { stored } = await this.streams.load(bookingStreamId(bookingId), me.tenantId, bookingDecider);
    const document = bookingDocumentOf(stored);
    if (!document || document.clientId !== me.clientId) throw bookingNotFound();
    return toClientBooking(document, cancellerOf(stored));
  }

  /** A page of the client's bookings from the read model; who cancelled comes from each cancelled booking's stream. */
  async bookingPage(me: ClientPrincipal, filter: Omit<BookingFilter, 'clientId'>): Promise<{ items: ClientBookingView[]; nextCursor: string | null }> {
    const page = await this.bookings.list(me.tenantId, { ...filter, clientId: me.clientId });
    const items: ClientBookingView[] = [];
    // One at a time: a page of up to 100 cancelled bookings should not take the whole pool.
    for (const document of page.items) {
      const canceller = document.status === 'cancelled' ? cancellerOf((await this.streams.load(bookingStreamId(document.id), me.tenantId, bookingDecider)).stored) : null;
      items.push(toClientBooking(document, canceller));
    }
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * Before a command: ownership read from the stream itself (the read model may not have caught up
   * with a booking made a moment ago). A booking's or package's client never changes, so the check
   * cannot go stale before the command runs.
   */
  async assertOwnsBooking(me: ClientPrincipal, bookingId: string): Promise<void> {
    const { state } = await this.streams.load(bookingStreamId(bookingId), me.tenantId, bookingDecider);
    if (!state.exists || state.clientId !== me.clientId) throw bookingNotFound();
  }

  async assertOwnsPackage(me: ClientPrincipal, packageId: string): Promise<void> {
    const { state } = await this.streams.load(packageStreamId(packageId), me.tenantId, packageDecider);
    if (!state.exists || state.clientId !== me.clientId) throw packageNotFound();
  }

  /**
   * The offerings this client may see, newest first: not deleted, open to the client's groups (the
   * booking decider's visibility rule), and either on sale (active) or the offering of a package the
   * client holds and can still book with (a paused offering's packages keep working).
   */
  async visibleOfferings(me: ClientPrincipal): Promise<OfferingSummary[]> {
    const { groups } = await this.profile(me);
    const held = new Set<string>();
    for await (const { data } of scan<PackageDocument>(this.readStore, PACKAGES, me.tenantId, { where: { clientId: me.clientId, status: 'active' } })) {
      held.add(data.offeringId);
    }
    const visible: OfferingSummary[] = [];
    for await (const { data } of scan<OfferingDocument>(this.readStore, OFFERINGS, me.tenantId, { where: { deleted: false } })) {
      const { tenantId: _, ...offering } = data;
      if (isVisibleTo(offering.visibility, groups) && (offering.status === 'active' || held.has(offering.id))) visible.push(offering);
    }
    return visible.reverse();
  }
}

/**
 * The session types of a schedule a client can book with some of these offerings: an offering
 * reaches a schedule when it names it or names none, and a session type when it lists it or lists none.
 */
export function reachableSessionTypes(offerings: OfferingSummary[], schedule: { id: string; sessionTypeIds: string[] }): string[] {
  const reaching = offerings.filter((o) => o.scheduleId === null || o.scheduleId === schedule.id);
  return schedule.sessionTypeIds.filter((id) => reaching.some((o) => o.sessionTypeIds.length === 0 || o.sessionTypeIds.includes(id)));
}

/** The bookings read model's document, folded from the booking's stream by the projection itself (so the two cannot differ). */
function bookingDocumentOf(stored: StoredEvent[]): BookingDocument | null {
  let document: BookingDocument | null = null;
  const documents: DocumentSet = {
    get: <T>() => document as T | null,
    put: (_, data) => (document = data as BookingDocument),
    delete: () => (document = null),
  };
  for (const event of stored) if (bookingsProjection.keys(event).length) bookingsProjection.apply(event, documents);
  return document;
}

/** Who cancelled the booking: the actor of its BookingCancelled event, or null if it was not cancelled. */
function cancellerOf(stored: StoredEvent[]): EventMetadata['actor'] | null {
  return stored.filter((event) => event.type === 'BookingCancelled').at(-1)?.metadata.actor ?? null;
}
