import ical, { ICalAlarmType, ICalAttendeeRole, ICalCalendar, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { DateTime } from 'luxon';

/**
 * One booking as an iCalendar (RFC 5545) event, built the same way for the subscribable feeds
 * (METHOD:PUBLISH) and for the invitations attached to booking emails (METHOD:REQUEST / CANCEL), so a
 * calendar that gets both sees one event: the same UID, SEQUENCE, times in the schedule's zone with
 * its VTIMEZONE, summary, location and alarms.
 */
export type ReminderUnit = 'minutes' | 'hours' | 'days' | 'weeks';
export interface CalendarReminder {
  amount: number;
  unit: ReminderUnit;
}

export interface BookingEventInput {
  bookingId: string;
  /** 0 when placed, one more per change of the booking (the booking stream's version - 1). */
  sequence: number;
  /** UTC instants. */
  start: string;
  end: string;
  /** The schedule's IANA zone: DTSTART/DTEND carry TZID and the calendar a VTIMEZONE for it. */
  zone: string;
  summary: string;
  location?: string | null;
  description?: string | null;
  url?: string | null;
  cancelled: boolean;
  /** The offering's reminders: one DISPLAY alarm each, before the start. */
  reminders?: CalendarReminder[];
  /** When this version of the event was made (DTSTAMP, UTC). */
  stamp: string;
  organizer?: { name: string; email: string } | null;
  attendee?: { name: string; email: string } | null;
}

/** The UID of a booking's event, the same in every feed and every email. */
export const bookingUid = (bookingId: string) => `${bookingId}@punchcard.bookings`;

const SECONDS: Record<ReminderUnit, number> = { minutes: 60, hours: 3_600, days: 86_400, weeks: 604_800 };

/**
 * How long before DTSTART a reminder rings, in seconds. ical-generator writes whole days as a nominal
 * duration (-P1D; a week as -P7D), which a calendar counts in the event's zone (RFC 5545 §3.3.6), as the
 * reminder emails do: one day before 10:00 is 10:00 the day before, across a DST change too. Minutes and
 * hours are exact times (-PT1H30M).
 */
export const reminderSeconds = (reminder: CalendarReminder) => reminder.amount * SECONDS[reminder.unit];

const zoned = (iso: string, zone: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);

/** Adds one booking's VEVENT to a calendar. */
export function addBookingEvent(calendar: ICalCalendar, input: BookingEventInput): void {
  const event = calendar.createEvent({
    id: bookingUid(input.bookingId),
    sequence: input.sequence,
    stamp: new Date(input.stamp),
    start: zoned(input.start, input.zone),
    end: zoned(input.end, input.zone),
    timezone: input.zone,
    summary: input.summary,
    location: input.location ?? null,
    description: input.description ?? null,
    url: input.url ?? null,
    status: input.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: input.organizer ?? null,
    attendees: input.attendee ? [{ name: input.attendee.name, email: input.attendee.email, role: ICalAttendeeRole.REQ }] : [],
  });
  if (input.cancelled) return; // a cancelled session rings no bell
  for (const reminder of input.reminders ?? []) {
    // A DISPLAY alarm needs a DESCRIPTION (RFC 5545 §3.6.6).
    event.createAlarm({ type: ICalAlarmType.display, description: input.summary, trigger: reminderSeconds(reminder) });
  }
}

/**
 * A calendar whose VTIMEZONEs come from @touch4it/ical-timezones for every zone its events use. No
 * calendar-wide zone: ical-generator would then write DTSTAMP in that zone without a TZID, and DTSTAMP
 * must be UTC.
 */
export function newCalendar(options: { method: 'PUBLISH' | 'REQUEST' | 'CANCEL'; name?: string; description?: string; ttlSeconds?: number; zone?: string }): ICalCalendar {
  const calendar = ical({
    prodId: { company: 'Punchcard', product: 'Bookings', language: 'EN' },
    method: ICalCalendarMethod[options.method],
    timezone: { name: null, generator: getVtimezoneComponent },
    ...(options.name !== undefined && { name: options.name }),
    ...(options.description !== undefined && { description: options.description }),
    ...(options.ttlSeconds !== undefined && { ttl: options.ttlSeconds }),
  });
  if (options.zone) calendar.x([['X-WR-TIMEZONE', options.zone]]);
  return calendar;
}

/** A one-event calendar for a booking email: REQUEST for a booked or moved session, CANCEL for a cancelled one. */
export function bookingInvitation(input: BookingEventInput): string {
  const calendar = newCalendar({ method: input.cancelled ? 'CANCEL' : 'REQUEST' });
  addBookingEvent(calendar, input);
  return calendar.toString();
}
