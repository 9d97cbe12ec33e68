import { Evolver } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { CatalogStatus, ScheduleFields, SessionTypeFields } from '../scheduling/scheduling.types';
import { localDateOf, Slot, slotsOn } from '../scheduling/slots';

/**
 * One schedule's bookings on one local date: stream `schedule-{scheduleId}-day-{date}`.
 * Capacity, overlaps, buffers and the per-day cap are decided here, by a stream, so two bookings
 * of the last seat conflict on the stream version and exactly one wins.
 */
export interface Reservation {
  bookingId: string;
  sessionTypeId: string;
  start: string;
  end: string;
  bufferMinutes: number;
  capacity: number;
}

export type SlotReserved = { type: 'SlotReserved'; data: Reservation & { scheduleId: string; date: string } };
export type SlotReleased = {
  type: 'SlotReleased';
  data: { scheduleId: string; date: string; bookingId: string; reason: 'cancelled' | 'rescheduled' };
};
export type ScheduleDayEvent = SlotReserved | SlotReleased;

const HOUR = 3_600_000;

export interface ScheduleDayState {
  reservations: Reservation[];
}
export const initialScheduleDayState: ScheduleDayState = { reservations: [] };

export function evolveScheduleDay(state: ScheduleDayState, event: ScheduleDayEvent): ScheduleDayState {
  switch (event.type) {
    case 'SlotReserved': {
      const { scheduleId: _s, date: _d, ...reservation } = event.data;
      return { reservations: [...state.reservations, reservation] };
    }
    case 'SlotReleased':
      return { reservations: state.reservations.filter((r) => r.bookingId !== event.data.bookingId) };
  }
}

export const scheduleDayStreamId = (scheduleId: string, date: string) => `schedule-${scheduleId}-day-${date}`;

/** What booking needs to know about the schedule and session type (their current configuration). */
export interface BookingTarget {
  scheduleId: string;
  schedule: ScheduleFields;
  sessionTypeId: string;
  sessionType: SessionTypeFields & { status: CatalogStatus };
}

export type SlotRefusal =
  | 'schedule_inactive'
  | 'session_type_not_bookable'
  | 'session_type_not_on_schedule'
  | 'slot_not_offered'
  | 'too_late_to_book'
  | 'too_far_ahead'
  | 'slot_full'
  | 'slot_unavailable'
  | 'slot_busy'
  | 'daily_limit_reached';

export const SLOT_REFUSAL_MESSAGES: Record<SlotRefusal, string> = {
  schedule_inactive: 'The schedule is not active.',
  session_type_not_bookable: 'The session type is not active.',
  session_type_not_on_schedule: 'The session type is not offered on this schedule.',
  slot_not_offered: 'The schedule does not offer this session type at that time.',
  too_late_to_book: 'The session starts too soon to be booked (minimum lead time).',
  too_far_ahead: 'The session is too far ahead to be booked (maximum lead time).',
  slot_full: 'Every seat of this session is taken.',
  slot_unavailable: 'The schedule is busy at that time (another session or its buffer).',
  slot_busy: 'The host is busy at that time (an event in one of the schedule’s external calendars).',
  daily_limit_reached: 'The schedule has reached its maximum sessions of this type for that day.',
};

/** A time the host is busy elsewhere (an external calendar's event, ADR 0026): half-open [start, end). */
export interface BusyInterval {
  start: string;
  end: string;
}

export interface SlotCheckOptions {
  /** A session that already took place, recorded after the fact (see checkSlot). */
  past?: boolean;
  /**
   * The host's busy times around the slot (external calendars). A slot whose session overlaps one is
   * refused `slot_busy`, except a past session recorded after the fact (it happened).
   */
  busy?: readonly BusyInterval[];
}

export type SlotCheck = { seatsLeft: number } | { refusal: SlotRefusal };

/**
 * Seats left in `slot` given the day's reservations, or why it cannot be booked. Pure: `now` is passed in.
 * `past`: a session that already took place, recorded after the fact: only the seat rules that make
 * sense for the past hold (the session type on the schedule, capacity, overlaps); today's active
 * flags, lead times, the daily cap and the host's busy times do not.
 * `busy`: the host's busy times from external calendars; an overlapping session is `slot_busy`.
 */
export function checkSlot(target: BookingTarget, slot: Slot, day: ScheduleDayState, now: string, options: SlotCheckOptions = {}): SlotCheck {
  return slotChecker(target, day, now, options)(slot);
}

/**
 * `checkSlot` for many slots of one day and session type: the day's reservations and the busy times
 * are read into numbers once, so each slot costs a few comparisons (a slot listing checks every slot
 * of four weeks). The only implementation of the rules: `checkSlot` is one call of it.
 */
