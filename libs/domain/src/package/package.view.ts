import { Money } from '../shared/money';
import { creditsRemaining, PackageLifecycle, PackageSnapshot, PendingCardRefund } from './package.decider';
import { PaymentMethod } from './package.events';

/** `used_up`: active, but no credits left; `charged_back`: a lost payment dispute revoked the credits left. */
export type PackageStatus = 'active' | 'used_up' | 'expired' | 'refunded' | 'charged_back';

/** A package as the API and the packages read model show it. */
export interface PackageView {
  id: string;
  clientId: string;
  offeringId: string;
  offeringName: string;
  status: PackageStatus;
  creditsTotal: number;
  creditsUsed: number;
  creditsRemaining: number;
  creditsRefunded: number;
  creditsForfeited: number;
  paidCredits: number;
  paidRemaining: number;
  /** What the remaining paid credits are worth, in minor units of the price's currency. */
  paidValueRemaining: number;
  goodwillRemaining: number;
  price: Money;
  payment: { method: PaymentMethod; reference: string | null };
  purchasedAt: string;
  expiresAt: string | null;
  /** A payment dispute is open: new redemptions, bookings and refunds are refused until it closes. */
  frozen: boolean;
  /** The open disputes' ids (the payment processor's). */
  openDisputes: string[];
  /** Credits revoked by a lost dispute. */
  creditsRevoked: number;
  /** Credits held by a refund through Stripe awaiting its outcome (not in creditsRemaining meanwhile). */
  creditsOnHold: number;
  /** That refund (ADR 0022), or null. */
  pendingCardRefund: PendingCardRefund | null;
}

export function toPackageView(state: PackageSnapshot): PackageView {
  const remaining = creditsRemaining(state);
  return {
    id: state.packageId,
    clientId: state.clientId,
    offeringId: state.offeringId,
    offeringName: state.offeringName,
    status: state.lifecycle === 'active' && remaining === 0 && state.pendingCardRefund === null ? 'used_up' : state.lifecycle,
    creditsTotal: state.creditsTotal,
    creditsUsed: state.creditsUsed,
    creditsRemaining: remaining,
    creditsRefunded: state.creditsRefunded,
    creditsForfeited: state.creditsForfeited,
    paidCredits: state.paidCredits,
    paidRemaining: state.paidRemaining,
    paidValueRemaining: state.paidValueRemaining,
    goodwillRemaining: state.goodwillRemaining,
    price: state.price,
    payment: state.payment,
    purchasedAt: state.purchasedAt,
    expiresAt: state.expiresAt,
    frozen: state.openDisputes.length > 0,
    openDisputes: state.openDisputes,
    creditsRevoked: state.creditsRevoked,
    creditsOnHold: state.pendingCardRefund?.credits ?? 0,
    pendingCardRefund: state.pendingCardRefund,
  };
}

/**
 * The decider state behind a view, minus the redemption index (a read model does not keep it;
 * evolve only adds to it). Lets the read model reuse evolvePackage instead of restating its rules.
 */
export function fromPackageView(view: PackageView): PackageSnapshot {
  const lifecycle: PackageLifecycle = view.status === 'used_up' ? 'active' : view.status;
  return {
    exists: true,
    packageId: view.id,
    clientId: view.clientId,
    offeringId: view.offeringId,
    offeringName: view.offeringName,
    lifecycle,
    price: view.price,
    payment: view.payment,
    paidCredits: view.paidCredits,
    paidRemaining: view.paidRemaining,
    paidValueRemaining: view.paidValueRemaining,
    goodwillRemaining: view.goodwillRemaining,
    creditsTotal: view.creditsTotal,
    creditsUsed: view.creditsUsed,
    creditsRefunded: view.creditsRefunded,
    creditsForfeited: view.creditsForfeited,
    purchasedAt: view.purchasedAt,
    expiresAt: view.expiresAt,
    redemptions: {},
    // Documents written before disputes existed have neither field.
    openDisputes: view.openDisputes ?? [],
    closedDisputes: [], // the read model does not keep them: evolve only adds to them
    creditsRevoked: view.creditsRevoked ?? 0,
    // Nor the card refunds (ADR 0022). Outcomes past are not kept: evolve only needs the pending one.
    pendingCardRefund: view.pendingCardRefund ?? null,
    cardRefunds: {},
    stripeRefundIds: [],
  };
}

/** What a reader sees now: a package past its expiry is expired even before the sweep records it. */
export function effectiveStatus(view: Pick<PackageView, 'status' | 'expiresAt'>, now: string): PackageStatus {
  if ((view.status === 'active' || view.status === 'used_up') && view.expiresAt !== null && Date.parse(now) >= Date.parse(view.expiresAt)) {
    return 'expired';
  }
  return view.status;
}

/**
 * The figures of a package under the API's one vocabulary (docs/api-guide.md, "Vocabulary"):
 * `creditsExpired` counts the credits lost when the package expired. The published `creditsForfeited`
 * holds the same figure and stays for compatibility (deprecated): "forfeited" means a booked credit
 * kept after a late cancellation or a no-show.
 */
export function withCreditsExpired<T extends Pick<PackageView, 'creditsForfeited'>>(view: T): T & { creditsExpired: number } {
  return { ...view, creditsExpired: view.creditsForfeited };
}
