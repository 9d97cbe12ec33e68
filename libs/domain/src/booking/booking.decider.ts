import { Evolver } from '../shared/decider';
import { OfferingState } from '../offering/offering.decider';
import { isVisibleTo } from '../offering/offering.events';
import { BookingLimits, decidePackage, isExpiredAt, liveSessions, normaliseInstant, PackageState } from '../package/package.decider';
import { localDateOf } from '../scheduling/slots';
import { ForfeitCause, PackageEvent } from '../package/package.events';
import { DomainError } from '../shared/domain-error';
import { DecisionContext } from '../shared/event';
import { BookingCreditRule, BookingEvent, BookingRef, BookingStatus, CreditDecision, PastSessionRecord } from './booking.events';
import {
  BookingTarget,
  BusyInterval,
  decideReleaseSlot,
  decideReserveSlot,
  evolveScheduleDay,
  ScheduleDayEvent,
  ScheduleDayState,
} from './schedule-day';

/**
 * A booking reserves a seat in a schedule's day and redeems a credit of a package in one atomic
 * append over three streams: `booking-{id}`, the schedule day and the package. The functions here
 * are pure: given the streams' states they return each stream's new events, or throw a DomainError.
 */
export type BookingState =
  | { exists: false }
  | (BookingRef & { exists: true; status: BookingStatus; start: string; end: string; date: string; credit: CreditDecision | null });
export const initialBookingState: BookingState = { exists: false };

export function evolveBooking(state: BookingState, event: BookingEvent): BookingState {
  switch (event.type) {
    case 'BookingPlaced':
      return { exists: true, ...event.data, status: 'booked', credit: null };
    case 'BookingRescheduled':
      return state.exists ? { ...state, scheduleId: event.data.scheduleId, start: event.data.start, end: event.data.end, date: event.data.date } : state;
    case 'BookingCancelled':
      return state.exists ? { ...state, status: 'cancelled', credit: creditOf(event.data) } : state;
    case 'AttendanceMarked':
      return state.exists ? { ...state, status: event.data.attendance, credit: creditOf(event.data) } : state;
  }
}

const creditOf = ({ creditOutcome, rule }: CreditDecision): CreditDecision => ({ creditOutcome, rule });

/** What the booking flow knows about the client (from the client directory). */
export interface BookingClient {
  clientId: string;
  groups: string[];
  /** The client's zone (weekly caps count weeks there); null = the tenant's. */
  timezone: string | null;
}

export interface BookingDecision {
  booking: BookingEvent[];
  /** Keyed by schedule-day (`${scheduleId}/${date}`): a reschedule touches two. */
  days: Record<string, ScheduleDayEvent[]>;
  package: PackageEvent[];
}

/** Why a package cannot be used for this session, or null if it can (ignoring credits and dates). */
export function packageMismatch(pkg: PackageState, offering: OfferingState, target: BookingTarget, client: BookingClient): DomainError | null {
  const refuse = (message: string) => new DomainError('package_not_usable', message);
  if (!pkg.exists) return new DomainError('package_not_found', 'Package not found.');
  if (pkg.clientId !== client.clientId) return refuse('The package belongs to another client.');
  if (!offering.exists) return refuse('The package’s offering no longer exists.');
  if (offering.deleted) return refuse('The package’s offering was deleted.');
  if (offering.scheduleId !== null && offering.scheduleId !== target.scheduleId) return refuse('The package books another schedule.');
  if (offering.sessionTypeIds.length > 0 && !offering.sessionTypeIds.includes(target.sessionTypeId)) return refuse('The package does not include this session type.');
  if (!isVisibleTo(offering.visibility, client.groups)) {
    return new DomainError('offering_not_visible', 'The package’s offering is only for members of its groups, and this client is in none of them.');
  }
  return null;
}

/**
 * The booking rules of the package's offering. The weekly cap counts the client's sessions of the
 * offering across all their packages of it: `otherPackages` are the client's other packages (any
 * offering; those of another offering or client are ignored).
 */
