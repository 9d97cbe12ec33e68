import { DateTime } from 'luxon';
import { ScheduleFields, SessionTypeFields, TimeRange, WEEKDAYS } from './scheduling.types';
import { parseTimeOfDay } from './time-range';

/** A session time on a schedule: UTC instants, and the schedule-local date it belongs to. */
export interface Slot {
  start: string;
  end: string;
  /** YYYY-MM-DD in the schedule's zone: the day whose stream holds the slot's bookings. */
  date: string;
  /** `start` and `end` in epoch ms: a listing compares thousands of slots, and parsing was a large share of it. */
  startMs: number;
  endMs: number;
}

type Timing = Pick<SessionTypeFields, 'durationMinutes' | 'bufferMinutes'>;

/** The hours of one local date: its override if it has one, else its weekday's hours. */
export function hoursOn(schedule: Pick<ScheduleFields, 'weeklyHours' | 'overrides'>, date: string): TimeRange[] {
  const override = schedule.overrides.find((o) => o.date === date);
  if (override) return override.hours;
  const weekday = WEEKDAYS[(new Date(date).getUTCDay() + 6) % 7]; // getUTCDay counts from Sunday, WEEKDAYS from Monday
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
export function slotsOn(schedule: Pick<ScheduleFields, 'timezone' | 'weeklyHours' | 'overrides'>, timing: Timing, date: string): readonly Slot[] {
  const hours = hoursOn(schedule, date);
  const key = `${schedule.timezone} ${timing.durationMinutes} ${timing.bufferMinutes} ${date} ${JSON.stringify(hours)}`;
  let grid = grids.get(key);
  if (!grid) {
    grid = Object.freeze(gridOf(schedule.timezone, timing, date, hours).map((slot) => Object.freeze(slot)));
    // An empty grid (a closed day) is an entry too: it counts as one, or closed days could grow the cache without bound.
    const weight = Math.max(1, grid.length);
    if (keptSlots + weight > MAX_KEPT_SLOTS) {
      grids.clear();
      keptSlots = 0;
    }
    grids.set(key, grid);
    keptSlots += weight;
  }
  return grid;
}

/**
 * Grids already computed, by zone, timing, date and that date's hours: everything `slotsOn` depends on,
 * so an entry is never stale. A slot listing asks for the same four weeks again and again, and luxon's
 * zone arithmetic was a fifth of its CPU (issue 15 profile). Entries are frozen: callers share them.
 * Bounded by the slots kept, an empty grid counting as one (measured: about 200 bytes a slot and 260 an
 * empty grid, so 20–30 MB at most); when full, it starts over.
 */
const grids = new Map<string, readonly Slot[]>();
const MAX_KEPT_SLOTS = 100_000;
let keptSlots = 0;

function gridOf(zone: string, timing: Timing, date: string, hours: TimeRange[]): Slot[] {
  // The first instant of each local date (not always 00:00: some zones skip midnight when clocks go forward).
  const dayStart = DateTime.fromISO(date, { zone }).startOf('day');
  const nextDayStart = DateTime.fromISO(DateTime.fromISO(date, { zone: 'utc' }).plus({ days: 1 }).toISODate()!, { zone }).startOf('day');
  const dayStartMs = dayStart.toMillis();
  const nextDayStartMs = nextDayStart.toMillis();
  // Most days have no clock change: wall minutes are then elapsed minutes since midnight, and luxon
  // (slow per call) is only needed on the few days whose offset changes.
  const steadyDay = dayStart.hour === 0 && dayStart.minute === 0 && nextDayStartMs - dayStartMs === 86_400_000 && dayStart.offset === nextDayStart.offset;
  const toInstant = (minute: number): number | null => {
    if (steadyDay) return dayStartMs + minute * 60_000;
    const local = wallTime(dayStart, minute);
    return local.hour * 60 + local.minute === minute && local.day === dayStart.day ? local.toMillis() : null; // null: skipped by DST
  };
  const duration = timing.durationMinutes * 60_000;
  const buffer = timing.bufferMinutes * 60_000;
  const step = timing.durationMinutes + timing.bufferMinutes;
  const slots: Slot[] = [];
  const seen = new Set<number>();
  for (const range of hours) {
    const from = parseTimeOfDay(range.start);
    const to = parseTimeOfDay(range.end);
    const rangeEnd = to === 1440 ? nextDayStartMs : steadyDay ? dayStartMs + to * 60_000 : wallTime(dayStart, to).toMillis();
    for (let minute = from; minute + timing.durationMinutes <= to; minute += step) {
      const start = toInstant(minute);
      if (start === null || seen.has(start)) continue;
      const end = start + duration;
      if (end > rangeEnd || start - buffer < dayStartMs || end + buffer > nextDayStartMs) continue;
      seen.add(start);
      slots.push({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), date, startMs: start, endMs: end });
    }
  }
  return slots.sort((a, b) => a.startMs - b.startMs);
}

/** Local wall-clock time `minute` minutes after midnight on `day` (luxon moves a skipped time forward). */
function wallTime(day: DateTime, minute: number): DateTime {
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 });
}

/** Local dates from `from` to `to` inclusive (YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  const first = Date.parse(from); // a YYYY-MM-DD date is read as UTC midnight
  if (Number.isNaN(first)) return dates;
  for (let day = first, date = from; date <= to; day += 86_400_000, date = new Date(day).toISOString().slice(0, 10)) dates.push(date);
  return dates;
}

/** The schedule-local date an instant falls on. */
export function localDateOf(instant: string, zone: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toISODate()!;
}
