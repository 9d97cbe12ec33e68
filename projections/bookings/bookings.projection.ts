import { BookingEvent, BookingStatus, CreditDecision, isBookingEvent } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { BOOKINGS } from '../collections';

/** One document per booking: where and when, its status, and what happened to its credit. */
export interface BookingDocument {
  id: string;
  clientId: string;
  packageId: string;
  offeringId: string;
  scheduleId: string;
  sessionTypeId: string;
  start: string;
  end: string;
  /** Schedule-local date of the session. */
  date: string;
  status: BookingStatus;
  creditOutcome: CreditDecision['creditOutcome'] | null;
  rule: CreditDecision['rule'] | null;
  /** Cancelled inside the notice window. */
  late: boolean | null;
  reason: string | null;
  bookedAt: string;
  updatedAt: string;
  /** Earlier times of a rescheduled booking, oldest first. */
  previousStarts: string[];
  /**
   * The iCalendar SEQUENCE of the booking's event: 0 when placed, one more per later event of the
   * booking stream (its version - 1), the same number the booking emails carry (bookings-v2).
   */
  sequence: number;
  /** When it was cancelled (null unless cancelled): calendar feeds keep a cancelled booking for a while after (bookings-v2). */
  cancelledAt: string | null;
}

export const bookingsProjection: Projection = {
  name: 'bookings-v2',
  collections: [BOOKINGS],
  indexes: ['clientId', 'packageId', 'offeringId', 'scheduleId', 'status', 'start'].map((field) => ({ collection: BOOKINGS, field })),
  keys: (event) => (isBookingEvent(event) ? [bookingKey(event)] : []),
  apply(event, documents) {
    if (!isBookingEvent(event)) return;
    const key = bookingKey(event);
    const at = event.metadata.occurredAt;
    if (event.type === 'BookingPlaced') {
      const { bookingId, ...rest } = event.data;
      documents.put(key, {
        id: bookingId,
        ...rest,
        status: 'booked',
        creditOutcome: null,
        rule: null,
        late: null,
        reason: null,
        bookedAt: at,
        updatedAt: at,
        previousStarts: [],
        sequence: event.streamVersion - 1,
        cancelledAt: null,
      } satisfies BookingDocument);
      return;
    }
    const found = documents.get<BookingDocument>(key);
    if (!found) return;
    const current: BookingDocument = { ...found, sequence: event.streamVersion - 1 };
    switch (event.type) {
      case 'BookingRescheduled': {
        const { start, end, date, scheduleId } = event.data;
        documents.put(key, { ...current, start, end, date, scheduleId, previousStarts: [...current.previousStarts, current.start], updatedAt: at });
        return;
      }
      case 'BookingCancelled': {
        const { creditOutcome, rule, late, reason } = event.data;
        documents.put(key, { ...current, status: 'cancelled', creditOutcome, rule, late, reason, updatedAt: at, cancelledAt: at });
        return;
      }
      case 'AttendanceMarked': {
        const { creditOutcome, rule, attendance } = event.data;
        documents.put(key, { ...current, status: attendance, creditOutcome, rule, updatedAt: at });
        return;
      }
    }
  },
};

function bookingKey(event: StoredEvent & BookingEvent) {
  return { collection: BOOKINGS, tenantId: event.metadata.tenantId, id: event.data.bookingId };
}
