import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { bookingDecider, bookingStreamId, isVisibleTo, packageDecider, packageStreamId } from '@punchcard/domain';
import { EventMetadata, StoredEvent } from '@punchcard/event-store';
import { DocumentSet } from '@punchcard/projection-runner';
import { BookingDocument, bookingsProjection, OfferingDocument, OFFERINGS, PackageDocument, PACKAGES, ScheduleDocument, SCHEDULES } from '@punchcard/projections';
import { ReadStore, scan } from '@punchcard/read-store';
import { ClientPrincipal } from '../../auth/principal';
import { BookingFilter, ListBookingsQuery } from '../../bookings';
import { Client, ClientDirectory } from '../../clients';
import { ApiError } from '../../http/problem';
import { OfferingSummary, offeringSummaryOf } from '../../offerings';
import { GetPackageQuery, PackageListItem } from '../../packages';
import { AvailableSlot, checkSlotRange, CurrentScheduleQuery, FindSlotsQuery } from '../../slots';
import { READ_STORE } from '../../tokens';
import { StreamExecutor } from '../../write-side/stream-executor';
import { ClientBookingView, toClientBooking } from '../client-views';

/*
 * A client's own records, and nothing else: whatever belongs to another client answers exactly as an
 * unknown id does (404), so a client cannot even learn that it exists. The tenant is the token's
 * (row-level security and the tenant filters keep other tenants out); these add the client filter.
 */

export const packageNotFound = () => new ApiError(404, 'package_not_found', 'Package not found.');
export const bookingNotFound = () => new ApiError(404, 'booking_not_found', 'Booking not found.');
const scheduleNotFound = () => new ApiError(404, 'schedule_not_found', 'Schedule not found.');

/** The client's directory entry (the token is only accepted while it exists). */
export class MyProfileQuery extends Query<Client> {
  constructor(readonly me: ClientPrincipal) {
    super();
  }
}

/** One of the client's packages as the read model has it; another's is 404. */
export class MyPackageQuery extends Query<PackageListItem> {
  constructor(
    readonly me: ClientPrincipal,
    readonly packageId: string,
  ) {
    super();
  }
}

/**
 * One booking as the client sees it, read from its own stream: always current (also right after a
 * command), and the stream's metadata says who cancelled it, which the read model does not keep.
 */
export class MyBookingQuery extends Query<ClientBookingView> {
  constructor(
    readonly me: ClientPrincipal,
    readonly bookingId: string,
  ) {
    super();
  }
}

/** A page of the client's bookings from the read model; who cancelled comes from each cancelled booking's stream. */
export class MyBookingsQuery extends Query<{ items: ClientBookingView[]; nextCursor: string | null }> {
  constructor(
    readonly me: ClientPrincipal,
    readonly filter: Omit<BookingFilter, 'clientId'>,
  ) {
    super();
  }
}

/**
 * Before a command: whether the booking or package is the client's, read from its stream (the read
 * model may not have caught up with a booking made a moment ago). A booking's or package's client
 * never changes, so the answer cannot go stale before the command runs.
 */
export class OwnsStreamQuery extends Query<boolean> {
  constructor(
    readonly me: ClientPrincipal,
    readonly kind: 'booking' | 'package',
    readonly id: string,
  ) {
    super();
  }
}

/**
 * The offerings this client may see, newest first: not deleted, open to the client's groups (the
 * booking decider's visibility rule), and either on sale (active) or the offering of a package the
 * client holds and can still book with (a paused offering's packages keep working).
 */
export class MyOfferingsQuery extends Query<OfferingSummary[]> {
  constructor(readonly me: ClientPrincipal) {
    super();
  }
}

/** Active schedules the client's visible offerings can book, with the session types they can book there. */
export class MySchedulesQuery extends Query<{ id: string; host: string; timezone: string; sessionTypeIds: string[] }[]> {
  constructor(readonly me: ClientPrincipal) {
    super();
  }
}

/**
 * Free slots of a schedule for the session types the client can book there, in `timezone` (default the
 * client's own zone, else the schedule's). A schedule no visible offering reaches is 404, as an unknown one.
 */
export class MyScheduleSlotsQuery extends Query<{ scheduleId: string; timezone: string; from: string; to: string; slots: AvailableSlot[] }> {
  constructor(
    readonly me: ClientPrincipal,
    readonly scheduleId: string,
    readonly search: { from: string; to: string; timezone?: string; sessionTypeId?: string },
  ) {
    super();
  }
}

@QueryHandler(MyProfileQuery)
export class MyProfileHandler implements IQueryHandler<MyProfileQuery> {
  constructor(private readonly clients: ClientDirectory) {}

  async execute({ me }: MyProfileQuery) {
    const client = await this.clients.get(me.tenantId, me.clientId);
    if (!client) throw new ApiError(404, 'client_not_found', 'Client not found.');
    return client;
  }
}

@QueryHandler(MyPackageQuery)
export class MyPackageHandler implements IQueryHandler<MyPackageQuery> {
  constructor(private readonly queries: QueryBus) {}

  async execute({ me, packageId }: MyPackageQuery) {
    const found = await this.queries.execute(new GetPackageQuery(me.tenantId, packageId));
    if (!found || found.clientId !== me.clientId) throw packageNotFound();
    return found;
  }
}

