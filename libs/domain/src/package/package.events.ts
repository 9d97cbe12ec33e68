import { eventGuard, eventTypeSet, SchemaVersions, Upcasters } from '../shared/event';
import { Money } from '../shared/money';

/**
 * Every event that moves paid credits records the `value` (minor units of the package's currency)
 * that moved with them, so accounting reads values instead of recomputing them.
 *
 * Credits come in two kinds. `paid` credits came with the package and share its price
 * (a comp package's paid credits share a price of 0); `goodwill` credits were added by an admin
 * and carry no value. Redemptions use paid credits first; removals and forfeits take goodwill first.
 * Every event that moves credits says which kind moved, so the ledger and accounting never guess.
 */
export type CreditKind = 'paid' | 'goodwill';

export const PAYMENT_METHODS = ['cash', 'bank_transfer', 'check', 'card', 'comp', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * Every package event names its package, offering and client (opaque ids, no personal data), so a
 * read model keyed by any of them knows which documents an event touches without a lookup.
 */
interface PackageRef {
  packageId: string;
  offeringId: string;
  clientId: string;
}

export type PackagePurchased = {
  type: 'PackagePurchased';
  data: PackageRef & {
    /** The offering's name at the time of sale: receipts and reports show what was actually sold. */
    offeringName: string;
    credits: number;
    price: Money;
    payment: { method: PaymentMethod; reference: string | null };
    purchasedAt: string;
    expiresAt: string | null;
    /**
     * Set when staff sold the package to a client outside the offering's visibility groups:
     * their reason (the actor is in the metadata). Null otherwise, and in events stored at v1.
     */
    visibilityOverride: { reason: string } | null;
  };
};
export type SessionRedeemed = {
  type: 'SessionRedeemed';
  data: PackageRef & {
    redemptionId: string;
    bookingId: string | null;
    serviceId: string | null;
    note: string | null;
    sessionAt: string;
    creditKind: CreditKind;
    value: number;
  };
};
/**
 * `rule`: which policy returned the credit when a booking was cancelled or missed
 * (see BOOKING_CREDIT_RULES); null for a manual reversal. `sessionAt`: when the session whose credit
 * came back was to take place (accounting on the delivery basis reverses its revenue there); null in
 * events stored before v3.
 */
export type RedemptionReversed = {
  type: 'RedemptionReversed';
  data: PackageRef & { redemptionId: string; reason: string; creditKind: CreditKind; value: number; rule: string | null; sessionAt: string | null };
};
/** A booked session moved to another time; the credit stays redeemed. */
export type SessionRescheduled = {
  type: 'SessionRescheduled';
  data: PackageRef & { redemptionId: string; bookingId: string; previousSessionAt: string; sessionAt: string };
};
/**
 * A booked credit stays used although the session did not happen, by `rule`: a late cancellation or a
 * no-show the offering forfeits, or any cancellation or no-show once the package has closed (expired or
 * refunded: rule `package_closed`, cause `cancellation` for one in time). No credit moves: this records
 * why the redemption was not reversed, and the redemption is final. `sessionAt`: when the session was
 * to take place; null in events stored before v2.
 */
export type ForfeitCause = 'late_cancellation' | 'cancellation' | 'no_show';
export type SessionForfeited = {
  type: 'SessionForfeited';
  data: PackageRef & { redemptionId: string; bookingId: string; cause: ForfeitCause; rule: string; value: number; sessionAt: string | null };
};
export type CreditsAdjusted = {
  type: 'CreditsAdjusted';
  /** `value`: the value of the paid credits removed (0 when adding, or when only goodwill was removed). */
  data: PackageRef & { delta: number; paidDelta: number; goodwillDelta: number; value: number; reason: string };
};
export type ExpiryChanged = {
  type: 'ExpiryChanged';
  data: PackageRef & { previousExpiresAt: string | null; expiresAt: string | null; reason: string };
};
export type PackageExpired = {
  type: 'PackageExpired';
  data: PackageRef & { expiresAt: string; creditsForfeited: number; paidCreditsForfeited: number; goodwillCreditsForfeited: number; value: number };
};
/**
 * `value`: what the refunded credits were worth; `amount`: the money returned (at most `value`, except
 * a refund made in Stripe's dashboard beyond the unused value: sessions already delivered, ADR 0022).
 * `refundId`: the card refund Punchcard requested (its CardRefundRequested), null otherwise;
 * `stripeRefundId`: Stripe's refund (`re_…`) when the money went back through Stripe. Both null in
 * events stored at v1 and for refunds recorded at the desk.
 */
export type PackageRefunded = {
  type: 'PackageRefunded';
  data: PackageRef & {
    credits: number;
    paidCredits: number;
    goodwillCredits: number;
    value: number;
    amount: Money;
    reason: string;
    refundId: string | null;
    stripeRefundId: string | null;
  };
};

/**
 * Phase one of a refund through Stripe (ADR 0022): the intent, recorded before Stripe is called. It
 * holds the credits (they leave what the client can use, as a refund would) until the outcome:
 * `PackageRefunded` with the same `refundId`, or `CardRefundFailed`. `refundId` is Punchcard's id of
 * the refund; Stripe's idempotency key derives from it.
 */
export type CardRefundRequested = {
  type: 'CardRefundRequested';
  data: PackageRef & {
    refundId: string;
    paymentIntentId: string;
    credits: number;
    paidCredits: number;
    goodwillCredits: number;
    value: number;
    amount: Money;
    reason: string;
  };
};
/** Stripe refused the refund (`code`: Stripe's, or ours): the held credits are usable again. No money moved. */
export type CardRefundFailed = {
  type: 'CardRefundFailed';
  data: PackageRef & { refundId: string; credits: number; paidCredits: number; goodwillCredits: number; value: number; code: string; message: string };
};

/**
 * The card payment is disputed (a chargeback was opened): the package is frozen until the dispute closes,
 * new redemptions, bookings and refunds are refused. `disputeId`: the payment processor's dispute.
 */
export type PackageFrozen = {
  type: 'PackageFrozen';
  data: PackageRef & { disputeId: string; reason: string };
};
/** The dispute closed in the business's favour (or was withdrawn): the package is usable again. */
export type PackageUnfrozen = {
  type: 'PackageUnfrozen';
  data: PackageRef & { disputeId: string; reason: string };
};
/**
 * The dispute was lost: the money `amount` went back to the client's bank, and every remaining credit
 * is revoked (`credits`, of which `paidCredits` carried `value`). Sessions already used stay used.
 */
export type CreditsRevoked = {
  type: 'CreditsRevoked';
  data: PackageRef & { disputeId: string; credits: number; paidCredits: number; goodwillCredits: number; value: number; amount: Money; reason: string };
};

export type PackageEvent =
  | PackagePurchased
  | SessionRedeemed
  | RedemptionReversed
  | SessionRescheduled
  | SessionForfeited
  | CreditsAdjusted
  | ExpiryChanged
  | PackageExpired
  | PackageRefunded
  | CardRefundRequested
  | CardRefundFailed
  | PackageFrozen
  | PackageUnfrozen
  | CreditsRevoked;

export type PackageEventType = PackageEvent['type'];

/** Current schema version of every package event type; a new type fails the build until it is listed. */
export const PACKAGE_SCHEMA_VERSIONS = {
  PackagePurchased: 2,
  SessionRedeemed: 1,
  RedemptionReversed: 3,
  SessionRescheduled: 1,
  SessionForfeited: 2,
  CreditsAdjusted: 1,
  ExpiryChanged: 1,
  PackageExpired: 1,
  PackageRefunded: 2,
  CardRefundRequested: 1,
  CardRefundFailed: 1,
  PackageFrozen: 1,
  PackageUnfrozen: 1,
  CreditsRevoked: 1,
} satisfies SchemaVersions<PackageEventType>;

export const PACKAGE_UPCASTERS: Upcasters<PackageEventType> = {
  // v1 sales did not check visibility, so none overrode it.
  PackagePurchased: { 1: (data) => ({ ...data, visibilityOverride: null }) },
  // v1 reversals were all manual: no booking rule decided them. Before v3 the session's instant was
  // not recorded; those events all belong to packages accounted on the redemption basis, which does not need it.
  RedemptionReversed: { 1: (data) => ({ ...data, rule: null }), 2: (data) => ({ ...data, sessionAt: null }) },
  SessionForfeited: { 1: (data) => ({ ...data, sessionAt: null }) },
  // v1 refunds were all recorded at the desk: no money went back through Stripe.
  PackageRefunded: { 1: (data) => ({ ...data, refundId: null, stripeRefundId: null }) },
};

export const PACKAGE_EVENT_TYPES = eventTypeSet(PACKAGE_SCHEMA_VERSIONS);
export const isPackageEvent = eventGuard<PackageEvent>(PACKAGE_EVENT_TYPES);
