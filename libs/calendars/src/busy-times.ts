import { DateTime, IANAZone } from 'luxon';
import { isKnownIanaZone } from './zones';
import * as ical from 'node-ical';

/**
 * Busy times of an external iCalendar feed (issue 14). Only when the host is busy leaves this module:
 * no summary, description, location or attendees (personal data of the host's private appointments).
 */
export interface BusyInterval {
  start: Date;
  end: Date;
  /** The UID of the (earliest) event behind the interval, for diagnostics. */
  uid: string;
  /** Deliberately absent: titles of private appointments are never stored. */
  summary?: never;
}

export interface BusyWindow {
  from: Date;
  to: Date;
  /** IANA zone for floating times and all-day dates (the schedule's zone: "busy all day" is the host's day). */
  floatingZone: string;
}

export interface ExpansionLimits {
  /** Instances one series may contribute; the series is expanded only up to its n-th instance. */
  perSeries: number;
  /** Instances the whole calendar may contribute; later events are ignored. */
  total: number;
  /**
   * A series denser than this per day is not expanded at all: recurrence-rule libraries generate
   * every candidate of a period (FREQ=DAILY with BYHOUR x BYMINUTE x BYSECOND is 86,400 a day), and
   * no human's busy calendar repeats more often than every 15 minutes.
   */
  maxPerDay: number;
}

export const DEFAULT_EXPANSION_LIMITS: ExpansionLimits = { perSeries: 2000, total: 20000, maxPerDay: 96 };

export interface BusyTimes {
  intervals: BusyInterval[];
  /** VEVENT series and single events read (RECURRENCE-ID overrides are part of their series). */
  events: number;
  warnings: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Floating and all-day values are local to a zone up to 14 h away from the host's: expand with margin, clip later. */
const MARGIN_MS = 2 * DAY_MS;

/** UIDs of our own bookings' events (libs/calendar-feed bookingUid): a host who imports the feed must not block their own sessions. */
export const OWN_BOOKING_UID_SUFFIX = '@punchcard.bookings';

/** Events expanded between two yields to the event loop (a 5 MiB calendar holds ~23,000). */
export const EVENTS_PER_YIELD = 100;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The busy intervals of `icsText` that overlap `window`, clipped to it, sorted and merged.
 * Transparent, cancelled and Outlook "free" (X-MICROSOFT-CDO-BUSYSTATUS:FREE) events do not block,
 * nor do Punchcard's own bookings (UID ending in @punchcard.bookings, e.g. a feed imported into the
 * calendar the host publishes).
 * Never throws for calendar content: what cannot be read becomes a warning.
 *
 * Asynchronous so that a large calendar does not hold the API's event loop: node-ical parses in
 * batches of lines (setImmediate between them) and the expansion yields every EVENTS_PER_YIELD events.
 */
export async function expandBusyTimes(icsText: string, window: BusyWindow, limits: ExpansionLimits = DEFAULT_EXPANSION_LIMITS): Promise<BusyTimes> {
  if (!IANAZone.isValidZone(window.floatingZone)) throw new RangeError(`floatingZone ${window.floatingZone} is not an IANA time zone`);
  const warnings: string[] = [];
  let parsed: ical.CalendarResponse;
  try {
    parsed = await parseAsync(pinFloatingTimes(icsText, window.floatingZone, warnings));
  } catch (error) {
    return { intervals: [], events: 0, warnings: [`the calendar could not be parsed: ${(error as Error).message}`] };
  }
  const from = new Date(window.from.getTime() - MARGIN_MS);
  const to = new Date(window.to.getTime() + MARGIN_MS);
  const raw: BusyInterval[] = [];
  let events = 0;
  let budget = limits.total;
  for (const component of Object.values(parsed)) {
    if (!component || component.type !== 'VEVENT') continue;
    const event = component as ical.VEvent;
    events++;
    if (events % EVENTS_PER_YIELD === 0) await yieldToEventLoop();
    if (budget <= 0) continue; // still counted, so `events` says how many were skipped
    const uid = String(event.uid ?? '');
    if (uid.toLowerCase().endsWith(OWN_BOOKING_UID_SUFFIX)) continue; // our own booking: it must not block its own seats
    try {
      let until = to;
      if (event.rrule) {
        const bound = seriesBound(event, from, to, Math.min(limits.perSeries, budget), limits.maxPerDay);
        if (bound.refused) {
          warnings.push(`event ${uid}: ${bound.refused}; not expanded`);
          continue;
        }
        if (bound.until < to) {
          warnings.push(`event ${uid}: more than ${Math.min(limits.perSeries, budget)} instances, expanded only until ${bound.until.toISOString()}`);
          until = bound.until;
        }
      }
      const instances = ical.expandRecurringEvent(event, { from, to: until, expandOngoing: true });
      for (const instance of instances) {
        if (budget <= 0) break;
        budget--;
        if (!blocks(instance.event)) continue;
        const interval = toInterval(instance, uid, window.floatingZone, warnings);
        if (interval) raw.push(interval);
      }
    } catch (error) {
      warnings.push(`event ${uid}: could not be expanded (${(error as Error).message})`);
    }
  }
  if (budget <= 0) warnings.push(`more than ${limits.total} instances in the calendar: later events were ignored`);
  return { intervals: mergeIntervals(clip(raw, window)), events, warnings: [...new Set(warnings)] };
}

