import { Inject, Injectable } from '@nestjs/common';
import { FieldCondition, ReadStore } from '@punchcard/read-store';
import { BookingDocument, BOOKINGS } from '@punchcard/projections';
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

/** Bookings from the bookings read model (ordered by booking id, i.e. by when they were made). */
@Injectable()
export class BookingReader {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  get(tenantId: string, bookingId: string): Promise<BookingDocument | null> {
    return this.readStore.get<BookingDocument>({ collection: BOOKINGS, tenantId, id: bookingId });
  }

  async list(tenantId: string, filter: BookingFilter): Promise<{ items: BookingDocument[]; nextCursor: string | null }> {
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
