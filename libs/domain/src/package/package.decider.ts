import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { DecisionContext } from '../shared/event';
import { Money } from '../shared/money';
import { OfferingState } from '../offering/offering.decider';
import { isVisibleTo } from '../offering/offering.events';
import { DateTime } from 'luxon';
import { computeExpiresAt, toUtcIso } from '../offering/validity';
import { valueOfPaidCredits } from './credit-value';
import { CreditKind, ForfeitCause, PackageEvent, PaymentMethod, SessionRedeemed } from './package.events';

/** `charged_back`: a lost payment dispute revoked every credit left. */
export type PackageLifecycle = 'active' | 'expired' | 'refunded' | 'charged_back';

export interface PackageSnapshot {
  exists: true;
  packageId: string;
  clientId: string;
  offeringId: string;
  offeringName: string;
  lifecycle: PackageLifecycle;
  price: Money;
  payment: { method: PaymentMethod; reference: string | null };
  /** Credits that came with the package (they share its price). */
  paidCredits: number;
  paidRemaining: number;
  /** What the remaining paid credits are worth (minor units); starts at the price. */
  paidValueRemaining: number;
  goodwillRemaining: number;
  /** Credits at purchase plus every adjustment (signed). */
  creditsTotal: number;
  /** Redemptions not reversed. */
  creditsUsed: number;
  creditsRefunded: number;
  creditsForfeited: number;
  purchasedAt: string;
  expiresAt: string | null;
  redemptions: Record<string, Redemption>;
  /** Payment disputes open on the package: while any is, it is frozen. */
  openDisputes: string[];
  /** Disputes closed without a loss: a late report of their opening must not freeze the package again. */
  closedDisputes: string[];
  /** Credits revoked by a lost dispute. */
  creditsRevoked: number;
  /**
   * A refund through Stripe requested and not yet answered (ADR 0022): its credits and value are held,
   * out of paidRemaining / goodwillRemaining / paidValueRemaining, until the outcome.
   */
  pendingCardRefund: PendingCardRefund | null;
  /** Outcomes of the card refunds Punchcard requested, by our refund id (a retry finds its own). */
  cardRefunds: Record<string, CardRefundOutcome>;
  /** Stripe refunds (`re_…`) recorded on the package: a webhook about one of them is recognised, not applied again. */
  stripeRefundIds: string[];
}

export type CardRefundOutcome = { outcome: 'refunded'; stripeRefundId: string | null } | { outcome: 'failed'; code: string; message: string };

export interface PendingCardRefund {
  refundId: string;
  credits: number;
  paidCredits: number;
  goodwillCredits: number;
  value: number;
  amount: Money;
  reason: string;
}

export interface Redemption {
  creditKind: CreditKind;
  value: number;
  reversed: boolean;
  /** A forfeited credit is final: its booking is closed, so it is neither returned nor moved. */
  forfeited: boolean;
  sessionAt: string;
  bookingId: string | null;
}

/** The booking rules a package's offering imposes, passed in by the booking flow (its current configuration). */
export interface BookingLimits {
  /** The offering's current session count: bookings beyond it are refused even if credits remain. */
  offeringSessionCount: number;
  /**
   * Max sessions per week (Monday to Sunday in `timezone`, the client's) of the client and this
   * offering, counted across all their packages of it; null = no cap.
   */
  maxSessionsPerWeek: number | null;
  timezone: string;
  /**
   * When each live (not reversed) session of the client's other packages of the same offering
   * takes place: they count against the weekly cap with this package's own.
   */
  otherSessions: string[];
}

export type PackageState = { exists: false } | PackageSnapshot;
export const initialPackageState: PackageState = { exists: false };

export const MAX_ADJUSTMENT = 1000;

