import { effectiveStatus, PackageStatus, PackageView } from '@punchcard/domain';
import { EventMetadata } from '@punchcard/event-store';
import { BookingDocument } from '@punchcard/projections';
import { OfferingSummary } from '../offerings';
import { LedgerEntryView } from '../packages';

/**
 * What a client sees of their own records. The business's views carry accounting and internal
 * detail (payment references, paid value, who on staff did what and why); a client's app gets what
 * a client needs and nothing that identifies staff keys or repeats staff notes.
 */

type PackageCounts = Pick<PackageView, 'status' | 'creditsTotal' | 'creditsUsed' | 'creditsRemaining' | 'creditsRefunded'>;

export interface PackageProgress {
  /** The session the next booking will be ("session 2 of 6"); null when the package can book no more. */
  nextSession: { number: number; of: number } | null;
  progress: string;
}

/**
 * "session 2 of 6": a booked session counts as used from the moment it is booked (its credit is
 * redeemed then), so the number is the session the next booking would be. `of` is what the package
 * gives, adjustments included and refunded credits left out. A package that can book no more says why:
 * "all 6 sessions used", "expired after 2 of 6 sessions", "refunded after 2 sessions".
 */
export function progressOf(pkg: PackageCounts): PackageProgress {
  const of = pkg.creditsTotal - pkg.creditsRefunded;
  const used = pkg.creditsUsed;
  switch (pkg.status) {
    case 'active':
      return { nextSession: { number: used + 1, of }, progress: `session ${used + 1} of ${of}` };
    case 'used_up':
      return { nextSession: null, progress: `all ${sessions(used)} used` };
    case 'expired':
      return { nextSession: null, progress: `expired after ${used} of ${sessions(of)}` };
    case 'refunded':
      return { nextSession: null, progress: `refunded after ${sessions(used)}` };
    case 'charged_back':
      return { nextSession: null, progress: `payment charged back after ${sessions(used)}` };
  }
}

const sessions = (n: number) => `${n} session${n === 1 ? '' : 's'}`;

export interface ClientPackageView extends PackageProgress {
  id: string;
  offeringId: string;
  offeringName: string;
  status: PackageStatus;
  creditsTotal: number;
  creditsUsed: number;
  creditsRemaining: number;
  purchasedAt: string;
  expiresAt: string | null;
}

/** `now` decides the status as the business's package list shows it (past its expiry = expired, before the sweep records it). */
export function toClientPackage(view: PackageView, now: string): ClientPackageView {
  const status = effectiveStatus(view, now);
  return {
    id: view.id,
    offeringId: view.offeringId,
    offeringName: view.offeringName,
    status,
    creditsTotal: view.creditsTotal,
    creditsUsed: view.creditsUsed,
    creditsRemaining: view.creditsRemaining,
    purchasedAt: view.purchasedAt,
    expiresAt: view.expiresAt,
    ...progressOf({ ...view, status }),
  };
}

/**
 * A ledger line for the client: what moved, when, the balance after it and the booking rule that
 * decided a booked credit. Left out: the actor (staff key ids), free-text reasons and notes written by
 * staff, and the paid/goodwill split; `by` says only whether the client, the business or the system acted.
 */
export function toClientLedgerEntry(entry: LedgerEntryView) {
  return {
    id: entry.id,
    type: entry.type,
    delta: entry.delta,
    balance: entry.balance,
    occurredAt: entry.occurredAt,
    by: actorKind(entry.actor.role),
    bookingId: entry.bookingId,
    sessionTypeId: entry.sessionTypeId,
    sessionAt: entry.sessionAt,
    rule: entry.rule,
    amount: entry.amount,
    previousExpiresAt: entry.previousExpiresAt,
    expiresAt: entry.expiresAt,
  };
}

type Actor = EventMetadata['actor'];
export type ActorKind = 'client' | 'business' | 'system';

/**
 * A booking for the client: where and when, its status, what happened to its credit and the rule
 * that decided it, and who cancelled it. `cancelledBy` is who did it (a staff key is "business"),
 * which can differ from the rule: staff cancelling for a client under the notice rules is
 * `cancelledBy: 'business'` with rule `cancelled_within_notice`. Left out: the canceller's key id,
 * and the reason unless the client wrote it themselves (staff write free text there).
 *
 * `canceller` is the actor of the booking's BookingCancelled event (null when not cancelled).
 */
export function toClientBooking(booking: BookingDocument, canceller: Actor | null) {
  const cancelled = booking.status === 'cancelled' && canceller !== null;
  const ownWords = cancelled && canceller.role === 'client' && canceller.id === `client:${booking.clientId}`;
  return {
    id: booking.id,
    clientId: booking.clientId,
    packageId: booking.packageId,
    offeringId: booking.offeringId,
    scheduleId: booking.scheduleId,
    sessionTypeId: booking.sessionTypeId,
    start: booking.start,
    end: booking.end,
    date: booking.date,
    status: booking.status,
    creditOutcome: booking.creditOutcome,
    rule: booking.rule,
    cancelledBy: cancelled ? actorKind(canceller.role) : null,
    late: booking.late,
    reason: ownWords ? booking.reason : null,
    previousStarts: booking.previousStarts,
    bookedAt: booking.bookedAt,
    updatedAt: booking.updatedAt,
  };
}

export type ClientBookingView = ReturnType<typeof toClientBooking>;

function actorKind(role: string): ActorKind {
  if (role === 'client') return 'client';
  return role === 'system' ? 'system' : 'business';
}

/** The offering as a catalog entry: no usage figures, visibility groups or internal settings. */
export function toClientOffering(offering: OfferingSummary) {
  return {
    id: offering.id,
    name: offering.name,
    description: offering.description,
    status: offering.status,
    sessionCount: offering.sessionCount,
    price: offering.price,
    validity: offering.validity,
    scheduleId: offering.scheduleId,
    sessionTypeIds: offering.sessionTypeIds,
    maxSessionsPerWeek: offering.maxSessionsPerWeek,
    cancellationPolicy: offering.cancellationPolicy,
  };
}
