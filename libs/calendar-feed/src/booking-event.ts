import ical, { ICalAlarmType, ICalAttendeeRole, ICalCalendar, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime, IANAZone } from 'luxon';

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
 * A calendar with a VTIMEZONE for every zone its events use (RFC 5545 §3.6.5), built from luxon's zone
 * data (the platform's ICU), the same data that turned the schedule's local times into the UTC instants:
 * the VTIMEZONE and the instants cannot disagree. Over the years the calendar's events cover
 * (vtimezoneFromZoneData). @touch4it/ical-timezones 1.9.0 is not used: it has no component for valid
 * zones schedules accept (Europe/Kyiv, America/Nuuk, Pacific/Kanton, America/Ciudad_Juarez, and old
 * names such as America/Buenos_Aires, Asia/Saigon), answers Asia/Calcutta with a VTIMEZONE named
 * Asia/Kolkata, and has outdated rules for others (Africa/Cairo without its DST since 2023, Asia/Almaty
 * at +06 after 2024, Europe/Volgograd, Pacific/Norfolk…). No calendar-wide zone: ical-generator would
 * then write DTSTAMP in that zone without a TZID, and DTSTAMP must be UTC.
 */
export function newCalendar(options: { method: 'PUBLISH' | 'REQUEST' | 'CANCEL'; name?: string; description?: string; ttlSeconds?: number; zone?: string }): ICalCalendar {
  const calendar: ICalCalendar = ical({
    prodId: { company: 'Punchcard', product: 'Bookings', language: 'EN' },
    method: ICalCalendarMethod[options.method],
    timezone: { name: null, generator: (zone: string) => vtimezoneFromZoneData(zone, ...yearsOfEventsIn(calendar, zone)) },
    ...(options.name !== undefined && { name: options.name }),
    ...(options.description !== undefined && { description: options.description }),
    ...(options.ttlSeconds !== undefined && { ttl: options.ttlSeconds }),
  });
  if (options.zone) calendar.x([['X-WR-TIMEZONE', options.zone]]);
  return calendar;
}

/** The first and last year of the calendar's events written in `zone` (this year when there are none). */
function yearsOfEventsIn(calendar: ICalCalendar, zone: string): [number, number] {
  const millis = (value: unknown) => (DateTime.isDateTime(value) ? value.toMillis() : new Date(value as string).getTime());
  const instants = calendar
    .events()
    .filter((event) => event.timezone() === zone)
    .flatMap((event) => [millis(event.start()), millis(event.end() ?? event.start())])
    .filter(Number.isFinite);
  const year = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).year;
  if (instants.length === 0) return [year(Date.now()), year(Date.now())];
  return [year(Math.min(...instants)), year(Math.max(...instants))];
}

const vtimezoneCache = new Map<string, string | null>();
const DAY_MS = 86_400_000;

/**
 * A VTIMEZONE for an IANA zone from luxon's (the platform's ICU) zone data: the offset in force from
 * 1 January of `fromYear - 1`, and one STANDARD or DAYLIGHT sub-component per offset change until the
 * end of `toYear + 1`, each with its onset (DTSTART, local time before the change), TZOFFSETFROM and
 * TZOFFSETTO. Changes are found by comparing offsets a day apart, then bisected to the second. No RRULE:
 * the listed onsets are the zone's rules over the years the calendar covers (a client extends the last
 * offset beyond them). Null for a name that is not an IANA zone.
 */
export function vtimezoneFromZoneData(zone: string, fromYear: number, toYear: number): string | null {
  const key = `${zone}|${fromYear}|${toYear}`;
  if (!vtimezoneCache.has(key)) vtimezoneCache.set(key, buildVtimezone(zone, fromYear, toYear));
  return vtimezoneCache.get(key)!;
}

function buildVtimezone(zone: string, fromYear: number, toYear: number): string | null {
  if (!IANAZone.isValidZone(zone)) return null;
  const tz = IANAZone.create(zone);
  const start = Date.UTC(fromYear - 1, 0, 1);
  const end = Date.UTC(toYear + 2, 0, 1);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`, `X-LIC-LOCATION:${zone}`];
  const component = (at: number, from: number, to: number) => {
    const kind = DateTime.fromMillis(at, { zone }).isInDST ? 'DAYLIGHT' : 'STANDARD';
    const name = tz.offsetName(at, { format: 'short', locale: 'en-US' });
    lines.push(`BEGIN:${kind}`, `DTSTART:${localStamp(at, from)}`, `TZOFFSETFROM:${offsetText(from)}`, `TZOFFSETTO:${offsetText(to)}`);
    if (name) lines.push(`TZNAME:${name}`);
    lines.push(`END:${kind}`);
  };
  let previous = tz.offset(start);
  component(start, previous, previous);
  for (let day = start; day < end; day += DAY_MS) {
    const next = Math.min(day + DAY_MS, end);
    const offset = tz.offset(next);
    if (offset === previous) continue;
    // The first second in (day, next] with the new offset.
    let low = day;
    let high = next;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (tz.offset(middle) === previous) low = middle;
      else high = middle;
    }
    component(high, previous, tz.offset(high));
    previous = tz.offset(high);
    if (previous !== offset) day = high - DAY_MS; // another change within the day: look again from this one
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\n') + '\n';
}

/** `+0530`, `-0300` (and seconds when a historical offset has them). */
function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const total = Math.round(Math.abs(minutes) * 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  const seconds = total % 60;
  return `${sign}${pad(Math.floor(total / 3600))}${pad(Math.floor((total % 3600) / 60))}${seconds ? pad(seconds) : ''}`;
}

/** The wall clock of the UTC instant `at` under `offsetMinutes`, as an iCalendar local DATE-TIME. */
function localStamp(at: number, offsetMinutes: number): string {
  return DateTime.fromMillis(at + offsetMinutes * 60_000, { zone: 'utc' }).toFormat("yyyyMMdd'T'HHmmss");
}

/** A one-event calendar for a booking email: REQUEST for a booked or moved session, CANCEL for a cancelled one. */
export function bookingInvitation(input: BookingEventInput): string {
  const calendar = newCalendar({ method: input.cancelled ? 'CANCEL' : 'REQUEST' });
  addBookingEvent(calendar, input);
  return calendar.toString();
}
