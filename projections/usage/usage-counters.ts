import { BookingEvent, eventGuard, eventTypeSet, PackageEvent } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';

/**
 * The usage figures, counted the same way for one offering and for one client of it
 * (docs/adr/0010-usage-dashboards.md). They always satisfy granted = booked + left + refunded + expired.
 */
export interface UsageCounters {
  /** Packages sold (or granted as comp). */
  packages: number;
  /** Credits that came with those packages. */
  purchased: number;
  /** Credits added by positive adjustments (goodwill). */
  added: number;
  /** Credits taken away by negative adjustments. */
  removed: number;
  /** purchased + added − removed: every session the client(s) were given. */
  granted: number;
  /**
   * Credits redeemed and not given back: bookings (a forfeited late cancellation or no-show stays
   * booked) and manual deductions.
   */
  booked: number;
  /** Manual deductions among `booked`. */
  manualDeductions: number;
  /** Bookings marked attended, plus manual deductions (a deduction records a session that took place). */
  attended: number;
  /** Bookings marked no-show, whatever happened to their credit. */
  noShows: number;
  /** Bookings cancelled, whatever happened to their credit. */
  cancellations: number;
  /** Credits still usable on packages not expired or refunded. */
  left: number;
  refunded: number;
  /** Credits forfeited when packages expired. */
  expired: number;
  /** When the latest booking or manual deduction was made (kept if it was cancelled later); null if none. */
  lastBookingAt: string | null;
}

export const EMPTY_COUNTERS: UsageCounters = {
  packages: 0,
  purchased: 0,
  added: 0,
  removed: 0,
  granted: 0,
  booked: 0,
  manualDeductions: 0,
  attended: 0,
  noShows: 0,
  cancellations: 0,
  left: 0,
  refunded: 0,
  expired: 0,
  lastBookingAt: null,
};

/** The events that move a usage figure (all of them carry offeringId and clientId). */
export type UsageEvent = Extract<
  PackageEvent | BookingEvent,
  { type: 'PackagePurchased' | 'SessionRedeemed' | 'RedemptionReversed' | 'CreditsAdjusted' | 'PackageExpired' | 'PackageRefunded' | 'BookingCancelled' | 'AttendanceMarked' }
>;
export const USAGE_EVENT_TYPES = eventTypeSet({
  PackagePurchased: true,
  SessionRedeemed: true,
  RedemptionReversed: true,
  CreditsAdjusted: true,
  PackageExpired: true,
  PackageRefunded: true,
  BookingCancelled: true,
  AttendanceMarked: true,
} satisfies Record<UsageEvent['type'], true>);
export const isUsageEvent = eventGuard<UsageEvent>(USAGE_EVENT_TYPES);

/** The counters after `event` (a new object; the input is left as it was). */
export function countEvent(counters: UsageCounters, event: StoredEvent & UsageEvent): UsageCounters {
  const c = { ...counters };
  switch (event.type) {
    case 'PackagePurchased':
      c.packages += 1;
      c.purchased += event.data.credits;
      c.granted += event.data.credits;
      c.left += event.data.credits;
      break;
    case 'SessionRedeemed': {
      c.booked += 1;
      c.left -= 1;
      // A booked redemption's id is its booking's id; a manual deduction gets an id of its own.
      if (event.data.redemptionId !== event.data.bookingId) {
        c.manualDeductions += 1;
        c.attended += 1;
      }
      const at = event.metadata.occurredAt;
      if (c.lastBookingAt === null || at > c.lastBookingAt) c.lastBookingAt = at;
      break;
    }
    case 'RedemptionReversed':
      c.booked -= 1;
      c.left += 1;
      // Only a manual reversal has no booking rule, and it can only give back a manual deduction.
      if (event.data.rule === null) {
        c.manualDeductions -= 1;
        c.attended -= 1;
      }
      break;
    case 'CreditsAdjusted':
      if (event.data.delta > 0) c.added += event.data.delta;
      else c.removed -= event.data.delta;
      c.granted += event.data.delta;
      c.left += event.data.delta;
      break;
    case 'PackageExpired':
      c.expired += event.data.creditsForfeited;
      c.left -= event.data.creditsForfeited;
      break;
    case 'PackageRefunded':
      c.refunded += event.data.credits;
      c.left -= event.data.credits;
      break;
    case 'BookingCancelled':
      c.cancellations += 1;
      break;
    case 'AttendanceMarked':
      if (event.data.attendance === 'attended') c.attended += 1;
      else c.noShows += 1;
      break;
  }
  return c;
}
