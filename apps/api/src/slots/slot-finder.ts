import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { DateTime, IANAZone } from 'luxon';
import { BookingTarget, datesBetween, scheduleDecider, ScheduleState, scheduleStreamId, sessionTypeDecider, sessionTypeStreamId, slotChecker, slotsOn } from '@punchcard/domain';
import { ReadStore } from '@punchcard/read-store';
import { MAX_SLOT_RANGE_DAYS } from './slots.dto';
import { BusyIntervalsQuery } from '../busy-calendars';
import { ApiError } from '../http/problem';
import { SCHEDULE_DAYS, scheduleDayDocumentId, ScheduleDayDocument } from '@punchcard/projections';
import { Clock, CLOCK, READ_STORE } from '../tokens';
import { StreamExecutor } from '../write-side/stream-executor';

export interface AvailableSlot {
  scheduleId: string;
  sessionTypeId: string;
  start: string;
  end: string;
  /** Start and end in the viewer's zone, with offset. */
  localStart: string;
  localEnd: string;
  seatsLeft: number;
  capacity: number;
}


/**
 * Bookable slots: the schedule's offered times (hours, overrides, duration, buffer) minus what its
 * bookings, lead times and daily caps rule out, evaluated with the same checks the booking decider
 * uses. Bookings come from the schedule-days read model, so a slot shown free can still be refused
 * at booking time if someone took it a moment earlier (the stream decides).
 */
@Injectable()
export class SlotFinder {
  constructor(
    private readonly streams: StreamExecutor,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly queries: QueryBus,
  ) {}

  async loadSchedule(tenantId: string, scheduleId: string) {
    return (await this.streams.load(scheduleStreamId(scheduleId), tenantId, scheduleDecider)).state;
  }

  async loadSessionType(tenantId: string, sessionTypeId: string) {
    return (await this.streams.load(sessionTypeStreamId(sessionTypeId), tenantId, sessionTypeDecider)).state;
  }

  /** How many slots the schedule offers in the range for session types that can be booked (bookings aside), and how many are free. */
  async count(tenantId: string, schedule: Extract<ScheduleState, { exists: true }>, sessionTypeIds: string[], range: { from: string; to: string; viewerZone: string }) {
    let offered = 0;
    for (const sessionTypeId of sessionTypeIds) {
      const sessionType = await this.loadSessionType(tenantId, sessionTypeId);
      if (!sessionType.exists || sessionType.status !== 'active') continue;
      for (const date of datesBetween(range.from, range.to)) offered += slotsOn(schedule, sessionType, date).length;
    }
    return { offered, free: offered === 0 ? 0 : (await this.find(tenantId, schedule, sessionTypeIds, range)).length };
  }

  private async loadSessionTypes(tenantId: string, sessionTypeIds: string[]) {
    const loaded = [];
    for (const sessionTypeId of sessionTypeIds) loaded.push({ sessionTypeId, sessionType: await this.loadSessionType(tenantId, sessionTypeId) });
    return loaded;
  }

  /** Slots starting within the viewer's local dates `from`..`to` (inclusive) in `viewerZone`. */
  async find(
    tenantId: string,
    schedule: Extract<ScheduleState, { exists: true }>,
    sessionTypeIds: string[],
    range: { from: string; to: string; viewerZone: string },
  ): Promise<AvailableSlot[]> {
    const windowStart = DateTime.fromISO(range.from, { zone: range.viewerZone }).startOf('day');
    const windowEnd = DateTime.fromISO(range.to, { zone: range.viewerZone }).plus({ days: 1 }).startOf('day');
    // The schedule's local dates that overlap the viewer's window (zones can differ by a day either way).
    const dates = datesBetween(windowStart.setZone(schedule.timezone).toISODate()!, windowEnd.setZone(schedule.timezone).toISODate()!);
    // Day documents' ids sort by date within a schedule: the range of ids is served by the primary key
    // (a filter on a document field is not, under row-level security), and ends at the last date.
    const dayBefore = DateTime.fromISO(dates[0], { zone: 'utc' }).minus({ days: 1 }).toISODate()!;
    const dayAfter = DateTime.fromISO(dates.at(-1)!, { zone: 'utc' }).plus({ days: 1 }).toISODate()!;
    // Three independent reads, side by side: a listing waits for one round trip, not three. The session
    // types (up to 100 on a schedule) are loaded one after another, so a listing holds at most three connections.
    const [days, busyIntervals, sessionTypes] = await Promise.all([
      this.readStore.find<ScheduleDayDocument>(SCHEDULE_DAYS, tenantId, {
        where: { scheduleId: schedule.scheduleId },
        idBetween: { from: scheduleDayDocumentId(schedule.scheduleId, dates[0]), to: scheduleDayDocumentId(schedule.scheduleId, dates.at(-1)!) },
        limit: dates.length,
      }),
      // The host's busy times from external calendars (ADR 0026): one indexed query for the listed days
      // (a day either side: rows are filed under the local dates of the zone at their last refresh).
      this.queries.execute(new BusyIntervalsQuery(tenantId, schedule.scheduleId, dayBefore, dayAfter)),
      this.loadSessionTypes(tenantId, sessionTypeIds),
    ]);
    const reservationsOn = new Map(days.map((d) => [d.data.date, d.data]));
    const now = this.clock.now().toISOString();
    const [fromMs, untilMs] = [windowStart.toMillis(), windowEnd.toMillis()];
    const local = localTimeFormatter(range.viewerZone);
    const found: AvailableSlot[] = [];
    for (const { sessionTypeId, sessionType } of sessionTypes) {
      if (!sessionType.exists) continue;
      const target: BookingTarget = { scheduleId: schedule.scheduleId, schedule, sessionTypeId, sessionType };
      for (const date of dates) {
        const grid = slotsOn(schedule, sessionType, date);
        if (grid.length === 0) continue;
        // The same check as booking's, prepared once per day; only the busy times around this day's grid are
        // handed over (compared as text: both are toISOString() instants, whose text order is their time order).
        const [first, last] = [grid[0].start, grid.at(-1)!.end];
        const busyThatDay = busyIntervals.filter((b) => b.start < last && b.end > first);
        const check = slotChecker(target, reservationsOn.get(date) ?? { reservations: [] }, now, { busy: busyThatDay });
        for (const slot of grid) {
          if (slot.startMs < fromMs || slot.startMs >= untilMs) continue;
          const checked = check(slot);
          if (!('seatsLeft' in checked)) continue;
          found.push({
            scheduleId: schedule.scheduleId,
            sessionTypeId,
            start: slot.start,
            end: slot.end,
            localStart: local(slot.start),
            localEnd: local(slot.end),
            seatsLeft: checked.seatsLeft,
            capacity: sessionType.capacity,
          });
        }
      }
    }
    return found.sort((a, b) => compareText(a.start, b.start) || compareText(a.sessionTypeId, b.sessionTypeId));
  }
}

