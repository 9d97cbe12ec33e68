import { OfferingState } from '../offering/offering.decider';
import { isVisibleTo } from '../offering/offering.events';
import { computeExpiresAt } from '../offering/validity';
import { PackagePurchased } from '../package/package.events';
import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { DecisionContext } from '../shared/event';
import { Money } from '../shared/money';
import { CheckoutEvent, CheckoutTerms } from './checkout.events';

export type CheckoutStatus = 'open' | 'paid' | 'expired' | 'failed';

export interface CheckoutSnapshot extends CheckoutTerms {
  exists: true;
  checkoutId: string;
  clientId: string;
  packageId: string;
  stripeSessionId: string;
  url: string | null;
  expiresAt: string;
  startedAt: string;
  status: CheckoutStatus;
  paymentIntentId: string | null;
  amountPaid: Money | null;
  completedAt: string | null;
  failureReason: string | null;
}

export type CheckoutState = { exists: false } | CheckoutSnapshot;
export const initialCheckoutState: CheckoutState = { exists: false };

export type CheckoutCommand =
  | { type: 'StartCheckout'; checkoutId: string; packageId: string; clientId: string; terms: CheckoutTerms; stripeSession: { id: string; url: string | null; expiresAt: string } }
  | { type: 'CompleteCheckout'; paymentIntentId: string; amountPaid: Money; stripeEventId: string | null }
  | { type: 'FailCheckout'; reason: string; stripeEventId: string | null }
  | { type: 'ExpireCheckout'; stripeEventId: string | null };

export const checkoutStreamId = (checkoutId: string) => `checkout-${checkoutId}`;

/**
 * What a checkout for this offering would sell, decided before Stripe is asked for a session: the
 * rules of a sale at the desk (active, not deleted, not past its fixed date, visible to the client's
 * groups), and the terms frozen from that moment on.
 */
export function checkoutTerms(offering: OfferingState, clientGroups: readonly string[], ctx: DecisionContext): CheckoutTerms {
  if (!offering.exists) throw new DomainError('offering_not_found', 'Offering not found.');
  if (offering.deleted) throw new DomainError('offering_deleted', 'The offering was deleted; it can no longer be sold.');
  if (offering.status !== 'active') throw new DomainError('offering_not_active', `The offering is ${offering.status}; only active offerings can be sold.`);
  const expiresAt = computeExpiresAt(offering.validity, ctx.now, ctx.timezone);
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(ctx.now)) throw new DomainError('offering_expired', 'The offering’s fixed expiration date has passed.');
  if (!isVisibleTo(offering.visibility, clientGroups)) {
    throw new DomainError('offering_not_visible', 'The offering is only for members of its groups, and this client is in none of them.');
  }
  if (offering.price.amount <= 0) throw new DomainError('offering_not_payable', 'The offering is free: grant it at the desk (payment method comp) instead.');
  return { offeringId: offering.offeringId, offeringName: offering.name, credits: offering.sessionCount, price: offering.price, validity: offering.validity };
}

export function decideCheckout(command: CheckoutCommand, state: CheckoutState, ctx: DecisionContext): CheckoutEvent[] {
  if (command.type === 'StartCheckout') {
    if (state.exists) throw new DomainError('checkout_already_exists', 'This checkout already exists.');
    const { checkoutId, clientId, packageId, terms, stripeSession } = command;
    return [
      {
        type: 'CheckoutStarted',
        data: { checkoutId, clientId, ...terms, packageId, stripeSessionId: stripeSession.id, url: stripeSession.url, expiresAt: stripeSession.expiresAt, startedAt: ctx.now },
      },
    ];
  }
  if (!state.exists) throw new DomainError('checkout_not_found', 'Checkout not found.');
  const ref = { checkoutId: state.checkoutId, clientId: state.clientId, offeringId: state.offeringId };
  switch (command.type) {
    case 'CompleteCheckout':
      // Paid once: every later report of the same payment is a duplicate. A payment reported after an
      // expiry or failure was recorded is still honoured: the money was taken.
      if (state.status === 'paid') return [];
      return [
        {
          type: 'CheckoutCompleted',
          data: { ...ref, packageId: state.packageId, paymentIntentId: command.paymentIntentId, amountPaid: command.amountPaid, stripeEventId: command.stripeEventId, completedAt: ctx.now },
        },
      ];
    case 'FailCheckout':
      return state.status === 'open' ? [{ type: 'CheckoutFailed', data: { ...ref, reason: command.reason, stripeEventId: command.stripeEventId } }] : [];
    case 'ExpireCheckout':
      return state.status === 'open' ? [{ type: 'CheckoutExpired', data: { ...ref, stripeEventId: command.stripeEventId } }] : [];
  }
}

export function evolveCheckout(state: CheckoutState, event: CheckoutEvent): CheckoutState {
  if (event.type === 'CheckoutStarted') {
    const { checkoutId, clientId, packageId, offeringId, offeringName, credits, price, validity, stripeSessionId, url, expiresAt, startedAt } = event.data;
    return {
      exists: true,
      checkoutId,
      clientId,
      packageId,
      offeringId,
      offeringName,
      credits,
      price,
      validity,
      stripeSessionId,
      url,
      expiresAt,
      startedAt,
      status: 'open',
      paymentIntentId: null,
      amountPaid: null,
      completedAt: null,
      failureReason: null,
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'CheckoutCompleted':
      return { ...state, status: 'paid', paymentIntentId: event.data.paymentIntentId, amountPaid: event.data.amountPaid, completedAt: event.data.completedAt };
    case 'CheckoutFailed':
      return { ...state, status: 'failed', failureReason: event.data.reason };
    case 'CheckoutExpired':
      return { ...state, status: 'expired' };
  }
}

/**
 * The sale a completed checkout makes, appended with `CheckoutCompleted` in one append: the frozen
 * credits and validity, the amount Stripe charged, paid by card with the PaymentIntent as reference.
 * Its expiry counts from the payment (the purchase), in the business's zone.
 */
export function packagePurchasedFor(checkout: CheckoutSnapshot, completed: Extract<CheckoutEvent, { type: 'CheckoutCompleted' }>['data'], timezone: string): PackagePurchased {
  return {
    type: 'PackagePurchased',
    data: {
      packageId: checkout.packageId,
      offeringId: checkout.offeringId,
      clientId: checkout.clientId,
      offeringName: checkout.offeringName,
      credits: checkout.credits,
      price: completed.amountPaid,
      payment: { method: 'card', reference: completed.paymentIntentId },
      purchasedAt: completed.completedAt,
      expiresAt: computeExpiresAt(checkout.validity, completed.completedAt, timezone),
      visibilityOverride: null,
    },
  };
}

export const checkoutDecider: Decider<CheckoutCommand, CheckoutState, CheckoutEvent> = {
  initialState: initialCheckoutState,
  evolve: evolveCheckout,
  decide: decideCheckout,
};
