import { TimeRange } from './scheduling.types';

/** Minutes in a local day on the wall clock ("24:00" is its end). */
export const MINUTES_PER_DAY = 24 * 60;

// Exactly two digits each: "9:00", "09:00:00" or " 09:00" are refused rather than guessed at.
const TIME_OF_DAY = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/**
 * Minutes since local midnight of a wall-clock time "HH:mm": "00:00" → 0, "09:30" → 570, "23:59" → 1439,
 * and "24:00" → 1440 (the end of the day, valid only as a range's end). Throws a RangeError for anything
 * else, so a bad value can never turn into NaN inside a slot computation.
 */
export function parseTimeOfDay(value: string): number {
  const minutes = tryParseTimeOfDay(value);
  if (minutes === null) throw new RangeError(`Not a time of day "HH:mm" (00:00 to 24:00): ${JSON.stringify(value)}`);
  return minutes;
}

/** Like parseTimeOfDay, for validation: null instead of an exception, and any input type. */
export function tryParseTimeOfDay(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = TIME_OF_DAY.exec(value);
  if (!match) return null;
  const hours = Number(match[1] ?? match[3]);
  const minutes = Number(match[2] ?? match[4]);
  return hours * 60 + minutes;
}

/** The inverse of parseTimeOfDay: 570 → "09:30", 1440 → "24:00". */
export function formatTimeOfDay(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > MINUTES_PER_DAY) {
    throw new RangeError(`Not a number of minutes within a day (0 to ${MINUTES_PER_DAY}): ${minutes}`);
  }
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A range as minutes since midnight, [start, end): a session may end exactly at `end`. */
export function timeRangeMinutes(range: TimeRange): { start: number; end: number } {
  return { start: parseTimeOfDay(range.start), end: parseTimeOfDay(range.end) };
}

/**
 * Why one day's ranges are not usable, or null when they are: each "HH:mm" to "HH:mm"/"24:00" with the
 * end after the start, at most `maxRanges`, and no two overlapping (one may end where the next starts).
 * The order they are given in does not matter.
 */
export function timeRangesProblem(ranges: unknown, maxRanges: number): string | null {
  if (!Array.isArray(ranges)) return 'must be a list of time ranges';
  if (ranges.length > maxRanges) return `must hold at most ${maxRanges} time ranges`;
  const parsed: { start: number; end: number; label: string }[] = [];
  for (const range of ranges) {
    if (range === null || typeof range !== 'object' || Object.keys(range).sort().join() !== 'end,start') {
      return 'must hold only {start, end} time ranges';
    }
    const { start, end } = range as Record<string, unknown>;
    const startMinutes = tryParseTimeOfDay(start);
    const endMinutes = tryParseTimeOfDay(end);
    if (startMinutes === null || startMinutes === MINUTES_PER_DAY) return `has a start that is not a time from 00:00 to 23:59: ${JSON.stringify(start)}`;
    if (endMinutes === null) return `has an end that is not a time from 00:00 to 24:00: ${JSON.stringify(end)}`;
    if (endMinutes <= startMinutes) return `has a range that does not end after it starts: ${start}-${end}`;
    parsed.push({ start: startMinutes, end: endMinutes, label: `${start}-${end}` });
  }
  parsed.sort((a, b) => a.start - b.start);
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].start < parsed[i - 1].end) return `has overlapping ranges: ${parsed[i - 1].label} and ${parsed[i].label}`;
  }
  return null;
}