export type PackageCommand =
  | {
      type: 'PurchasePackage';
      packageId: string;
      clientId: string;
      offering: OfferingState;
      payment: { method: PaymentMethod; reference: string | null };
      /** The client's groups now (the offering's visibility is checked against them). */
      clientGroups: string[];
      /** Staff sell outside the offering's groups anyway, for this reason; null: no override. */
      visibilityOverride: { reason: string } | null;
    }
  | { type: 'RedeemSession'; redemptionId: string; bookingId: string | null; serviceId: string | null; note: string | null; sessionAt: string | null }
  | { type: 'ReverseRedemption'; redemptionId: string; reason: string }
  | { type: 'RedeemForBooking'; bookingId: string; serviceId: string; sessionAt: string; limits: BookingLimits }
  | { type: 'RescheduleBookedSession'; bookingId: string; sessionAt: string; limits: BookingLimits }
  | { type: 'ReturnBookedCredit'; bookingId: string; rule: string; reason: string }
  | { type: 'ForfeitBookedCredit'; bookingId: string; cause: ForfeitCause; rule: string }
  | { type: 'AdjustCredits'; delta: number; reason: string }
  | { type: 'ChangeExpiry'; expiresAt: string | null; reason: string }
  | { type: 'ExpirePackage' }
  | { type: 'RefundPackage'; credits: number | null; amount: number | null; reason: string }
  /** Phase one of a refund through Stripe: hold the credits under our `refundId` (ADR 0022). */
  | { type: 'RequestCardRefund'; refundId: string; credits: number | null; amount: number | null; reason: string }
  /** Stripe made the refund: the held credits are refunded. */
  | { type: 'CompleteCardRefund'; refundId: string; stripeRefundId: string }
  /** Stripe refused the refund: the held credits are released. */
  | { type: 'FailCardRefund'; refundId: string; code: string; message: string }
  /**
   * Stripe reports a refund of the package's payment (a webhook): ours (`refundId` from its metadata)
   * completes or is recognised; any other (made in Stripe's dashboard) is recorded once.
   */
  | { type: 'RecordStripeRefund'; stripeRefundId: string; refundId: string | null; amount: Money; reason: string }
  | { type: 'FreezeForDispute'; disputeId: string; reason: string }
  | { type: 'UnfreezeAfterDispute'; disputeId: string; reason: string }
  | { type: 'RevokeForLostDispute'; disputeId: string; amount: Money; reason: string };

/** When each live (not reversed) redeemed session of a package takes place. */
export function liveSessions(state: PackageState): string[] {
  return state.exists ? Object.values(state.redemptions).filter((r) => !r.reversed).map((r) => r.sessionAt) : [];
}

export function creditsRemaining(state: PackageSnapshot): number {
  return state.paidRemaining + state.goodwillRemaining;
}

/** A package is expired once its expiry instant has passed, whether or not the sweep has recorded it yet. */
export function isExpiredAt(state: PackageSnapshot, now: string): boolean {
  return state.lifecycle === 'expired' || (state.expiresAt !== null && Date.parse(now) >= Date.parse(state.expiresAt));
}

