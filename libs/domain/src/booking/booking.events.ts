import { eventGuard, eventTypeSet, SchemaVersions, Upcasters } from '../shared/event';

/** Every booking event names what it touches (opaque ids only: no personal data). */
export interface BookingRef {
  bookingId: string;
  clientId: string;
  packageId: string;
  offeringId: string;
  scheduleId: string;
  sessionTypeId: string;
}

/**
 * What happened to a booked credit, and the rule that decided it (see BOOKING_CREDIT_RULES):
 * `used` (attended), `returned` (RedemptionReversed on the package), `forfeited` (SessionForfeited),
 * `kept` (the package had closed, so nothing could move).
 */
export type CreditDecision = { creditOutcome: 'used' | 'returned' | 'forfeited' | 'kept'; rule: BookingCreditRule };

export const BOOKING_CREDIT_RULES = {
  cancelled_within_notice: 'Cancelled at least the notice window before the session: the credit returns.',
  late_cancellation_returns: 'Cancelled inside the notice window; the offering returns the credit for late cancellations.',
  late_cancellation_forfeits: 'Cancelled inside the notice window; the offering forfeits the credit for late cancellations.',
  no_show_returns: 'The client did not come; the offering returns the credit for no-shows.',
  no_show_forfeits: 'The client did not come; the offering forfeits the credit for no-shows.',
  cancelled_by_business: 'The business cancelled the session: the credit returns whatever the notice.',
  offering_deleted: 'The offering was deleted: its future bookings are cancelled and their credits return.',
  package_closed: 'The package had expired or been refunded, so the credit could not return.',
  attended: 'The client attended: the credit is used.',
} as const;
export type BookingCreditRule = keyof typeof BOOKING_CREDIT_RULES;

/** A session recorded after it took place (staff forgot to book it): who recorded it and when. */
export interface PastSessionRecord {
  recordedBy: string;
  recordedAt: string;
}

/** `pastSession`: set when staff recorded a session that already took place (it is marked attended at once). */
export type BookingPlaced = {
  type: 'BookingPlaced';
  data: BookingRef & { start: string; end: string; date: string; pastSession: PastSessionRecord | null };
};
/**
 * `scheduleId` is the schedule of the new time; `previousScheduleId` the one before. It is null only
 * in events stored at v1, which did not record it: there it is the booking's schedule before the
 * event (fold the stream; evolveBooking does).
 */
export type BookingRescheduled = {
  type: 'BookingRescheduled';
  data: BookingRef & {
    previousScheduleId: string | null;
    previousStart: string;
    previousEnd: string;
    previousDate: string;
    start: string;
    end: string;
    date: string;
  };
};
export type BookingCancelled = {
  type: 'BookingCancelled';
  data: BookingRef & CreditDecision & { start: string; late: boolean; noticeHours: number; reason: string | null };
};
export type AttendanceMarked = {
  type: 'AttendanceMarked';
  data: BookingRef & CreditDecision & { start: string; attendance: 'attended' | 'no_show' };
};

export type BookingEvent = BookingPlaced | BookingRescheduled | BookingCancelled | AttendanceMarked;
export type BookingStatus = 'booked' | 'cancelled' | 'attended' | 'no_show';

export type BookingEventType = BookingEvent['type'];

/** Current schema version of every booking event type; a new type fails the build until it is listed. */
export const BOOKING_SCHEMA_VERSIONS = {
  BookingPlaced: 2,
  BookingRescheduled: 2,
  BookingCancelled: 1,
  AttendanceMarked: 1,
} satisfies SchemaVersions<BookingEventType>;

export const BOOKING_UPCASTERS: Upcasters<BookingEventType> = {
  // v1 placements were all made ahead of the session.
  BookingPlaced: { 1: (data) => ({ ...data, pastSession: null }) },
  // v1 did not record the previous schedule: null = the booking's schedule before the event.
  BookingRescheduled: { 1: (data) => ({ ...data, previousScheduleId: null }) },
};

export const BOOKING_EVENT_TYPES = eventTypeSet(BOOKING_SCHEMA_VERSIONS);
export const isBookingEvent = eventGuard<BookingEvent>(BOOKING_EVENT_TYPES);
