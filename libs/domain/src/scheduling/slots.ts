import { DateTime } from 'luxon';
import { toUtcIso } from '../offering/validity';
import { ScheduleFields, SessionTypeFields, TimeRange, WEEKDAYS } from './scheduling.types';
import { parseTimeOfDay } from './time-range';

/** A session time on a schedule: UTC instants, and the schedule-local date it belongs to. */
export interface Slot {
  start: string;
  end: string;
  /** YYYY-MM-DD in the schedule's zone: the day whose stream holds the slot's bookings. */
  date: string;
}

type Timing = Pick<SessionTypeFields, 'durationMinutes' | 'bufferMinutes'>;

/** The hours of one local date: its override if it has one, else its weekday's hours. */
export function hoursOn(schedule: Pick<ScheduleFields, 'weeklyHours' | 'overrides'>, date: string): TimeRange[] {
  const override = schedule.overrides.find((o) => o.date === date);
  if (override) return override.hours;
  const weekday = WEEKDAYS[DateTime.fromISO(date, { zone: 'utc' }).weekday - 1];
  return schedule.weeklyHours[weekday];
}

/**
 * Every session time the schedule offers for a session type on one local date, before bookings
 * and lead times are considered. Starts step through each range by duration + buffer from the
 * range's start, in wall-clock time of the schedule's zone:
 * - a start that does not exist (the hour skipped when clocks go forward) is not offered;
 * - a repeated hour (clocks going back) is offered once, at its first occurrence;
 * - a session ends (in elapsed time) by the range's end;
 * - a session and its buffer on both sides fit within the local day, so bookings on different
 *   days never need a buffer between them and each day's stream decides alone (ADR 0008).
 */
export function slotsOn(schedule: Pick<ScheduleFields, 'timezone' | 'weeklyHours' | 'overrides'>, timing: Timing, date: string): Slot[] {
  const zone = schedule.timezone;
  const dayStart = DateTime.fromISO(date, { zone }).startOf('day');
  const nextDayStart = dayStart.plus({ days: 1 });
  const step = timing.durationMinutes + timing.bufferMinutes;
  const slots: Slot[] = [];
  const seen = new Set<number>();
  for (const range of hoursOn(schedule, date)) {
    const from = parseTimeOfDay(range.start);
    const to = parseTimeOfDay(range.end);
    const rangeEnd = to === 1440 ? nextDayStart : wallTime(dayStart, to);
    for (let minute = from; minute + timing.durationMinutes <= to; minute += step) {
      const start = wallTime(dayStart, minute);
      if (start.hour * 60 + start.minute !== minute || start.day !== dayStart.day) continue; // skipped by DST
      const end = start.plus({ minutes: timing.durationMinutes });
      if (end > rangeEnd) continue;
      if (start.minus({ minutes: timing.bufferMinutes }) < dayStart || end.plus({ minutes: timing.bufferMinutes }) > nextDayStart) continue;
      if (seen.has(start.toMillis())) continue;
      seen.add(start.toMillis());
      slots.push({ start: toUtcIso(start), end: toUtcIso(end), date });
    }
  }
  return slots.sort((a, b) => a.start.localeCompare(b.start));
}

/** Local wall-clock time `minute` minutes after midnight on `day` (luxon moves a skipped time forward). */
function wallTime(day: DateTime, minute: number): DateTime {
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 });
}

/** Local dates from `from` to `to` inclusive (YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = DateTime.fromISO(from, { zone: 'utc' }); d.toISODate()! <= to; d = d.plus({ days: 1 })) dates.push(d.toISODate()!);
  return dates;
}

/** The schedule-local date an instant falls on. */
export function localDateOf(instant: string, zone: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toISODate()!;
}
