import { bookingInvitation, CalendarReminder } from '@punchcard/calendar-feed';

/**
 * A one-event iCalendar (RFC 5545) for a booking notice: REQUEST for a booked or moved session, CANCEL
 * for a cancelled one. Built by @punchcard/calendar-feed, like the subscribable feeds, so the email's
 * event is the feed's event: the booking's UID, a SEQUENCE that grows with each change, times in the
 * schedule's zone with its VTIMEZONE, the session type's name and location, the offering's reminders.
 */
export interface BookingIcs {
  bookingId: string;
  sequence: number;
  start: string;
  end: string;
  method: 'REQUEST' | 'CANCEL';
  summary: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  /** When this version of the event was made (the message's due time: the same on a resend). */
  stamp: string;
  /** The schedule's IANA zone (default UTC). */
  zone?: string;
  location?: string | null;
  description?: string | null;
  url?: string | null;
  reminders?: CalendarReminder[];
}

export function bookingIcs(event: BookingIcs): string {
  const { method, zone, ...rest } = event;
  return bookingInvitation({ ...rest, zone: zone ?? 'UTC', cancelled: method === 'CANCEL' });
}
