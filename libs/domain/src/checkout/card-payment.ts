import { Evolver } from '../shared/decider';
import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';
import { Money } from '../shared/money';

/**
 * `card-payment-{tenantId}-{paymentIntentId}`: which package a card payment bought, appended in the
 * checkout's completing append. Stripe's later events about the payment (disputes, refunds made in its
 * dashboard) name only the PaymentIntent: they find the package here, from the event log, never from a
 * read model that may lag. Ids only.
 */
export type CardPaymentLinked = {
  type: 'CardPaymentLinked';
  data: { paymentIntentId: string; packageId: string; checkoutId: string; clientId: string; amountPaid: Money };
};
export type CardPaymentEvent = CardPaymentLinked;
export type CardPaymentEventType = CardPaymentEvent['type'];

export const CARD_PAYMENT_SCHEMA_VERSIONS = {
  CardPaymentLinked: 1,
} satisfies SchemaVersions<CardPaymentEventType>;

export const CARD_PAYMENT_EVENT_TYPES = eventTypeSet(CARD_PAYMENT_SCHEMA_VERSIONS);
export const isCardPaymentEvent = eventGuard<CardPaymentEvent>(CARD_PAYMENT_EVENT_TYPES);

export type CardPaymentState = { exists: false } | { exists: true; packageId: string; checkoutId: string; amountPaid: Money };

export const cardPaymentStreamId = (tenantId: string, paymentIntentId: string) => `card-payment-${tenantId}-${paymentIntentId}`;

export const cardPaymentDecider: Evolver<CardPaymentState, CardPaymentEvent> = {
  initialState: { exists: false },
  evolve: (_state, event) => ({ exists: true, packageId: event.data.packageId, checkoutId: event.data.checkoutId, amountPaid: event.data.amountPaid }),
};