export function decidePackage(command: PackageCommand, state: PackageState, ctx: DecisionContext): PackageEvent[] {
  if (command.type === 'PurchasePackage') return decidePurchase(command, state, ctx);
  if (!state.exists) throw new DomainError('package_not_found', 'Package not found.');

  switch (command.type) {
    case 'RedeemSession': {
      assertUsable(state, ctx);
      assertNotFrozen(state);
      if (state.redemptions[command.redemptionId]) {
        throw new DomainError('redemption_already_exists', `Redemption ${command.redemptionId} was already recorded.`);
      }
      if (creditsRemaining(state) === 0) throw new DomainError('no_credits_left', 'This package has no credits left.');
      const sessionAt = command.sessionAt === null ? ctx.now : normaliseInstant(command.sessionAt, 'sessionAt');
      assertBeforeExpiry(state, sessionAt);
      return [redeemOne(state, { redemptionId: command.redemptionId, bookingId: command.bookingId, serviceId: command.serviceId, note: command.note, sessionAt })];
    }
    case 'ReverseRedemption':
    case 'ReturnBookedCredit': {
      assertReason(command.reason);
      const redemptionId = command.type === 'ReverseRedemption' ? command.redemptionId : command.bookingId;
      const redemption = state.redemptions[redemptionId];
      if (!redemption) throw new DomainError('redemption_not_found', `No redemption ${redemptionId} on this package.`);
      if (redemption.reversed) throw new DomainError('redemption_already_reversed', 'This redemption was already reversed.');
      if (redemption.forfeited) throw new DomainError('redemption_forfeited', 'This credit was forfeited: it stays used.');
      // A booked credit returns with its booking (cancel it), or the booking and its seat would be left behind.
      if (command.type === 'ReverseRedemption' && redemption.bookingId === redemptionId) {
        throw new DomainError('redemption_is_booked', 'This credit belongs to a booking: cancel the booking (byBusiness returns it whatever the notice).');
      }
      assertUsable(state, ctx);
      return [
        {
          type: 'RedemptionReversed',
          data: {
            ...refOf(state),
            redemptionId,
            reason: command.reason,
            creditKind: redemption.creditKind,
            value: redemption.value,
            rule: command.type === 'ReturnBookedCredit' ? command.rule : null,
            sessionAt: redemption.sessionAt,
          },
        },
      ];
    }
    case 'RedeemForBooking': {
      assertUsable(state, ctx);
      assertNotFrozen(state);
      if (state.redemptions[command.bookingId]) throw new DomainError('redemption_already_exists', `Booking ${command.bookingId} already redeemed a credit.`);
      if (creditsRemaining(state) === 0) throw new DomainError('no_credits_left', 'This package has no credits left.');
      assertBookable(state, command.sessionAt, command.limits, null);
      return [redeemOne(state, { redemptionId: command.bookingId, bookingId: command.bookingId, serviceId: command.serviceId, note: null, sessionAt: command.sessionAt })];
    }
    case 'RescheduleBookedSession': {
      const redemption = activeBookedRedemption(state, command.bookingId);
      assertUsable(state, ctx);
      if (redemption.sessionAt === command.sessionAt) return [];
      assertBookable(state, command.sessionAt, command.limits, command.bookingId);
      return [
        {
          type: 'SessionRescheduled',
          data: { ...refOf(state), redemptionId: command.bookingId, bookingId: command.bookingId, previousSessionAt: redemption.sessionAt, sessionAt: command.sessionAt },
        },
      ];
    }
    case 'ForfeitBookedCredit': {
      const redemption = activeBookedRedemption(state, command.bookingId);
      return [
        {
          type: 'SessionForfeited',
          data: {
            ...refOf(state),
            redemptionId: command.bookingId,
            bookingId: command.bookingId,
            cause: command.cause,
            rule: command.rule,
            value: redemption.value,
            sessionAt: redemption.sessionAt,
          },
        },
      ];
    }
    case 'AdjustCredits': {
      assertReason(command.reason);
      if (!Number.isInteger(command.delta) || command.delta === 0 || Math.abs(command.delta) > MAX_ADJUSTMENT) {
        throw new DomainError('invalid_delta', `delta must be a whole number from -${MAX_ADJUSTMENT} to ${MAX_ADJUSTMENT}, not 0.`);
      }
      assertUsable(state, ctx);
      let paidDelta = 0;
      let goodwillDelta = command.delta;
      if (command.delta < 0) {
        const removal = -command.delta;
        if (removal > creditsRemaining(state)) {
          throw new DomainError('adjustment_exceeds_balance', `Cannot remove ${removal} credits: only ${creditsRemaining(state)} left.`);
        }
        const fromGoodwill = Math.min(removal, state.goodwillRemaining);
        goodwillDelta = fromGoodwill === 0 ? 0 : -fromGoodwill;
        paidDelta = fromGoodwill === removal ? 0 : -(removal - fromGoodwill);
      }
      const value = valueOfPaidCredits(state.paidValueRemaining, state.paidRemaining, -paidDelta);
      return [{ type: 'CreditsAdjusted', data: { ...refOf(state), delta: command.delta, paidDelta, goodwillDelta, value, reason: command.reason } }];
    }
    case 'ChangeExpiry': {
      assertReason(command.reason);
      assertUsable(state, ctx);
      const expiresAt = command.expiresAt === null ? null : normaliseInstant(command.expiresAt, 'expiresAt');
      if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(ctx.now)) {
        throw new DomainError('invalid_expiry', 'The new expiry must be in the future.');
      }
      if (expiresAt === state.expiresAt) return [];
      return [
        {
          type: 'ExpiryChanged',
          data: { ...refOf(state), previousExpiresAt: state.expiresAt, expiresAt, reason: command.reason },
        },
      ];
    }
    case 'ExpirePackage': {
      // Held credits are neither usable nor refunded yet: the expiry waits for the refund's outcome
      // (the sweep tries again; the breakage still counts at expiresAt).
      if (state.pendingCardRefund) throw new DomainError('card_refund_pending', `A refund through Stripe (${state.pendingCardRefund.refundId}) awaits its outcome.`);
      if (state.lifecycle === 'refunded') throw new DomainError('package_refunded', 'This package was refunded.');
      if (state.lifecycle === 'expired') throw new DomainError('package_expired', 'This package has already expired.');
      if (!isExpiredAt(state, ctx.now)) throw new DomainError('package_not_expired_yet', 'This package has not reached its expiry.');
      return [
        {
          type: 'PackageExpired',
          data: {
            ...refOf(state),
            expiresAt: state.expiresAt!,
            creditsForfeited: creditsRemaining(state),
            paidCreditsForfeited: state.paidRemaining,
            goodwillCreditsForfeited: state.goodwillRemaining,
            value: state.paidValueRemaining,
          },
        },
      ];
    }
    case 'RefundPackage': {
      assertReason(command.reason);
      assertUsable(state, ctx);
      // Refunding while the card network may take the money back would pay the client twice.
      assertNotFrozen(state);
      const share = refundShare(state, command.credits, command.amount);
      return [{ type: 'PackageRefunded', data: { ...refOf(state), ...share, reason: command.reason, refundId: null, stripeRefundId: null } }];
    }
    case 'RequestCardRefund': {
      // A retry of a request already recorded (or answered) decides nothing: the caller goes on from the stream.
      if (state.cardRefunds[command.refundId] || state.pendingCardRefund?.refundId === command.refundId) return [];
      assertReason(command.reason);
      if (state.payment.method !== 'card' || !state.payment.reference) {
        throw new DomainError('not_card_payment', `This package was paid by ${state.payment.method}, not by card through Stripe: record the refund with POST /v1/packages/{id}/refunds.`);
      }
      if (state.pendingCardRefund) {
        throw new DomainError('card_refund_pending', `A refund through Stripe (${state.pendingCardRefund.refundId}) awaits its outcome: retry that request (same Idempotency-Key) first.`);
      }
      assertUsable(state, ctx);
      assertNotFrozen(state);
      const share = refundShare(state, command.credits, command.amount);
      // Stripe moves money only: credits worth nothing, or a refund of 0, are refunded at the desk.
      if (share.amount.amount < 1) throw new DomainError('invalid_amount', 'A refund through Stripe returns at least 1 minor unit; refund credits worth nothing with POST /v1/packages/{id}/refunds.');
      return [{ type: 'CardRefundRequested', data: { ...refOf(state), refundId: command.refundId, paymentIntentId: state.payment.reference, ...share, reason: command.reason } }];
    }
    case 'CompleteCardRefund': {
      // Money has left through Stripe: recorded whatever the package's state now (expired, frozen…).
      if (state.cardRefunds[command.refundId]?.outcome === 'refunded') return [];
      return [completedRefund(state, command.refundId, command.stripeRefundId)];
    }
    case 'FailCardRefund': {
      if (state.cardRefunds[command.refundId]?.outcome === 'failed') return [];
      const pending = pendingRefund(state, command.refundId);
      const { credits, paidCredits, goodwillCredits, value } = pending;
      return [{ type: 'CardRefundFailed', data: { ...refOf(state), refundId: pending.refundId, credits, paidCredits, goodwillCredits, value, code: command.code, message: command.message } }];
    }
    case 'RecordStripeRefund': {
      if (state.stripeRefundIds.includes(command.stripeRefundId)) return [];
      const ours = command.refundId;
      if (ours !== null && state.cardRefunds[ours]?.outcome === 'refunded') return [];
      // Ours, whose outcome was never recorded (the request died after calling Stripe): complete it now.
      if (ours !== null && state.pendingCardRefund?.refundId === ours) return [completedRefund(state, ours, command.stripeRefundId)];
      const { amount } = command;
      if (amount.currency !== state.price.currency || !Number.isSafeInteger(amount.amount) || amount.amount < 1) {
        throw new DomainError('invalid_amount', `A refund of the package's payment is a positive amount in ${state.price.currency}.`);
      }
      // Made in Stripe's dashboard: unused paid credits go first, as many as the money covers (rounded up);
      // beyond their value the money refunds sessions already delivered (ADR 0022).
      const { paidCredits, value } = paidCreditsCoveredBy(state.paidValueRemaining, state.paidRemaining, amount.amount);
      return [
        {
          type: 'PackageRefunded',
          data: { ...refOf(state), credits: paidCredits, paidCredits, goodwillCredits: 0, value, amount: { ...amount }, reason: command.reason, refundId: null, stripeRefundId: command.stripeRefundId },
        },
      ];
    }
    // Disputes come from the payment processor and may arrive late or twice: each is a no-op when
    // already applied, and none depends on the package being usable (a dispute can hit any package).
    // Stripe does not promise order: a closing may arrive before its opening (a failed delivery retried
    // later). Closed disputes are remembered, so the late opening freezes nothing.
    case 'FreezeForDispute':
      assertReason(command.reason);
      if (state.openDisputes.includes(command.disputeId) || state.closedDisputes.includes(command.disputeId) || state.lifecycle === 'charged_back') return [];
      return [{ type: 'PackageFrozen', data: { ...refOf(state), disputeId: command.disputeId, reason: command.reason } }];
    case 'UnfreezeAfterDispute':
      assertReason(command.reason);
      if (state.closedDisputes.includes(command.disputeId) || state.lifecycle === 'charged_back') return [];
      return [{ type: 'PackageUnfrozen', data: { ...refOf(state), disputeId: command.disputeId, reason: command.reason } }];
    case 'RevokeForLostDispute': {
      assertReason(command.reason);
      if (state.lifecycle === 'charged_back') return [];
      const { amount } = command;
      if (amount.currency !== state.price.currency || !Number.isSafeInteger(amount.amount) || amount.amount < 0 || amount.amount > state.price.amount) {
        throw new DomainError('invalid_amount', `The disputed amount must be from 0 to ${state.price.amount} ${state.price.currency} (the price paid).`);
      }
      // Credits past their expiry were lost at expiresAt, not to the dispute: record the expiry first
      // (as the sweep would), so its breakage counts when the right lapsed and nothing is revoked twice.
      const expiry = state.lifecycle === 'active' && isExpiredAt(state, ctx.now) ? decidePackage({ type: 'ExpirePackage' }, state, ctx) : [];
      const left = expiry.reduce(evolvePackage, state) as PackageSnapshot;
      return [
        ...expiry,
        {
          type: 'CreditsRevoked',
          data: {
            ...refOf(state),
            disputeId: command.disputeId,
            credits: creditsRemaining(left),
            paidCredits: left.paidRemaining,
            goodwillCredits: left.goodwillRemaining,
            value: left.paidValueRemaining,
            amount: { amount: amount.amount, currency: amount.currency },
            reason: command.reason,
          },
        },
      ];
    }
  }
}

