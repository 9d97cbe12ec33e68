import { Validity } from '../offering/validity';
import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';
import { Money } from '../shared/money';

/**
 * `checkout-{id}`: one online sale through Stripe Checkout (ADR 0020). Ids only, no personal data:
 * the client's email goes to Stripe from the client directory, never into an event.
 */
interface CheckoutRef {
  checkoutId: string;
  clientId: string;
  offeringId: string;
}

/** What the client was offered, frozen when the checkout started: later edits of the offering do not change it. */
export interface CheckoutTerms {
  offeringId: string;
  offeringName: string;
  credits: number;
  price: Money;
  validity: Validity;
}

export type CheckoutStarted = {
  type: 'CheckoutStarted';
  data: CheckoutRef &
    CheckoutTerms & {
      /** The package the payment will create: derived from the checkout id, so every completion names the same one. */
      packageId: string;
      stripeSessionId: string;
      /** Stripe's hosted payment page for the session. */
      url: string | null;
      /** When Stripe stops accepting payment for the session. */
      expiresAt: string;
      startedAt: string;
    };
};
export type CheckoutCompleted = {
  type: 'CheckoutCompleted';
  data: CheckoutRef & {
    packageId: string;
    paymentIntentId: string;
    /** What Stripe charged: the package's price, whatever the offering costs now. */
    amountPaid: Money;
    /** The Stripe event that reported the payment; null when a read confirmed it with Stripe first. */
    stripeEventId: string | null;
    completedAt: string;
  };
};
export type CheckoutFailed = {
  type: 'CheckoutFailed';
  data: CheckoutRef & { reason: string; stripeEventId: string | null };
};
export type CheckoutExpired = {
  type: 'CheckoutExpired';
  data: CheckoutRef & { stripeEventId: string | null };
};

export type CheckoutEvent = CheckoutStarted | CheckoutCompleted | CheckoutFailed | CheckoutExpired;
export type CheckoutEventType = CheckoutEvent['type'];

export const CHECKOUT_SCHEMA_VERSIONS = {
  CheckoutStarted: 1,
  CheckoutCompleted: 1,
  CheckoutFailed: 1,
  CheckoutExpired: 1,
} satisfies SchemaVersions<CheckoutEventType>;

export const CHECKOUT_EVENT_TYPES = eventTypeSet(CHECKOUT_SCHEMA_VERSIONS);
export const isCheckoutEvent = eventGuard<CheckoutEvent>(CHECKOUT_EVENT_TYPES);