/** Code-point order, which for UTC ISO instants and ids is their order; `localeCompare` (ICU collation) cost a listing's sort several times as much. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `2026-03-08T09:30:00-04:00` for a UTC ISO instant in a zone. A listing formats two per slot, and
 * formatting was its largest per-slot cost (issue 15 profile), so the results are kept by zone and
 * instant: the grid's instants recur in every listing of the schedule. A fact of the zone, never stale.
 */
export function localTimeFormatter(zoneName: string): (instant: string) => string {
  const offsetOf = offsetLookup(zoneName);
  const format = (instant: string) => {
    const ms = Date.parse(instant);
    const offset = offsetOf(ms);
    const sign = offset < 0 ? '-' : '+';
    return `${new Date(ms + offset * 60_000).toISOString().slice(0, 19)}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  };
  const kept = localTimes(zoneName);
  return (instant) => kept(instant, format);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Values computed per zone and key, kept up to `max` in all. When full, every zone starts over and
 * the zones themselves are dropped: a zone name is valid in any letter case, so its spellings are not
 * a bounded set.
 */
function keptPerZone<K, V>(max: number): (zoneName: string) => (key: K, compute: (key: K) => V) => V {
  const zones = new Map<string, Map<K, V>>();
  let kept = 0;
  return (zoneName) => (key, compute) => {
    let known = zones.get(zoneName);
    let value = known?.get(key);
    if (value === undefined) {
      value = compute(key);
      if (kept >= max) {
        zones.clear();
        kept = 0;
        known = undefined;
      }
      if (!known) zones.set(zoneName, (known = new Map()));
      known.set(key, value);
      kept++;
    }
    return value;
  };
}

const localTimes = keptPerZone<string, string>(200_000);

const HOUR_MS = 3_600_000;
/** Offsets (minutes) of zones at whole UTC hours, kept across listings: a fact of the zone, never stale. */
const offsetsAtHours = keptPerZone<number, number>(200_000);

/**
 * A zone's UTC offset at an instant. luxon's `IANAZone.offset` formats the instant with Intl each time,
 * which was a third of a slot listing's CPU (issue 15 profile). The offset at whole UTC hours is
 * computed once. Within an hour whose two ends have the same offset, that offset holds throughout:
 * no zone changes its offset twice within an hour. Otherwise the instant is computed exactly.
 */
export function offsetLookup(zoneName: string): (ms: number) => number {
  const zone = IANAZone.create(zoneName);
  const offsetAt = (hour: number) => zone.offset(hour);
  const kept = offsetsAtHours(zoneName);
  const atHour = (hour: number): number => kept(hour, offsetAt);
  return (ms) => {
    const hour = Math.floor(ms / HOUR_MS) * HOUR_MS;
    const start = atHour(hour);
    if (hour === ms) return start;
    return start === atHour(hour + HOUR_MS) ? start : zone.offset(ms);
  };
}

/** A slot search spans `from`..`to` (local dates), never backwards and at most MAX_SLOT_RANGE_DAYS. */
export function checkSlotRange(query: { from: string; to: string }): void {
  const days = DateTime.fromISO(query.to, { zone: 'utc' }).diff(DateTime.fromISO(query.from, { zone: 'utc' }), 'days').days;
  if (days < 0) throw new ApiError(400, 'validation_failed', 'to must not be before from.');
  if (days > MAX_SLOT_RANGE_DAYS) throw new ApiError(400, 'validation_failed', `A slot search covers at most ${MAX_SLOT_RANGE_DAYS} days.`);
}