/**
 * What a refund of `creditsAsked` unused credits (default: all) for `amountAsked` (default: their value)
 * moves: paid credits first (money goes back), each worth its share of the remaining paid value.
 */
function refundShare(state: PackageSnapshot, creditsAsked: number | null, amountAsked: number | null) {
  const remaining = creditsRemaining(state);
  if (remaining === 0) throw new DomainError('no_credits_left', 'There are no unused credits to refund.');
  const credits = creditsAsked ?? remaining;
  if (!Number.isInteger(credits) || credits < 1 || credits > remaining) {
    throw new DomainError('invalid_credits', `credits must be a whole number from 1 to ${remaining}.`);
  }
  const paidCredits = Math.min(credits, state.paidRemaining);
  const value = valueOfPaidCredits(state.paidValueRemaining, state.paidRemaining, paidCredits);
  const amount = amountAsked ?? value;
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > value) {
    throw new DomainError('invalid_amount', `amount must be a whole number of minor units from 0 to ${value} (the value of the refunded credits).`);
  }
  return { credits, paidCredits, goodwillCredits: credits - paidCredits, value, amount: { amount, currency: state.price.currency } };
}

/**
 * How many of the `paidRemaining` unused paid credits (worth `valueRemaining`) a refund of `amount`
 * takes: the fewest whose value covers it, or all of them when it exceeds their value.
 */