function limitsOf(
  offering: Extract<OfferingState, { exists: true }>,
  pkg: Extract<PackageState, { exists: true }>,
  otherPackages: PackageState[],
  client: BookingClient,
  ctx: DecisionContext,
): BookingLimits {
  const otherSessions = otherPackages
    .filter((other) => other.exists && other.packageId !== pkg.packageId && other.offeringId === pkg.offeringId && other.clientId === pkg.clientId)
    .flatMap(liveSessions);
  return { offeringSessionCount: offering.sessionCount, maxSessionsPerWeek: offering.maxSessionsPerWeek, timezone: client.timezone ?? ctx.timezone, otherSessions };
}

export interface PlaceBookingInput {
  booking: BookingState;
  day: ScheduleDayState;
  pkg: PackageState;
  offering: OfferingState;
  target: BookingTarget;
  client: BookingClient;
  /** The client's other packages: those of the same offering count against its weekly cap. */
  otherPackages: PackageState[];
  /** The host's busy times around the start (external calendars, ADR 0026): an overlapping session is refused `slot_busy`. */
  busy?: readonly BusyInterval[];
}

export function placeBooking(input: PlaceBookingInput, command: { bookingId: string; start: string }, ctx: DecisionContext): BookingDecision {
  return place(input, command, null, ctx);
}

/**
 * Staff record a session that already took place (nobody booked it): it is booked and marked
 * attended at once, takes a credit like any booking, and the BookingPlaced event says who recorded
 * it and when. Seat rules that make sense for the past hold: an offered slot of the schedule, seats
 * (capacity) and overlaps with other sessions; lead times, today's active flags and the daily cap
 * do not (see checkSlot).
 */
export function recordPastSession(input: PlaceBookingInput, command: { bookingId: string; start: string; recordedBy: string }, ctx: DecisionContext): BookingDecision {
  const start = normaliseInstant(command.start, 'start');
  if (Date.parse(start) >= Date.parse(ctx.now)) {
    throw new DomainError('session_not_in_past', 'Only a session that has already started can be recorded after the fact; book it instead.');
  }
  const decision = place(input, { bookingId: command.bookingId, start }, { recordedBy: command.recordedBy, recordedAt: ctx.now }, ctx);
  const placed = decision.booking[0].data;
  const { start: _, end: _end, date: _date, pastSession: _past, ...ref } = placed as Extract<BookingEvent, { type: 'BookingPlaced' }>['data'];
  decision.booking.push({ type: 'AttendanceMarked', data: { ...ref, creditOutcome: 'used', rule: 'attended', start: placed.start, attendance: 'attended' } });
  return decision;
}

function place(input: PlaceBookingInput, command: { bookingId: string; start: string }, pastSession: PastSessionRecord | null, ctx: DecisionContext): BookingDecision {
  if (input.booking.exists) throw new DomainError('booking_already_exists', 'This booking already exists.');
  const start = normaliseInstant(command.start, 'start');
  const dayEvents = decideReserveSlot({ type: 'ReserveSlot', bookingId: command.bookingId, start }, input.day, input.target, ctx.now, { past: pastSession !== null, busy: input.busy });
  const slot = dayEvents[0].data;
  const packageEvents = redeemFor(input, command.bookingId, slot.start, ctx);
  const pkg = input.pkg as Extract<PackageState, { exists: true }>;
  const ref: BookingRef = {
    bookingId: command.bookingId,
    clientId: input.client.clientId,
    packageId: pkg.packageId,
    offeringId: pkg.offeringId,
    scheduleId: input.target.scheduleId,
    sessionTypeId: input.target.sessionTypeId,
  };
  return {
    booking: [{ type: 'BookingPlaced', data: { ...ref, start: slot.start, end: slot.end, date: slot.date, pastSession } }],
    days: { [`${slot.scheduleId}/${slot.date}`]: dayEvents },
    package: packageEvents,
  };
}