@QueryHandler(MyBookingQuery)
export class MyBookingHandler implements IQueryHandler<MyBookingQuery> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ me, bookingId }: MyBookingQuery) {
    const { stored } = await this.streams.load(bookingStreamId(bookingId), me.tenantId, bookingDecider);
    const document = bookingDocumentOf(stored);
    if (!document || document.clientId !== me.clientId) throw bookingNotFound();
    return toClientBooking(document, cancellerOf(stored));
  }
}

@QueryHandler(MyBookingsQuery)
export class MyBookingsHandler implements IQueryHandler<MyBookingsQuery> {
  constructor(
    private readonly queries: QueryBus,
    private readonly streams: StreamExecutor,
  ) {}

  async execute({ me, filter }: MyBookingsQuery) {
    const page = await this.queries.execute(new ListBookingsQuery(me.tenantId, { ...filter, clientId: me.clientId }));
    const items: ClientBookingView[] = [];
    // One at a time: a page of up to 100 cancelled bookings should not take the whole pool.
    for (const document of page.items) {
      const canceller = document.status === 'cancelled' ? cancellerOf((await this.streams.load(bookingStreamId(document.id), me.tenantId, bookingDecider)).stored) : null;
      items.push(toClientBooking(document, canceller));
    }
    return { items, nextCursor: page.nextCursor };
  }
}

@QueryHandler(OwnsStreamQuery)
export class OwnsStreamHandler implements IQueryHandler<OwnsStreamQuery> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ me, kind, id }: OwnsStreamQuery) {
    const { state } =
      kind === 'booking'
        ? await this.streams.load(bookingStreamId(id), me.tenantId, bookingDecider)
        : await this.streams.load(packageStreamId(id), me.tenantId, packageDecider);
    return state.exists && state.clientId === me.clientId;
  }
}

@QueryHandler(MyOfferingsQuery)
export class MyOfferingsHandler implements IQueryHandler<MyOfferingsQuery> {
  constructor(
    private readonly queries: QueryBus,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async execute({ me }: MyOfferingsQuery) {
    const { groups } = await this.queries.execute(new MyProfileQuery(me));
    const held = new Set<string>();
    for await (const { data } of scan<PackageDocument>(this.readStore, PACKAGES, me.tenantId, { where: { clientId: me.clientId, status: 'active' } })) {
      held.add(data.offeringId);
    }
    const visible: OfferingSummary[] = [];
    for await (const { data } of scan<OfferingDocument>(this.readStore, OFFERINGS, me.tenantId, { where: { deleted: false } })) {
      const offering = offeringSummaryOf(data);
      if (isVisibleTo(offering.visibility, groups) && (offering.status === 'active' || held.has(offering.id))) visible.push(offering);
    }
    return visible.reverse();
  }
}

@QueryHandler(MySchedulesQuery)
export class MySchedulesHandler implements IQueryHandler<MySchedulesQuery> {
  constructor(
    private readonly queries: QueryBus,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async execute({ me }: MySchedulesQuery) {
    const offerings = await this.queries.execute(new MyOfferingsQuery(me));
    const items = [];
    for await (const { data } of scan<ScheduleDocument>(this.readStore, SCHEDULES, me.tenantId, { where: { active: true } })) {
      const sessionTypeIds = reachableSessionTypes(offerings, data);
      if (sessionTypeIds.length) items.push({ id: data.id, host: data.host, timezone: data.timezone, sessionTypeIds });
    }
    return items;
  }
}

@QueryHandler(MyScheduleSlotsQuery)
export class MyScheduleSlotsHandler implements IQueryHandler<MyScheduleSlotsQuery> {
  constructor(private readonly queries: QueryBus) {}

  async execute({ me, scheduleId, search }: MyScheduleSlotsQuery) {
    const schedule = await this.queries.execute(new CurrentScheduleQuery(me.tenantId, scheduleId));
    if (!schedule.exists || !schedule.active) throw scheduleNotFound();
    const [client, offerings] = await Promise.all([this.queries.execute(new MyProfileQuery(me)), this.queries.execute(new MyOfferingsQuery(me))]);
    const reachable = reachableSessionTypes(offerings, { id: scheduleId, sessionTypeIds: schedule.sessionTypeIds });
    if (reachable.length === 0) throw scheduleNotFound();
    checkSlotRange(search);
    const viewerZone = search.timezone ?? client.timezone ?? schedule.timezone;
    const sessionTypeIds = search.sessionTypeId ? reachable.filter((s) => s === search.sessionTypeId) : reachable;
    const slots = await this.queries.execute(new FindSlotsQuery(me.tenantId, schedule, sessionTypeIds, { from: search.from, to: search.to, viewerZone }));
    return { scheduleId, timezone: viewerZone, from: search.from, to: search.to, slots };
  }
}

export const ME_QUERY_HANDLERS = [
  MyProfileHandler,
  MyPackageHandler,
  MyBookingHandler,
  MyBookingsHandler,
  OwnsStreamHandler,
  MyOfferingsHandler,
  MySchedulesHandler,
  MyScheduleSlotsHandler,
];

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