/** node-ical's batched parser (2,000 lines per batch, setImmediate between batches), as a promise. */
function parseAsync(text: string): Promise<ical.CalendarResponse> {
  return new Promise((resolve, reject) => {
    ical.async.parseICS(text, (error, data) => (error ? reject(error) : resolve(data as ical.CalendarResponse)));
  });
}

/**
 * Floating date-times (no TZID, no Z) mean "local time" (RFC 5545 §3.3.5): for us the host's. node-ical
 * would read them in the server's zone, or in whatever VTIMEZONE precedes them, so they are given
 * the floating zone before parsing (expansion then follows that zone's DST). Only the value part of
 * DTSTART/DTEND/RECURRENCE-ID/EXDATE/RDATE lines without parameters is touched, and not inside
 * VTIMEZONE, where floating times are the definition itself.
 *
 * Outlook's "Customized Time Zone…" and "tzone://Microsoft/…" TZIDs are read by node-ical in the
 * server's zone when the file has no VTIMEZONE for them: without one they are given the floating zone
 * too (with a warning in `warnings`), like any other unknown zone.
 */
export function pinFloatingTimes(icsText: string, zone: string, warnings: string[] = []): string {
  const defined = new Set<string>();
  for (const match of icsText.matchAll(/^BEGIN:VTIMEZONE\r?\n(?:(?!END:VTIMEZONE)[^\n]*\n)*?TZID:([^\r\n]*)/gim)) defined.add(unquote(match[1].trim()));
  let inTimezone = false;
  return icsText
    .split(/(?<=\n)/)
    .map((line) => {
      if (/^BEGIN:VTIMEZONE\r?\n?$/i.test(line)) inTimezone = true;
      else if (/^END:VTIMEZONE\r?\n?$/i.test(line)) inTimezone = false;
      if (inTimezone) return line;
      const custom = /^(DTSTART|DTEND|RECURRENCE-ID|EXDATE|RDATE)((?:;[^:;]+)*);TZID=("?)((?:Customized Time Zone|tzone:\/\/Microsoft\/)[^";:]*)\3((?:;[^:]+)*):/i.exec(line);
      if (custom && !defined.has(custom[4])) {
        warnings.push(`unknown time zone "${custom[4]}" (no VTIMEZONE), read as ${zone}`);
        return line.replace(`TZID=${custom[3]}${custom[4]}${custom[3]}`, `TZID=${zone}`);
      }
      return line.replace(/^(DTSTART|DTEND|RECURRENCE-ID|EXDATE|RDATE)(;VALUE=DATE-TIME)?:(\d{8}T\d{6}(?:,\d{8}T\d{6})*)(\r?\n?)$/i, `$1$2;TZID=${zone}:$3$4`);
    })
    .join('');
}

const unquote = (value: string) => value.replace(/^"(.*)"$/, '$1');

function blocks(event: ical.VEvent): boolean {
  if (event.transparency === 'TRANSPARENT') return false;
  if (event.status === 'CANCELLED') return false;
  // Outlook marks "show as free" this way (and usually also TRANSP:TRANSPARENT, but not always).
  if (String(event['MICROSOFT-CDO-BUSYSTATUS'] ?? '').toUpperCase() === 'FREE') return false;
  return true;
}