function redeemFor(input: Omit<PlaceBookingInput, 'booking' | 'day'>, bookingId: string, sessionAt: string, ctx: DecisionContext): PackageEvent[] {
  const mismatch = packageMismatch(input.pkg, input.offering, input.target, input.client);
  if (mismatch) throw mismatch;
  const offering = input.offering as Extract<OfferingState, { exists: true }>;
  const pkg = input.pkg as Extract<PackageState, { exists: true }>;
  return decidePackage(
    { type: 'RedeemForBooking', bookingId, serviceId: input.target.sessionTypeId, sessionAt, limits: limitsOf(offering, pkg, input.otherPackages, input.client, ctx) },
    pkg,
    ctx,
  );
}

/**
 * How far a package got towards being usable, by the refusal it met (later checks = closer): when
 * no package fits, the refusal of the package that came closest is the real reason.
 */
const REFUSAL_DEPTH = [
  'package_not_found',
  'package_not_usable',
  'offering_not_visible',
  'package_refunded',
  'package_charged_back',
  'package_expired',
  'package_frozen',
  'redemption_already_exists',
  'no_credits_left',
  'session_after_expiry',
  'booking_limit_reached',
  'weekly_limit_reached',
];
const depthOf = (error: DomainError) => REFUSAL_DEPTH.indexOf(error.code);

/**
 * The package a booking uses when none is named: among the client's packages that are valid for the
 * session (service, schedule, visibility, credits, dates, caps), the one expiring first; packages
 * without expiry last, then the oldest purchase. `candidates` are all the client's packages (the
 * weekly cap counts their sessions). None fits: the refusal of the package that came closest
 * (e.g. `weekly_limit_reached`, `package_expired`, `offering_not_visible`); `no_usable_package` only
 * when no package is for this session at all.
 */
export function choosePackage(
  candidates: { pkg: PackageState; offering: OfferingState }[],
  rest: { target: BookingTarget; client: BookingClient },
  sessionAt: string,
  bookingId: string,
  ctx: DecisionContext,
): number {
  const order = candidates
    .map((candidate, index) => ({ candidate, index }))
    .filter(({ candidate }) => candidate.pkg.exists)
    .sort((a, b) => expiryOrder(a.candidate.pkg) - expiryOrder(b.candidate.pkg) || purchaseOrder(a.candidate.pkg) - purchaseOrder(b.candidate.pkg));
  const otherPackages = candidates.map((c) => c.pkg);
  let closest: DomainError | null = null;
  for (const { candidate, index } of order) {
    try {
      redeemFor({ ...rest, ...candidate, otherPackages }, bookingId, sessionAt, ctx);
      return index;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (closest === null || depthOf(error) > depthOf(closest)) closest = error;
    }
  }
  if (closest && depthOf(closest) > depthOf(new DomainError('package_not_usable', ''))) throw closest;
  throw new DomainError('no_usable_package', 'The client has no package valid for this session (its service, schedule and client).');
}

const expiryOrder = (pkg: PackageState) => (pkg.exists && pkg.expiresAt ? Date.parse(pkg.expiresAt) : Number.MAX_SAFE_INTEGER);
const purchaseOrder = (pkg: PackageState) => (pkg.exists ? Date.parse(pkg.purchasedAt) : 0);

function openBooking(booking: BookingState): Extract<BookingState, { exists: true }> {
  if (!booking.exists) throw new DomainError('booking_not_found', 'Booking not found.');
  if (booking.status === 'cancelled') throw new DomainError('booking_cancelled', 'This booking was cancelled.');
  if (booking.status !== 'booked') throw new DomainError('attendance_already_marked', `Attendance was already marked (${booking.status}).`);
  return booking;
}

const HOUR = 3_600_000;

export interface ChangeBookingInput {
  booking: BookingState;
  day: ScheduleDayState;
  pkg: PackageState;
  offering: OfferingState;
}

/**
 * Cancelling at least the offering's notice window before the session returns the credit; later,
 * the offering's late-cancellation policy decides. `by: 'business'` (the business cancels) and
 * `'offering_deleted'` always return it.
 */