export function paidCreditsCoveredBy(valueRemaining: number, paidRemaining: number, amount: number): { paidCredits: number; value: number } {
  for (let count = 1; count < paidRemaining; count++) {
    const value = valueOfPaidCredits(valueRemaining, paidRemaining, count);
    if (value >= amount) return { paidCredits: count, value };
  }
  return { paidCredits: paidRemaining, value: valueRemaining };
}

function pendingRefund(state: PackageSnapshot, refundId: string): PendingCardRefund {
  if (state.pendingCardRefund?.refundId !== refundId) {
    if (state.cardRefunds[refundId]?.outcome === 'failed') throw new DomainError('card_refund_failed', `The card refund ${refundId} was refused by Stripe already.`);
    throw new DomainError('card_refund_not_found', `No card refund ${refundId} awaits its outcome on this package.`);
  }
  return state.pendingCardRefund;
}

/** The held credits of our card refund `refundId`, refunded by Stripe's refund `stripeRefundId`. */
function completedRefund(state: PackageSnapshot, refundId: string, stripeRefundId: string): PackageEvent {
  const { credits, paidCredits, goodwillCredits, value, amount, reason } = pendingRefund(state, refundId);
  return { type: 'PackageRefunded', data: { ...refOf(state), credits, paidCredits, goodwillCredits, value, amount, reason, refundId, stripeRefundId } };
}