/** How far a series may be expanded within the limits, or why it is refused. */
function seriesBound(event: ical.VEvent, from: Date, to: Date, cap: number, maxPerDay: number): { until: Date; refused?: string } {
  const options = event.rrule!.options as Record<string, unknown>;
  const perDay = occurrencesPerDay(options);
  if (perDay > maxPerDay) return { until: from, refused: `recurs up to ${Math.round(perDay)} times a day (more than ${maxPerDay})` };
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (perDay * days <= cap) return { until: to };
  return { until: new Date(from.getTime() + (cap / perDay) * DAY_MS) };
}

/** An upper bound of a rule's occurrences per day (INTERVAL only thins, BYxxx of finer units multiply). */
function occurrencesPerDay(options: Record<string, unknown>): number {
  const count = (key: string) => (Array.isArray(options[key]) && (options[key] as unknown[]).length > 0 ? (options[key] as unknown[]).length : 1);
  const interval = Math.max(1, Number(options.interval ?? 1) || 1);
  switch (String(options.freq)) {
    case 'SECONDLY':
      return 86400 / interval;
    case 'MINUTELY':
      return (1440 / interval) * count('bySecond');
    case 'HOURLY':
      return (24 / interval) * count('byMinute') * count('bySecond');
    default: // DAILY and coarser: at most one date a day, times from BYHOUR x BYMINUTE x BYSECOND
      return count('byHour') * count('byMinute') * count('bySecond');
  }
}

function toInterval(instance: ical.EventInstance, uid: string, zone: string, warnings: string[]): BusyInterval | null {
  let start: Date;
  let end: Date;
  if (instance.isFullDay) {
    // DATE values: whole local days of the host (node-ical gives local midnights of the server's zone).
    start = wallClockIn(instance.start, zone, true);
    end = wallClockIn(instance.end, zone, true);
  } else if (instance.start.tz && !isKnownZone(instance.start.tz)) {
    // A TZID neither IANA, nor Windows, nor matched by its VTIMEZONE: node-ical read the wall clock
    // in the server's zone. The host's zone is the best guess.
    warnings.push(`event ${uid}: unknown time zone "${instance.start.tz}", read as ${zone}`);
    start = wallClockIn(instance.start, zone, false);
    end = wallClockIn(instance.end, zone, false);
  } else {
    start = new Date(instance.start.getTime());
    end = new Date(instance.end.getTime());
  }
  // A DATE-TIME start without DTEND or DURATION is an instant (RFC 5545 §3.6.1): it blocks nothing.
  if (!(end.getTime() > start.getTime())) return null;
  return { start, end, uid };
}

function isKnownZone(tz: string): boolean {
  return isKnownIanaZone(tz) || /^(?:UTC|GMT)?[+-]\d{2}:?\d{2}$/i.test(tz);
}

/** The server-local wall clock of `date` read in `zone`. */
function wallClockIn(date: Date, zone: string, dateOnly: boolean): Date {
  const wall = { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate() };
  const time = dateOnly ? {} : { hour: date.getHours(), minute: date.getMinutes(), second: date.getSeconds() };
  return DateTime.fromObject({ ...wall, ...time }, { zone }).toJSDate();
}

function clip(intervals: BusyInterval[], window: { from: Date; to: Date }): BusyInterval[] {
  const from = window.from.getTime();
  const to = window.to.getTime();
  return intervals
    .filter((interval) => interval.end.getTime() > from && interval.start.getTime() < to)
    .map((interval) => ({ ...interval, start: new Date(Math.max(from, interval.start.getTime())), end: new Date(Math.min(to, interval.end.getTime())) }));
}

/** Sorted by start; overlapping or touching intervals become one (keeping the earliest event's uid). */
export function mergeIntervals(intervals: BusyInterval[]): BusyInterval[] {
  const sorted = [...intervals].sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
  const merged: BusyInterval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.start.getTime() <= last.end.getTime()) {
      if (interval.end.getTime() > last.end.getTime()) last.end = interval.end;
    } else merged.push({ start: interval.start, end: interval.end, uid: interval.uid });
  }
  return merged;
}