export function slotChecker(target: BookingTarget, day: ScheduleDayState, now: string, options: SlotCheckOptions = {}): (slot: Slot) => SlotCheck {
  const { schedule, sessionType, sessionTypeId } = target;
  const past = options.past === true;
  const refuseAll = (refusal: SlotRefusal) => () => ({ refusal });
  if (!past && !schedule.active) return refuseAll('schedule_inactive');
  if (!past && sessionType.status !== 'active') return refuseAll('session_type_not_bookable');
  if (!schedule.sessionTypeIds.includes(sessionTypeId)) return refuseAll('session_type_not_on_schedule');
  const nowMs = Date.parse(now);
  const earliest = Math.max(nowMs + 1, nowMs + sessionType.minLeadHours * HOUR); // a start at or before now is too late
  const latest = sessionType.maxLeadDays === null ? Infinity : nowMs + sessionType.maxLeadDays * 24 * HOUR; // lead days are 24-hour periods
  const busy = (options.busy ?? []).map((b) => [Date.parse(b.start), Date.parse(b.end)] as const);
  const reservations = day.reservations.map((r) => ({
    ofThisType: r.sessionTypeId === sessionTypeId,
    start: r.start,
    end: r.end,
    startMs: Date.parse(r.start),
    endMs: Date.parse(r.end),
    gap: Math.max(r.bufferMinutes, sessionType.bufferMinutes) * 60_000,
  }));
  // The cap counts sessions of this type, not bookings: a group session with three bookings is one.
  const sessionsThatDay = new Set(reservations.filter((r) => r.ofThisType).map((r) => r.start)).size;
  const dailyLimitReached = !past && sessionType.maxSessionsPerDay !== null && sessionsThatDay >= sessionType.maxSessionsPerDay;

  return (slot) => {
    const { startMs: start, endMs: end } = slot;
    if (!past) {
      if (start < earliest) return { refusal: 'too_late_to_book' };
      if (start > latest) return { refusal: 'too_far_ahead' };
      if (busy.some(([from, to]) => from < end && start < to)) return { refusal: 'slot_busy' };
    }
    let seatsTaken = 0;
    let clashes = false;
    for (const r of reservations) {
      if (r.ofThisType && r.start === slot.start && r.end === slot.end) seatsTaken++;
      else if (start < r.endMs + r.gap && r.startMs < end + r.gap) clashes = true;
    }
    if (seatsTaken >= sessionType.capacity) return { refusal: 'slot_full' };
    if (clashes) return { refusal: 'slot_unavailable' };
    // Joining a session that already has a booking is not a new session.
    if (seatsTaken === 0 && dailyLimitReached) return { refusal: 'daily_limit_reached' };
    return { seatsLeft: sessionType.capacity - seatsTaken };
  };
}

/** The offered slot starting at `start`, if the schedule offers one on that local date. */
export function findOfferedSlot(target: BookingTarget, start: string): Slot | null {
  const date = localDateOf(start, target.schedule.timezone);
  return slotsOn(target.schedule, target.sessionType, date).find((slot) => slot.start === start) ?? null;
}

export type ReserveSlot = { type: 'ReserveSlot'; bookingId: string; start: string };

export function decideReserveSlot(command: ReserveSlot, day: ScheduleDayState, target: BookingTarget, now: string, options: SlotCheckOptions = {}): SlotReserved[] {
  if (day.reservations.some((r) => r.bookingId === command.bookingId)) {
    throw new DomainError('booking_already_exists', 'This booking already holds a slot.');
  }
  const slot = findOfferedSlot(target, command.start);
  if (!slot) throw new DomainError('slot_not_offered', SLOT_REFUSAL_MESSAGES.slot_not_offered);
  const check = checkSlot(target, slot, day, now, options);
  if ('refusal' in check) throw new DomainError(check.refusal, SLOT_REFUSAL_MESSAGES[check.refusal]);
  return [
    {
      type: 'SlotReserved',
      data: {
        scheduleId: target.scheduleId,
        date: slot.date,
        bookingId: command.bookingId,
        sessionTypeId: target.sessionTypeId,
        start: slot.start,
        end: slot.end,
        bufferMinutes: target.sessionType.bufferMinutes,
        capacity: target.sessionType.capacity,
      },
    },
  ];
}

export function decideReleaseSlot(bookingId: string, reason: SlotReleased['data']['reason'], day: ScheduleDayState, scheduleId: string, date: string): SlotReleased[] {
  if (!day.reservations.some((r) => r.bookingId === bookingId)) return [];
  return [{ type: 'SlotReleased', data: { scheduleId, date, bookingId, reason } }];
}

/** The schedule-day stream's state: its seats. Decided by decideReserveSlot and decideReleaseSlot, within a booking. */
export const scheduleDayDecider: Evolver<ScheduleDayState, ScheduleDayEvent> = { initialState: initialScheduleDayState, evolve: evolveScheduleDay };