function decidePurchase(command: Extract<PackageCommand, { type: 'PurchasePackage' }>, state: PackageState, ctx: DecisionContext): PackageEvent[] {
  if (state.exists) throw new DomainError('package_already_exists', 'This package already exists.');
  const offering = command.offering;
  if (!offering.exists) throw new DomainError('offering_not_found', 'Offering not found.');
  if (offering.deleted) throw new DomainError('offering_deleted', 'The offering was deleted; it can no longer be sold.');
  if (offering.status !== 'active') throw new DomainError('offering_not_active', `The offering is ${offering.status}; only active offerings can be sold.`);
  const expiresAt = computeExpiresAt(offering.validity, ctx.now, ctx.timezone);
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(ctx.now)) {
    throw new DomainError('offering_expired', 'The offering’s fixed expiration date has passed.');
  }
  // An override is recorded only when it overrode something.
  let visibilityOverride: { reason: string } | null = null;
  if (!isVisibleTo(offering.visibility, command.clientGroups)) {
    if (command.visibilityOverride === null) {
      throw new DomainError('offering_not_visible', 'The offering is only for members of its groups, and this client is in none of them.');
    }
    assertReason(command.visibilityOverride.reason);
    visibilityOverride = { reason: command.visibilityOverride.reason };
  }
  const price = command.payment.method === 'comp' ? { amount: 0, currency: offering.price.currency } : offering.price;
  return [
    {
      type: 'PackagePurchased',
      data: {
        packageId: command.packageId,
        offeringId: offering.offeringId,
        offeringName: offering.name,
        clientId: command.clientId,
        credits: offering.sessionCount,
        price,
        payment: command.payment,
        purchasedAt: ctx.now,
        expiresAt,
        visibilityOverride,
      },
    },
  ];
}

/**
 * Rules a booked session must meet on top of having a credit: before expiry, within the offering's
 * current session count (a reduced count refuses new bookings but keeps existing ones), and within
 * the weekly cap in the client's zone, counted over the client's packages of the offering (this
 * one's sessions plus `limits.otherSessions`). `excluding`: the booking being moved, when
 * rescheduling (it already counts against the session count).
 */
function assertBookable(state: PackageSnapshot, sessionAt: string, limits: BookingLimits, excluding: string | null): void {
  assertBeforeExpiry(state, sessionAt);
  const goodwillGranted = state.creditsTotal - state.paidCredits;
  if (excluding === null && state.creditsUsed >= limits.offeringSessionCount + goodwillGranted) {
    throw new DomainError('booking_limit_reached', `The offering now allows ${limits.offeringSessionCount} sessions per package and this package has used ${state.creditsUsed}.`);
  }
  if (limits.maxSessionsPerWeek !== null) {
    const week = weekOf(sessionAt, limits.timezone);
    const own = Object.entries(state.redemptions).filter(([id, r]) => !r.reversed && id !== excluding).map(([, r]) => r.sessionAt);
    const booked = [...own, ...limits.otherSessions].filter((sessionAt) => weekOf(sessionAt, limits.timezone) === week).length;
    if (booked >= limits.maxSessionsPerWeek) {
      throw new DomainError(
        'weekly_limit_reached',
        `The offering allows ${limits.maxSessionsPerWeek} sessions per week and this client already has ${booked} that week (across their packages of it).`,
      );
    }
  }
}

/** A session (redeemed or booked) must take place before the package expires. */
function assertBeforeExpiry(state: PackageSnapshot, sessionAt: string): void {
  if (state.expiresAt !== null && Date.parse(sessionAt) >= Date.parse(state.expiresAt)) {
    throw new DomainError('session_after_expiry', `The session is at or after the package's expiry (${state.expiresAt}).`);
  }
}

/**
 * The redemption of one credit, by hand or for a booking: paid credits go first (worth their share
 * of the remaining paid value), goodwill credits after (worth nothing). The caller has checked the rules.
 */
function redeemOne(
  state: PackageSnapshot,
  session: Pick<SessionRedeemed['data'], 'redemptionId' | 'bookingId' | 'serviceId' | 'note' | 'sessionAt'>,
): SessionRedeemed {
  const creditKind: CreditKind = state.paidRemaining > 0 ? 'paid' : 'goodwill';
  return {
    type: 'SessionRedeemed',
    data: {
      ...refOf(state),
      redemptionId: session.redemptionId,
      bookingId: session.bookingId,
      serviceId: session.serviceId,
      note: session.note,
      sessionAt: session.sessionAt,
      creditKind,
      value: creditKind === 'paid' ? valueOfPaidCredits(state.paidValueRemaining, state.paidRemaining, 1) : 0,
    },
  };
}

