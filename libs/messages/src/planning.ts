import { DateTime } from 'luxon';
import { isKnownIanaZone } from '@punchcard/calendars';

/**
 * What is due, decided from package events (ADR 0023). Pure: the state of one package, one event and
 * the settings that are not in events (the client's zone, the business's reminder days) in; the new
 * state and the actions on the due-messages table out. No clock: times come from the events.
 */

export const MESSAGE_KINDS = [
  'purchase_confirmation',
  'booking_nudge',
  'expiry_reminder',
  'expiry_notice',
  'renewal_prompt',
  'booking_confirmation',
  'booking_rescheduled',
  'booking_cancelled',
  'session_reminder',
  'feedback_request',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Lifecycle nudges: the kinds a client can unsubscribe from, and whose emails carry the unsubscribe link. */
export const NUDGE_KINDS: readonly MessageKind[] = ['booking_nudge', 'expiry_reminder', 'renewal_prompt', 'feedback_request'];
/** Kinds about one session (their templates may show when it is). */
export const SESSION_KINDS: readonly MessageKind[] = ['booking_confirmation', 'booking_rescheduled', 'booking_cancelled', 'session_reminder', 'feedback_request'];

/** Booking notices: with an .ics attachment; like session reminders, they go out even to unsubscribed clients. */
export const BOOKING_KINDS: readonly MessageKind[] = ['booking_confirmation', 'booking_rescheduled', 'booking_cancelled'];

/** Why the planner cancelled a message (shown to admins). */
export type PlannerCancelReason =
  | 'booked'
  | 'credits_used_up'
  | 'expiry_removed'
  | 'refunded'
  | 'expired'
  | 'frozen'
  | 'credits_revoked'
  | 'credits_returned'
  | 'booking_changed'
  | 'booking_cancelled';

export interface PlanSettings {
  /** IANA zone the client's "24 h" and "N days" are counted in. */
  zone: string;
  /** Days before expiry the reminder goes out (per business, default 7). */
  expiryReminderDays: number;
}

/** The local hour of the day an expiry reminder goes out. */
export const REMINDER_LOCAL_HOUR = 9;

export interface PackagePlanState {
  packageId: string;
  clientId: string;
  creditsRemaining: number;
  expiresAt: string | null;
  /** Set once any credit was redeemed (a booking or a manual redemption): no nudge is needed any more. */
  redeemed: boolean;
  /** Closed for good: nothing more is planned. */
  closed: boolean;
  /** The redemption that used the last credit (the renewal prompt follows its session). */
  lastRedemptionId: string | null;
}

export interface ScheduleAction {
  type: 'schedule';
  id: string;
  kind: MessageKind;
  packageId: string;
  clientId: string;
  dueAt: string;
  /** What a booking notice is about (no personal data): the booking and its session's times. */
  context?: BookingContext;
}

export interface BookingContext {
  bookingId: string;
  start: string;
  end: string;
  previousStart?: string;
  /** The .ics SEQUENCE: 0 when placed, one more per change. */
  sequence: number;
}
export interface CancelAction {
  type: 'cancel';
  id: string;
  reason: PlannerCancelReason;
  /** Cancels every pending message of this package whose id starts with `id` (all earlier reschedule notices of a booking). */
  prefixOfPackage?: string;
}
export type PlanAction = ScheduleAction | CancelAction;

/** The slice of a stored event the rules read. */
export interface PlanEvent {
  type: string;
  data: any;
  occurredAt: string;
}

export const messageId = (kind: MessageKind, packageId: string) => `${kind}:${packageId}`;

export interface PlanResult {
  state: PackagePlanState | null;
  actions: PlanAction[];
}

/**
 * The zone times are counted in: the one given when it is a zone this runtime knows, else UTC. A zone
 * the time-zone database does not know (a typo stored before validation, a zone renamed or removed by
 * an update) must not stop the planning of the whole log (the planner logs it; see `isKnownZone`).
 */
export function planningZone(zone: string | null | undefined): string {
  return zone && isKnownZone(zone) ? zone : 'UTC';
}

export function isKnownZone(zone: string): boolean {
  return isKnownIanaZone(zone);
}

const iso = (dt: DateTime) => {
  const text = dt.toUTC().toISO();
  if (text === null) throw new Error(`invalid time: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return text;
};

/** Same wall-clock time on the next local day: 23 or 25 real hours across a DST change. */
export function nudgeDueAt(purchasedAt: string, zone: string): string {
  return iso(DateTime.fromISO(purchasedAt, { zone: planningZone(zone) }).plus({ days: 1 }));
}

/** 09:00 local on the local date `days` before the expiry's local date, never after the expiry itself. */
export function expiryReminderDueAt(expiresAt: string, days: number, zone: string): string {
  const expiry = DateTime.fromISO(expiresAt, { zone: planningZone(zone) });
  const due = expiry.startOf('day').minus({ days }).set({ hour: REMINDER_LOCAL_HOUR });
  return iso(due < expiry ? due : expiry);
}

export function planPackageEvent(state: PackagePlanState | null, event: PlanEvent, settings: PlanSettings): PlanResult {
  const d = event.data;
  if (event.type === 'PackagePurchased') {
    if (state) return { state, actions: [] }; // a stream has one purchase; replays are ignored
    const next: PackagePlanState = {
      packageId: d.packageId,
      clientId: d.clientId,
      creditsRemaining: d.credits,
      expiresAt: d.expiresAt,
      redeemed: false,
      closed: false,
      lastRedemptionId: null,
    };
    const actions: PlanAction[] = [schedule(next, 'purchase_confirmation', d.purchasedAt)];
    if (d.credits > 0) actions.push(schedule(next, 'booking_nudge', nudgeDueAt(d.purchasedAt, settings.zone)));
    actions.push(...reminder(next, settings, d.purchasedAt, true));
    return { state: next, actions };
  }
  if (!state || state.closed) return { state, actions: [] };
  const id = (kind: MessageKind) => messageId(kind, state.packageId);

  switch (event.type) {
    case 'SessionRedeemed': {
      const next = { ...state, creditsRemaining: state.creditsRemaining - 1, redeemed: true };
      const actions: PlanAction[] = [];
      if (!state.redeemed) actions.push(cancel(id('booking_nudge'), 'booked'));
      if (next.creditsRemaining <= 0) {
        next.lastRedemptionId = d.redemptionId;
        actions.push(cancel(id('expiry_reminder'), 'credits_used_up'));
        actions.push(schedule(next, 'renewal_prompt', later(event.occurredAt, d.sessionAt)));
      }
      return { state: next, actions };
    }
    case 'SessionRescheduled': {
      // The renewal prompt follows the session that used the last credit.
      if (state.creditsRemaining > 0 || d.redemptionId !== state.lastRedemptionId) return { state, actions: [] };
      return { state, actions: [schedule(state, 'renewal_prompt', later(event.occurredAt, d.sessionAt))] };
    }
    case 'RedemptionReversed':
    case 'CreditsAdjusted': {
      const delta = event.type === 'RedemptionReversed' ? 1 : d.delta;
      const next = { ...state, creditsRemaining: state.creditsRemaining + delta };
      const actions: PlanAction[] = [];
      if (state.creditsRemaining <= 0 && next.creditsRemaining > 0) {
        actions.push(cancel(id('renewal_prompt'), 'credits_returned'));
        actions.push(...reminder(next, settings, event.occurredAt, false));
      }
      if (state.creditsRemaining > 0 && next.creditsRemaining <= 0) actions.push(cancel(id('expiry_reminder'), 'credits_used_up'));
      return { state: next, actions };
    }
    case 'ExpiryChanged': {
      const next = { ...state, expiresAt: d.expiresAt };
      if (d.expiresAt === null) return { state: next, actions: [cancel(id('expiry_reminder'), 'expiry_removed')] };
      return { state: next, actions: next.creditsRemaining > 0 ? reminder(next, settings, event.occurredAt, false) : [] };
    }
    case 'PackageExpired': {
      const actions = pendingCancelled(state, 'expired');
      if (d.creditsForfeited > 0) actions.push(schedule(state, 'expiry_notice', event.occurredAt));
      return { state: { ...state, creditsRemaining: 0, closed: true }, actions };
    }
    case 'PackageRefunded': {
      const next = { ...state, creditsRemaining: state.creditsRemaining - d.credits };
      if (next.creditsRemaining > 0) return { state: next, actions: [] }; // a partial refund leaves a usable package
      return { state: { ...next, closed: true }, actions: pendingCancelled(state, 'refunded') };
    }
    case 'PackageFrozen':
      // A dispute: stop nudging; an unfreeze does not plan them again (the moment has passed).
      return { state, actions: [cancel(id('booking_nudge'), 'frozen'), cancel(id('expiry_reminder'), 'frozen')] };
    case 'CreditsRevoked':
      return { state: { ...state, creditsRemaining: 0, closed: true }, actions: pendingCancelled(state, 'credits_revoked') };
    default:
      return { state, actions: [] };
  }
}

/** The kinds keyed by their package (`{kind}:{packageId}`), which the package's own events plan and cancel. */
export const PACKAGE_KINDS: readonly MessageKind[] = ['purchase_confirmation', 'booking_nudge', 'expiry_reminder', 'expiry_notice', 'renewal_prompt'];

/**
 * Whether a package's events (its whole stream, in order) leave this package message cancelled: the
 * reason of the last action on its id when that is a cancel, else null. The dispatcher asks this just
 * before sending, from the stream itself: a booking committed after the planner's last read (which
 * stops at the oldest transaction still open) still cancels the nudge. Cancel decisions do not depend
 * on the zone or the reminder days, so fixed ones are used.
 */
export function cancelledByPackageEvents(messageIdOfRow: string, events: PlanEvent[]): PlannerCancelReason | null {
  let state: PackagePlanState | null = null;
  let reason: PlannerCancelReason | null = null;
  for (const event of events) {
    const result = planPackageEvent(state, event, { zone: 'UTC', expiryReminderDays: 7 });
    state = result.state;
    for (const action of result.actions) if (action.id === messageIdOfRow) reason = action.type === 'cancel' ? action.reason : null;
  }
  return reason;
}

function schedule(state: PackagePlanState, kind: MessageKind, dueAt: string): ScheduleAction {
  return { type: 'schedule', id: messageId(kind, state.packageId), kind, packageId: state.packageId, clientId: state.clientId, dueAt };
}

function cancel(id: string, reason: PlannerCancelReason): CancelAction {
  return { type: 'cancel', id, reason };
}

/** Every message of the package that may still be pending (a cancel of a sent one changes nothing). */
function pendingCancelled(state: PackagePlanState, reason: PlannerCancelReason): PlanAction[] {
  return (['purchase_confirmation', 'booking_nudge', 'expiry_reminder', 'renewal_prompt'] as const).map((kind) => cancel(messageId(kind, state.packageId), reason));
}

/**
 * The expiry reminder for the package's current expiry. At purchase a reminder whose time has already
 * passed (validity shorter than the reminder days) is not planned: the confirmation states the expiry.
 * After a change, one already late goes out at once.
 */
function reminder(state: PackagePlanState, settings: PlanSettings, at: string, atPurchase: boolean): PlanAction[] {
  if (!state.expiresAt || state.creditsRemaining <= 0) return [];
  if (Date.parse(state.expiresAt) <= Date.parse(at)) return [cancel(messageId('expiry_reminder', state.packageId), 'expired')];
  const due = expiryReminderDueAt(state.expiresAt, settings.expiryReminderDays, settings.zone);
  if (Date.parse(due) >= Date.parse(at)) return [schedule(state, 'expiry_reminder', due)];
  return atPurchase ? [] : [schedule(state, 'expiry_reminder', at)];
}

function later(a: string, b: string | null): string {
  return b && Date.parse(b) > Date.parse(a) ? new Date(Date.parse(b)).toISOString() : a;
}

/**
 * Booking notices, one per booking event (no state needed beyond the event): a confirmation when a
 * booking is placed (not for a past session recorded afterwards), a notice per reschedule (keyed by the
 * booking stream's version of the reschedule, so each move is its own message, a move back to an
 * earlier time too, and a replay is the same one), a cancellation notice. A newer notice cancels the
 * older ones not yet sent, so a client never gets a confirmation for a time that no longer holds.
 */
export function planBookingEvent(event: PlanEvent & { streamVersion: number }, offering: OfferingPlanState | null = null, zone = 'UTC'): PlanAction[] {
  return [...notices(event), ...sessionMessages(event, offering, zone)];
}

/** What the planner keeps of an offering: its session reminders and whether it asks for feedback. */
export interface OfferingPlanState {
  reminders: { amount: number; unit: 'minutes' | 'hours' | 'days' | 'weeks' }[];
  feedbackRequest: boolean;
}

/** The offering's settings after one of its events (null: not an offering event that changes them). */
export function planOfferingEvent(state: OfferingPlanState | null, event: PlanEvent): OfferingPlanState | null {
  if (event.type === 'OfferingCreated') return { reminders: event.data.reminders ?? [], feedbackRequest: event.data.feedbackRequest ?? false };
  if (event.type !== 'OfferingUpdated') return state;
  const changes = event.data.changes ?? {};
  const base = state ?? { reminders: [], feedbackRequest: false };
  return { reminders: changes.reminders ?? base.reminders, feedbackRequest: changes.feedbackRequest ?? base.feedbackRequest };
}

/**
 * When a reminder goes out: minutes and hours are real time before the start; days and weeks are
 * calendar days in the client's zone (the same local time that many days before, across a DST change).
 */
export function sessionReminderDueAt(start: string, reminder: { amount: number; unit: string }, zone: string): string {
  return iso(DateTime.fromISO(start, { zone: planningZone(zone) }).minus({ [reminder.unit]: reminder.amount }));
}

/**
 * Session reminders follow the session: keyed by its start (a reschedule cancels the old ones and
 * plans new ones; a cancellation cancels them); one already past when planned is skipped. The offering's
 * reminders as they were when the booking was placed or moved apply. A feedback request follows an
 * attended session when the offering asks for feedback.
 */
function sessionMessages(event: PlanEvent & { streamVersion: number }, offering: OfferingPlanState | null, zone: string): PlanAction[] {
  const d = event.data;
  const base = { packageId: d.packageId, clientId: d.clientId };
  const reminderId = (start: string, i: number) => `session_reminder:${d.bookingId}:${start}:${i}`;
  const cancelAll = (start: string, reason: PlannerCancelReason): PlanAction[] => [0, 1, 2].map((i) => ({ type: 'cancel', id: reminderId(start, i), reason }));
  const plan = (start: string, end: string): PlanAction[] =>
    (offering?.reminders ?? []).flatMap((reminder, i) => {
      const dueAt = sessionReminderDueAt(start, reminder, zone);
      if (Date.parse(dueAt) <= Date.parse(event.occurredAt)) return [];
      return [{ type: 'schedule', id: reminderId(start, i), kind: 'session_reminder', ...base, dueAt, context: { bookingId: d.bookingId, start, end, sequence: event.streamVersion - 1 } } as PlanAction];
    });
  switch (event.type) {
    case 'BookingPlaced':
      return d.pastSession ? [] : plan(d.start, d.end);
    case 'BookingRescheduled':
      return [...cancelAll(d.previousStart, 'booking_changed'), ...plan(d.start, d.end)];
    case 'BookingCancelled':
      return cancelAll(d.start, 'booking_cancelled');
    case 'AttendanceMarked':
      if (d.attendance !== 'attended' || !offering?.feedbackRequest) return [];
      return [
        {
          type: 'schedule',
          id: `feedback_request:${d.bookingId}`,
          kind: 'feedback_request',
          ...base,
          dueAt: later(event.occurredAt, d.start),
          context: { bookingId: d.bookingId, start: d.start, end: d.start, sequence: event.streamVersion - 1 },
        },
      ];
    default:
      return [];
  }
}

/** A reschedule notice's id: the booking and the stream version of its `BookingRescheduled` (one per change). */
export const rescheduleNoticeId = (bookingId: string, streamVersion: number) => `booking_rescheduled:${bookingId}:${streamVersion}`;

function notices(event: PlanEvent & { streamVersion: number }): PlanAction[] {
  const d = event.data;
  const base = { packageId: d.packageId, clientId: d.clientId };
  const confirmation = `booking_confirmation:${d.bookingId}`;
  // Every reschedule notice of the booking still pending (the ids differ per change, so by prefix).
  const earlierMoves = (reason: PlannerCancelReason): CancelAction => ({ type: 'cancel', id: `booking_rescheduled:${d.bookingId}:`, reason, prefixOfPackage: d.packageId });
  switch (event.type) {
    case 'BookingPlaced':
      if (d.pastSession) return [];
      return [
        {
          type: 'schedule',
          id: confirmation,
          kind: 'booking_confirmation',
          ...base,
          dueAt: event.occurredAt,
          context: { bookingId: d.bookingId, start: d.start, end: d.end, sequence: 0 },
        },
      ];
    case 'BookingRescheduled':
      return [
        { type: 'cancel', id: confirmation, reason: 'booking_changed' },
        earlierMoves('booking_changed'),
        {
          type: 'schedule',
          id: rescheduleNoticeId(d.bookingId, event.streamVersion),
          kind: 'booking_rescheduled',
          ...base,
          dueAt: event.occurredAt,
          context: { bookingId: d.bookingId, start: d.start, end: d.end, previousStart: d.previousStart, sequence: event.streamVersion - 1 },
        },
      ];
    case 'BookingCancelled':
      return [
        { type: 'cancel', id: confirmation, reason: 'booking_cancelled' },
        earlierMoves('booking_cancelled'),
        {
          type: 'schedule',
          id: `booking_cancelled:${d.bookingId}`,
          kind: 'booking_cancelled',
          ...base,
          dueAt: event.occurredAt,
          context: { bookingId: d.bookingId, start: d.start, end: d.start, sequence: event.streamVersion - 1 },
        },
      ];
    default:
      return [];
  }
}
