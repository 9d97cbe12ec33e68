import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { addBookingEvent, BookingEventInput, CalendarReminder, newCalendar } from '@punchcard/calendar-feed';
import { Config } from '@punchcard/platform';
import { BookingDocument, BOOKINGS, OFFERINGS, SCHEDULES, SESSION_TYPES } from '@punchcard/projections';
import { DocumentKey, ReadStore } from '@punchcard/read-store';
import { TenantDirectory } from '../../tenants';
import { APP_CONFIG, Clock, CLOCK, PG_POOL, READ_STORE } from '../../tokens';
import { FeedOwner } from '../feed-tokens';

const DAY_MS = 86_400_000;
/** A feed lists bookings whose session starts at most this many days ago, and every later one. */
export const FEED_PAST_DAYS = 90;
/** A cancelled booking stays in a feed (STATUS:CANCELLED) this many days after its cancellation, then leaves it. */
export const FEED_CANCELLED_DAYS = 30;
/** At most this many events per feed: the most recently made bookings of the window. */
export const FEED_MAX_EVENTS = 2_000;
/** What REFRESH-INTERVAL and X-PUBLISHED-TTL suggest; each calendar client decides for itself. */
export const FEED_REFRESH_SECONDS = 3_600;

export interface FeedBody {
  ics: string;
  etag: string;
}

/** The iCalendar text of one owner's feed, as things are now. Call inside the tenant's scope. */
export class BookingFeedQuery extends Query<FeedBody> {
  constructor(
    readonly tenantId: string,
    readonly owner: FeedOwner,
  ) {
    super();
  }
}

/**
 * The calendar event of one booking as the feeds show it, for a booking email's invitation (same
 * zone, summary, location and alarms); null until the booking is in the read model.
 */
export class BookingCalendarEventQuery extends Query<(Omit<BookingEventInput, 'sequence' | 'start' | 'end' | 'cancelled' | 'stamp'> & { bookingEnd: string }) | null> {
  constructor(
    readonly tenantId: string,
    readonly bookingId: string,
  ) {
    super();
  }
}

interface ScheduleDoc {
  id: string;
  host: string;
  timezone: string;
}
interface SessionTypeDoc {
  id: string;
  name: string;
  location: string | null;
}
interface OfferingDoc {
  id: string;
  reminders?: CalendarReminder[];
}

/** What a booking's event needs besides the booking: its schedule, session type and offering documents. */
interface Context {
  schedules: Map<string, ScheduleDoc>;
  sessionTypes: Map<string, SessionTypeDoc>;
  offerings: Map<string, OfferingDoc>;
  bookingUrl: string;
}

/**
 * Reads for the calendar event of bookings: the bookings read model (one indexed query per feed), then
 * the schedules, session types and offerings those bookings name (one `getMany`), and the booking link
 * the business set for its messages.
 */
class FeedReader {
  constructor(
    private readonly readStore: ReadStore,
    private readonly pool: Pool,
    private readonly config: Config,
  ) {}

  /** `scheduleIds`: schedules to read besides the bookings' own (a host's feed names its schedule even when empty). */
  async context(tenantId: string, bookings: BookingDocument[], scheduleIds: string[] = []): Promise<Context> {
    const keys = (collection: string, ids: string[]): DocumentKey[] => [...new Set(ids)].map((id) => ({ collection, tenantId, id }));
    const documents =
      bookings.length || scheduleIds.length
        ? await this.readStore.getMany([
            ...keys(SCHEDULES, [...scheduleIds, ...bookings.map((b) => b.scheduleId)]),
            ...keys(SESSION_TYPES, bookings.map((b) => b.sessionTypeId)),
            ...keys(OFFERINGS, bookings.map((b) => b.offeringId)),
          ])
        : [];
    const of = <T>(collection: string) => new Map(documents.filter((d) => d.collection === collection).map((d) => [d.id, d.data as T]));
    return { schedules: of(SCHEDULES), sessionTypes: of(SESSION_TYPES), offerings: of(OFFERINGS), bookingUrl: await this.bookingUrl(tenantId) };
  }

  /** The booking link of the business's message settings (as the booking emails use), else the service's public URL. */
  private async bookingUrl(tenantId: string): Promise<string> {
    const { rows } = await this.pool.query<{ booking_url: string | null }>('SELECT booking_url FROM message_settings WHERE tenant_id = $1', [tenantId]);
    return rows[0]?.booking_url ?? this.config.publicUrl;
  }
}