/** ISO week (Monday start) of an instant in a zone, e.g. "2026-W14". */
function weekOf(instant: string, zone: string): string {
  const local = DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone);
  return `${local.weekYear}-W${local.weekNumber}`;
}

function activeBookedRedemption(state: PackageSnapshot, bookingId: string): Redemption {
  const redemption = state.redemptions[bookingId];
  if (!redemption || redemption.bookingId !== bookingId) throw new DomainError('redemption_not_found', `No redemption for booking ${bookingId} on this package.`);
  if (redemption.reversed) throw new DomainError('redemption_already_reversed', 'The credit of this booking was already returned.');
  if (redemption.forfeited) throw new DomainError('redemption_forfeited', 'The credit of this booking was forfeited: it stays used.');
  return redemption;
}

function refOf(state: PackageSnapshot) {
  return { packageId: state.packageId, offeringId: state.offeringId, clientId: state.clientId };
}

function assertUsable(state: PackageSnapshot, ctx: DecisionContext): void {
  if (state.lifecycle === 'refunded') throw new DomainError('package_refunded', 'This package was refunded.');
  if (state.lifecycle === 'charged_back') throw new DomainError('package_charged_back', 'The payment was charged back after a lost dispute: the credits were revoked.');
  if (isExpiredAt(state, ctx.now)) throw new DomainError('package_expired', `This package expired at ${state.expiresAt}.`);
}

function assertNotFrozen(state: PackageSnapshot): void {
  if (state.openDisputes.length > 0) {
    throw new DomainError('package_frozen', `The payment for this package is disputed (${state.openDisputes.join(', ')}): it is frozen until the dispute closes.`);
  }
}

function assertReason(reason: string): void {
  if (!reason || reason.trim().length === 0) throw new DomainError('reason_required', 'A reason is required.');
}

