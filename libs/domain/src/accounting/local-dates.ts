import { DateTime } from 'luxon';

/**
 * The business's calendar for the books: an entry keeps its effective instant, and its effective
 * date is the local date of that instant in the business's time zone (a sale at 00:30 in Berlin on
 * 1 April is in April, although it is still 31 March in UTC: `localDateOf` of ../scheduling/slots).
 * Report periods are local dates too.
 */

/** The first instant of a local date in `zone`, as an ISO-8601 UTC instant. */
export function startOfLocalDate(date: string, zone: string): string {
  return DateTime.fromISO(date, { zone }).startOf('day').toUTC().toISO()!;
}

/** The first instant of the local date after `date` in `zone` (the end of `date`). */
export function endOfLocalDate(date: string, zone: string): string {
  return DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toUTC().toISO()!;
}

/** The local month that `instant` falls in, as the period (from, to] of its first and next month's first instants. */
export function localMonthOf(instant: string, zone: string): { from: string; to: string } {
  const month = DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).startOf('month');
  return { from: month.toUTC().toISO()!, to: month.plus({ months: 1 }).toUTC().toISO()! };
}