export function cancelBooking(
  input: ChangeBookingInput,
  command: { reason: string | null; by: 'client' | 'business' | 'offering_deleted' },
  ctx: DecisionContext,
): BookingDecision {
  const booking = openBooking(input.booking);
  if (Date.parse(ctx.now) >= Date.parse(booking.start)) {
    throw new DomainError('session_already_started', 'The session has started: mark attendance (attended or no-show) instead.');
  }
  const policy = policyOf(input.offering);
  const late = Date.parse(booking.start) - Date.parse(ctx.now) < policy.noticeHours * HOUR;
  const rule: BookingCreditRule =
    command.by === 'offering_deleted'
      ? 'offering_deleted'
      : command.by === 'business'
        ? 'cancelled_by_business'
        : !late
          ? 'cancelled_within_notice'
          : policy.lateCancellation === 'return'
            ? 'late_cancellation_returns'
            : 'late_cancellation_forfeits';
  const credit = settleCredit(input.pkg, booking.bookingId, rule, late ? 'late_cancellation' : 'cancellation', command.reason ?? 'Booking cancelled', ctx);
  return {
    booking: [{ type: 'BookingCancelled', data: { ...refOf(booking), ...credit.decision, start: booking.start, late, noticeHours: policy.noticeHours, reason: command.reason } }],
    days: { [`${booking.scheduleId}/${booking.date}`]: decideReleaseSlot(booking.bookingId, 'cancelled', input.day, booking.scheduleId, booking.date) },
    package: credit.events,
  };
}

/** Staff marks attendance once the session has started; a no-show follows the offering's policy. */
export function markAttendance(
  input: Omit<ChangeBookingInput, 'day'>,
  command: { attendance: 'attended' | 'no_show' },
  ctx: DecisionContext,
): BookingDecision {
  const booking = openBooking(input.booking);
  if (Date.parse(ctx.now) < Date.parse(booking.start)) throw new DomainError('session_not_started', 'Attendance can be marked once the session has started.');
  const credit: { decision: CreditDecision; events: PackageEvent[] } =
    command.attendance === 'attended'
      ? { decision: { creditOutcome: 'used', rule: 'attended' }, events: [] }
      : settleCredit(input.pkg, booking.bookingId, policyOf(input.offering).noShow === 'return' ? 'no_show_returns' : 'no_show_forfeits', 'no_show', 'No-show', ctx);
  return {
    booking: [{ type: 'AttendanceMarked', data: { ...refOf(booking), ...credit.decision, start: booking.start, attendance: command.attendance } }],
    days: {},
    package: credit.events,
  };
}

export interface RescheduleInput extends ChangeBookingInput {
  /** The day of the new time (the same state as `day` when both are the same local date). */
  newDay: ScheduleDayState;
  target: BookingTarget;
  client: BookingClient;
  /** The client's other packages: those of the same offering count against its weekly cap. */
  otherPackages: PackageState[];
  /** The host's busy times around the new start (external calendars): an overlapping session is refused `slot_busy`. */
  busy?: readonly BusyInterval[];
}