export function evolvePackage(state: PackageState, event: PackageEvent): PackageState {
  if (event.type === 'PackagePurchased') {
    const d = event.data;
    return {
      exists: true,
      packageId: d.packageId,
      clientId: d.clientId,
      offeringId: d.offeringId,
      offeringName: d.offeringName,
      lifecycle: 'active',
      price: d.price,
      payment: d.payment,
      paidCredits: d.credits,
      paidRemaining: d.credits,
      paidValueRemaining: d.price.amount,
      goodwillRemaining: 0,
      creditsTotal: d.credits,
      creditsUsed: 0,
      creditsRefunded: 0,
      creditsForfeited: 0,
      purchasedAt: d.purchasedAt,
      expiresAt: d.expiresAt,
      redemptions: {},
      openDisputes: [],
      closedDisputes: [],
      creditsRevoked: 0,
      pendingCardRefund: null,
      cardRefunds: {},
      stripeRefundIds: [],
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'SessionRedeemed':
      return {
        ...moveCredit(state, event.data.creditKind, -1, -event.data.value),
        creditsUsed: state.creditsUsed + 1,
        redemptions: {
          ...state.redemptions,
          [event.data.redemptionId]: {
            creditKind: event.data.creditKind,
            value: event.data.value,
            reversed: false,
            forfeited: false,
            sessionAt: event.data.sessionAt,
            bookingId: event.data.bookingId,
          },
        },
      };
    case 'RedemptionReversed':
      return {
        ...moveCredit(state, event.data.creditKind, +1, event.data.value),
        creditsUsed: state.creditsUsed - 1,
        redemptions: { ...state.redemptions, [event.data.redemptionId]: { ...state.redemptions[event.data.redemptionId], reversed: true } },
      };
    case 'SessionRescheduled':
      return { ...state, redemptions: { ...state.redemptions, [event.data.redemptionId]: { ...state.redemptions[event.data.redemptionId], sessionAt: event.data.sessionAt } } };
    case 'SessionForfeited':
      return { ...state, redemptions: { ...state.redemptions, [event.data.redemptionId]: { ...state.redemptions[event.data.redemptionId], forfeited: true } } };
    case 'CreditsAdjusted':
      return {
        ...state,
        paidRemaining: state.paidRemaining + event.data.paidDelta,
        paidValueRemaining: state.paidValueRemaining - event.data.value,
        goodwillRemaining: state.goodwillRemaining + event.data.goodwillDelta,
        creditsTotal: state.creditsTotal + event.data.delta,
      };
    case 'ExpiryChanged':
      return { ...state, expiresAt: event.data.expiresAt };
    case 'PackageExpired':
      return { ...state, lifecycle: 'expired', paidRemaining: 0, paidValueRemaining: 0, goodwillRemaining: 0, creditsForfeited: state.creditsForfeited + event.data.creditsForfeited };
    case 'PackageRefunded': {
      const d = event.data;
      // The outcome of our card refund: its credits left the usable balance with the hold already.
      const held = d.refundId !== null && state.pendingCardRefund?.refundId === d.refundId;
      const paidRemaining = held ? state.paidRemaining : state.paidRemaining - d.paidCredits;
      const goodwillRemaining = held ? state.goodwillRemaining : state.goodwillRemaining - d.goodwillCredits;
      const pendingCardRefund = held ? null : state.pendingCardRefund;
      return {
        ...state,
        paidRemaining,
        paidValueRemaining: held ? state.paidValueRemaining : state.paidValueRemaining - d.value,
        goodwillRemaining,
        creditsRefunded: state.creditsRefunded + d.credits,
        // A refund of money only (sessions already used, refunded in Stripe's dashboard) closes nothing.
        lifecycle: d.credits > 0 && paidRemaining + goodwillRemaining === 0 && pendingCardRefund === null ? 'refunded' : state.lifecycle,
        pendingCardRefund,
        cardRefunds: d.refundId === null ? state.cardRefunds : { ...state.cardRefunds, [d.refundId]: { outcome: 'refunded', stripeRefundId: d.stripeRefundId } },
        stripeRefundIds: d.stripeRefundId === null ? state.stripeRefundIds : [...state.stripeRefundIds, d.stripeRefundId],
      };
    }
    case 'CardRefundRequested': {
      const { refundId, credits, paidCredits, goodwillCredits, value, amount, reason } = event.data;
      return {
        ...state,
        paidRemaining: state.paidRemaining - paidCredits,
        paidValueRemaining: state.paidValueRemaining - value,
        goodwillRemaining: state.goodwillRemaining - goodwillCredits,
        pendingCardRefund: { refundId, credits, paidCredits, goodwillCredits, value, amount, reason },
      };
    }
    case 'CardRefundFailed': {
      const { refundId, paidCredits, goodwillCredits, value, code, message } = event.data;
      return {
        ...state,
        paidRemaining: state.paidRemaining + paidCredits,
        paidValueRemaining: state.paidValueRemaining + value,
        goodwillRemaining: state.goodwillRemaining + goodwillCredits,
        pendingCardRefund: null,
        cardRefunds: { ...state.cardRefunds, [refundId]: { outcome: 'failed', code, message } },
      };
    }
    case 'PackageFrozen':
      return { ...state, openDisputes: [...state.openDisputes, event.data.disputeId] };
    case 'PackageUnfrozen':
      return { ...state, openDisputes: state.openDisputes.filter((id) => id !== event.data.disputeId), closedDisputes: [...state.closedDisputes, event.data.disputeId] };
    case 'CreditsRevoked':
      // The lost dispute closes (and every other: no credit is left to protect).
      return {
        ...state,
        lifecycle: 'charged_back',
        paidRemaining: state.paidRemaining - event.data.paidCredits,
        paidValueRemaining: state.paidValueRemaining - event.data.value,
        goodwillRemaining: state.goodwillRemaining - event.data.goodwillCredits,
        creditsRevoked: state.creditsRevoked + event.data.credits,
        openDisputes: [],
      };
  }
}

function moveCredit(state: PackageSnapshot, kind: CreditKind, delta: number, valueDelta: number): PackageSnapshot {
  return kind === 'paid'
    ? { ...state, paidRemaining: state.paidRemaining + delta, paidValueRemaining: state.paidValueRemaining + valueDelta }
    : { ...state, goodwillRemaining: state.goodwillRemaining + delta };
}

/** Instants in events are always UTC ISO-8601 with milliseconds, so equal instants compare equal. */
export function normaliseInstant(value: string, field: string): string {
  const parsed = DateTime.fromISO(value, { setZone: true });
  // An offset is required: without one the instant would depend on the server's time zone.
  if (!parsed.isValid || !/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(value)) throw new DomainError('invalid_instant', `${field} must be an ISO-8601 instant with a time and offset.`);
  return toUtcIso(parsed);
}

export function foldPackage(events: PackageEvent[]): PackageState {
  return events.reduce(evolvePackage, initialPackageState);
}

export const packageStreamId = (packageId: string) => `package-${packageId}`;

/** The `package-{id}` stream's decider: the client's credit account. */
export const packageDecider: Decider<PackageCommand, PackageState, PackageEvent> = {
  initialState: initialPackageState,
  evolve: evolvePackage,
  decide: decidePackage,
};