/** A booking's event: times in its schedule's zone, the session type's name and location, the offering's reminders. */
export function eventOf(booking: BookingDocument, context: Context): BookingEventInput {
  const schedule = context.schedules.get(booking.scheduleId);
  const sessionType = context.sessionTypes.get(booking.sessionTypeId);
  const offering = context.offerings.get(booking.offeringId);
  const summary = sessionType?.name ?? 'Session';
  return {
    bookingId: booking.id,
    sequence: booking.sequence ?? booking.previousStarts.length,
    start: booking.start,
    end: booking.end,
    zone: schedule?.timezone ?? 'UTC',
    summary,
    location: sessionType?.location ?? null,
    description: [schedule ? `With ${schedule.host}.` : null, `Booking ${booking.id}.`, `Manage your bookings: ${context.bookingUrl}`].filter(Boolean).join('\n'),
    url: context.bookingUrl,
    cancelled: booking.status === 'cancelled',
    reminders: offering?.reminders ?? [],
    stamp: booking.updatedAt,
  };
}

/** Whether a booking belongs in a feed at `now`: a cancelled one only for FEED_CANCELLED_DAYS after its cancellation. */
export function shownInFeed(booking: BookingDocument, now: Date): boolean {
  if (booking.status !== 'cancelled') return true;
  const at = booking.cancelledAt ?? booking.updatedAt;
  return Date.parse(at) > now.getTime() - FEED_CANCELLED_DAYS * DAY_MS;
}

@QueryHandler(BookingFeedQuery)
export class BookingFeedHandler implements IQueryHandler<BookingFeedQuery> {
  private readonly reader: FeedReader;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(APP_CONFIG) config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tenants: TenantDirectory,
  ) {
    this.reader = new FeedReader(readStore, pool, config);
  }

  async execute({ tenantId, owner }: BookingFeedQuery): Promise<FeedBody> {
    const now = this.clock.now();
    const from = new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS).toISOString();
    const ownerField = owner.kind === 'schedule' ? 'scheduleId' : 'clientId';
    // One indexed query: the owner's bookings of the window, most recently made first.
    const rows = await this.readStore.find<BookingDocument>(BOOKINGS, tenantId, {
      where: { [ownerField]: owner.id, start: { gte: from } },
      order: 'desc',
      limit: FEED_MAX_EVENTS,
    });
    const bookings = rows
      .map((row) => row.data)
      .filter((booking) => shownInFeed(booking, now))
      .sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
    const context = await this.reader.context(tenantId, bookings, owner.kind === 'schedule' ? [owner.id] : []);
    const tenant = await this.tenants.get(tenantId);
    const schedule = owner.kind === 'schedule' ? (context.schedules.get(owner.id) ?? null) : null;
    const calendar = newCalendar({
      method: 'PUBLISH',
      name: schedule ? `${schedule.host} · ${tenant.name}` : `My sessions · ${tenant.name}`,
      description: owner.kind === 'schedule' ? `Bookings of ${schedule?.host ?? 'this schedule'} at ${tenant.name}` : `Your booked sessions at ${tenant.name}`,
      ttlSeconds: FEED_REFRESH_SECONDS,
      zone: schedule?.timezone,
    });
    for (const booking of bookings) addBookingEvent(calendar, eventOf(booking, context));
    const ics = calendar.toString();
    return { ics, etag: `"${createHash('sha256').update(ics).digest('base64url').slice(0, 32)}"` };
  }
}

@QueryHandler(BookingCalendarEventQuery)
export class BookingCalendarEventHandler implements IQueryHandler<BookingCalendarEventQuery> {
  private readonly reader: FeedReader;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(APP_CONFIG) config: Config,
  ) {
    this.reader = new FeedReader(readStore, pool, config);
  }

  async execute({ tenantId, bookingId }: BookingCalendarEventQuery) {
    const booking = await this.readStore.get<BookingDocument>({ collection: BOOKINGS, tenantId, id: bookingId });
    if (!booking) return null;
    const { sequence: _s, start: _a, end, cancelled: _c, stamp: _d, ...event } = eventOf(booking, await this.reader.context(tenantId, [booking]));
    return { ...event, bookingEnd: end };
  }
}