/** Moves a booking to another offered time, allowed until the notice window; the credit stays redeemed. */
export function rescheduleBooking(input: RescheduleInput, command: { start: string }, ctx: DecisionContext): BookingDecision {
  const booking = openBooking(input.booking);
  const start = normaliseInstant(command.start, 'start');
  const policy = policyOf(input.offering);
  if (Date.parse(ctx.now) >= Date.parse(booking.start)) {
    throw new DomainError('session_already_started', 'The session has started: mark attendance (attended or no-show) instead.');
  }
  if (Date.parse(booking.start) - Date.parse(ctx.now) < policy.noticeHours * HOUR) {
    throw new DomainError('reschedule_too_late', `A booking can be moved until ${policy.noticeHours} h before the session.`);
  }
  if (start === booking.start && input.target.scheduleId === booking.scheduleId) {
    throw new DomainError('same_time', 'The booking is already at that time.');
  }
  const mismatch = packageMismatch(input.pkg, input.offering, input.target, input.client);
  if (mismatch) throw mismatch.code === 'package_not_found' ? new DomainError('package_not_usable', mismatch.message) : mismatch;

  const oldKey = `${booking.scheduleId}/${booking.date}`;
  const released = decideReleaseSlot(booking.bookingId, 'rescheduled', input.day, booking.scheduleId, booking.date);
  const sameDayStream = (slotKey: string) => slotKey === oldKey;
  // Reserve against the new day as it will be after the release when both are one stream.
  const probeKey = (start: string) => `${input.target.scheduleId}/${localDateOf(start, input.target.schedule.timezone)}`;
  const newDayBefore = sameDayStream(probeKey(start)) ? released.reduce(evolveScheduleDay, input.day) : input.newDay;
  const reserved = decideReserveSlot({ type: 'ReserveSlot', bookingId: booking.bookingId, start }, newDayBefore, input.target, ctx.now, { busy: input.busy });
  const slot = reserved[0].data;
  const newKey = `${slot.scheduleId}/${slot.date}`;
  const offering = input.offering as Extract<OfferingState, { exists: true }>;
  const pkg = input.pkg as Extract<PackageState, { exists: true }>;
  const packageEvents = decidePackage(
    { type: 'RescheduleBookedSession', bookingId: booking.bookingId, sessionAt: slot.start, limits: limitsOf(offering, pkg, input.otherPackages, input.client, ctx) },
    pkg,
    ctx,
  );
  const days: Record<string, ScheduleDayEvent[]> = newKey === oldKey ? { [oldKey]: [...released, ...reserved] } : { [oldKey]: released, [newKey]: reserved };
  return {
    booking: [
      {
        type: 'BookingRescheduled',
        data: {
          ...refOf(booking),
          scheduleId: slot.scheduleId,
          previousScheduleId: booking.scheduleId,
          previousStart: booking.start,
          previousEnd: booking.end,
          previousDate: booking.date,
          start: slot.start,
          end: slot.end,
          date: slot.date,
        },
      },
    ],
    days,
    package: packageEvents,
  };
}

/**
 * Returns or forfeits a booked credit by `rule`. A closed package (expired, refunded) keeps it: the
 * credit stays used, recorded as forfeited (rule package_closed) so the session that will not take
 * place is final on the package too (accounting on the delivery basis earns it then).
 */
function settleCredit(
  pkg: PackageState,
  bookingId: string,
  rule: BookingCreditRule,
  cause: ForfeitCause,
  reason: string,
  ctx: DecisionContext,
): { decision: CreditDecision; events: PackageEvent[] } {
  if (!pkg.exists) return { decision: { creditOutcome: 'kept', rule: 'package_closed' }, events: [] };
  if (pkg.lifecycle === 'refunded' || isExpiredAt(pkg, ctx.now)) {
    return { decision: { creditOutcome: 'kept', rule: 'package_closed' }, events: decidePackage({ type: 'ForfeitBookedCredit', bookingId, cause, rule: 'package_closed' }, pkg, ctx) };
  }
  if (rule === 'late_cancellation_forfeits' || rule === 'no_show_forfeits') {
    return { decision: { creditOutcome: 'forfeited', rule }, events: decidePackage({ type: 'ForfeitBookedCredit', bookingId, cause, rule }, pkg, ctx) };
  }
  return { decision: { creditOutcome: 'returned', rule }, events: decidePackage({ type: 'ReturnBookedCredit', bookingId, rule, reason }, pkg, ctx) };
}

function policyOf(offering: OfferingState) {
  return offering.exists ? offering.cancellationPolicy : { noticeHours: 0, lateCancellation: 'return' as const, noShow: 'return' as const };
}

function refOf(booking: Extract<BookingState, { exists: true }>): BookingRef {
  const { bookingId, clientId, packageId, offeringId, scheduleId, sessionTypeId } = booking;
  return { bookingId, clientId, packageId, offeringId, scheduleId, sessionTypeId };
}


export const bookingStreamId = (bookingId: string) => `booking-${bookingId}`;

/**
 * The `booking-{id}` stream's state. Its commands decide over three streams at once (booking, schedule
 * day, package): placeBooking, cancelBooking, rescheduleBooking and markAttendance above.
 */
export const bookingDecider: Evolver<BookingState, BookingEvent> = { initialState: initialBookingState, evolve: evolveBooking };
