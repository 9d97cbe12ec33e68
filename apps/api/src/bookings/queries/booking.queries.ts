import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { BookingDocument, BOOKINGS } from '@punchcard/projections';
import { FieldCondition, ReadStore } from '@punchcard/read-store';
import { READ_STORE } from '../../tokens';

export interface BookingFilter {
  clientId?: string;
  scheduleId?: string;
  offeringId?: string;
  packageId?: string;
  status?: BookingDocument['status'];
  /** Session start range: from inclusive, to exclusive (UTC instants). */
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export interface BookingPage {
  items: BookingDocument[];
  nextCursor: string | null;
}

/** One booking from the bookings read model. */
export class GetBookingQuery extends Query<BookingDocument | null> {
  constructor(
    readonly tenantId: string,
    readonly bookingId: string,
  ) {
    super();
  }
}

/** Bookings from the bookings read model, ordered by booking id (i.e. by when they were made). */
export class ListBookingsQuery extends Query<BookingPage> {
  constructor(
    readonly tenantId: string,
    readonly filter: BookingFilter,
  ) {
    super();
  }
}

@QueryHandler(GetBookingQuery)
export class GetBookingHandler implements IQueryHandler<GetBookingQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  execute({ tenantId, bookingId }: GetBookingQuery) {
    return this.readStore.get<BookingDocument>({ collection: BOOKINGS, tenantId, id: bookingId });
  }
}

@QueryHandler(ListBookingsQuery)
export class ListBookingsHandler implements IQueryHandler<ListBookingsQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, filter }: ListBookingsQuery): Promise<BookingPage> {
    const where: Record<string, FieldCondition> = {};
    for (const field of ['clientId', 'scheduleId', 'offeringId', 'packageId', 'status'] as const) {
      if (filter[field] !== undefined) where[field] = filter[field]!;
    }
    if (filter.from || filter.to) where.start = { ...(filter.from && { gte: filter.from }), ...(filter.to && { lt: filter.to }) };
    const rows = await this.readStore.find<BookingDocument>(BOOKINGS, tenantId, { where, after: filter.cursor, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit).map((row) => row.data);
    return { items, nextCursor: rows.length > filter.limit ? items.at(-1)!.id : null };
  }
}
