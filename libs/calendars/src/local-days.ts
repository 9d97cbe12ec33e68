import { DateTime, IANAZone } from 'luxon';
import type { BusyInterval } from './busy-times';

/**
 * The intervals cut at local midnights of `zone`, keyed by local date (YYYY-MM-DD), for storage per
 * schedule and day. Days are the zone's real days, so 23 or 25 hours long on DST changes. Keys are in
 * date order; each day's intervals keep their order.
 */
export function intervalsByLocalDay(intervals: BusyInterval[], zone: string): Map<string, BusyInterval[]> {
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`zone ${zone} is not an IANA time zone`);
  const days = new Map<string, BusyInterval[]>();
  const sorted = [...intervals].sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const interval of sorted) {
    let dayStart = DateTime.fromJSDate(interval.start, { zone }).startOf('day');
    while (dayStart.toMillis() < interval.end.getTime()) {
      const nextDay = dayStart.plus({ days: 1 }).startOf('day');
      const start = Math.max(dayStart.toMillis(), interval.start.getTime());
      const end = Math.min(nextDay.toMillis(), interval.end.getTime());
      if (end > start) {
        const key = dayStart.toISODate()!;
        const list = days.get(key) ?? [];
        list.push({ start: new Date(start), end: new Date(end), uid: interval.uid });
        days.set(key, list);
      }
      dayStart = nextDay;
    }
  }
  return days;
}
