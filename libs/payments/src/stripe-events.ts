/**
 * What a verified Stripe event means for a checkout (ADR 0020), decided from the event alone: pure,
 * no I/O. Only the fields read here are typed; the rest of Stripe's objects is ignored.
 */
export interface StripeCheckoutSessionLike {
  id: string;
  object?: string;
  client_reference_id?: string | null;
  metadata?: Record<string, string> | null;
  payment_intent?: string | { id: string } | null;
  payment_status?: string;
  status?: string | null;
  amount_total?: number | null;
  currency?: string | null;
}

export interface StripeEventLike {
  id: string;
  type: string;
  data: { object: unknown };
}

/** Metadata every checkout session we create carries (and `client_reference_id` = the checkout id). */
export const METADATA_TENANT = 'punchcard_tenant_id';
export const METADATA_CHECKOUT = 'punchcard_checkout_id';

export type CheckoutSettlement =
  | { kind: 'complete'; paymentIntentId: string; amountPaid: { amount: number; currency: string } }
  | { kind: 'fail'; reason: string }
  | { kind: 'expire' }
  /** Completed, but an asynchronous payment (e.g. a bank debit) has not cleared: a later event says how it ended. */
  | { kind: 'pending' };

/** A chargeback on a card payment: the fields of Stripe's Dispute object read here. */
export interface StripeDisputeLike {
  id: string;
  object?: string;
  payment_intent?: string | { id: string } | null;
  amount?: number;
  currency?: string;
  status?: string;
  reason?: string | null;
}

/** What a dispute event asks of the package the payment bought. */
export type DisputeAction = { kind: 'open' } | { kind: 'closed' } | { kind: 'lost'; amount: { amount: number; currency: string } };

export type StripeEventMeaning =
  | { kind: 'checkout'; checkoutId: string; sessionId: string; settlement: CheckoutSettlement }
  | { kind: 'dispute'; disputeId: string; paymentIntentId: string; action: DisputeAction; reason: string }
  | { kind: 'ignore'; outcome: 'ignored' | 'other_tenant' | 'not_ours'; detail: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CHECKOUT_EVENTS = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
]);

export function meaningOf(event: StripeEventLike, tenantId: string): StripeEventMeaning {
  if (event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed') return disputeMeaningOf(event);
  if (!CHECKOUT_EVENTS.has(event.type)) return { kind: 'ignore', outcome: 'ignored', detail: `Punchcard does not act on ${event.type}.` };
  const session = event.data?.object as StripeCheckoutSessionLike | undefined;
  const checkoutId = session?.metadata?.[METADATA_CHECKOUT] ?? session?.client_reference_id ?? null;
  if (!session || typeof session.id !== 'string' || typeof checkoutId !== 'string' || !UUID.test(checkoutId)) return { kind: 'ignore', outcome: 'not_ours', detail: 'A checkout session Punchcard did not create.' };
  // One Stripe account may serve several endpoints: a session of another business is not this one's to act on.
  const owner = session.metadata?.[METADATA_TENANT];
  if (owner !== undefined && owner !== tenantId) return { kind: 'ignore', outcome: 'other_tenant', detail: 'The session belongs to another business.' };
  return { kind: 'checkout', checkoutId, sessionId: session.id, settlement: settlementOf(event.type, session) };
}

/**
 * A dispute opened freezes the package; closed `lost` revokes its credits, the disputed amount having
 * gone back to the client; closed any other way (`won`, `warning_closed` for an inquiry that never
 * became a chargeback, `charge_refunded`, …) unfreezes it, since the money is no longer contested.
 * Dispute updates change nothing. Disputes carry no metadata of ours: the PaymentIntent leads to the
 * package (the `card-payment-…` stream of the business).
 */
export function disputeMeaningOf(event: StripeEventLike): StripeEventMeaning {
  const dispute = event.data?.object as StripeDisputeLike | undefined;
  const paymentIntentId = typeof dispute?.payment_intent === 'string' ? dispute.payment_intent : (dispute?.payment_intent?.id ?? null);
  if (!dispute || typeof dispute.id !== 'string' || !paymentIntentId) return { kind: 'ignore', outcome: 'not_ours', detail: 'A dispute without a PaymentIntent.' };
  const reason = `Stripe dispute ${dispute.id}${dispute.reason ? ` (${dispute.reason})` : ''}`;
  const base = { kind: 'dispute' as const, disputeId: dispute.id, paymentIntentId };
  if (event.type === 'charge.dispute.created') return { ...base, action: { kind: 'open' }, reason: `${reason} opened` };
  if (dispute.status !== 'lost') return { ...base, action: { kind: 'closed' }, reason: `${reason} closed: ${dispute.status ?? 'unknown'}` };
  if (typeof dispute.amount !== 'number' || !dispute.currency) return { kind: 'ignore', outcome: 'not_ours', detail: `Dispute ${dispute.id} lost without an amount.` };
  return { ...base, action: { kind: 'lost', amount: { amount: dispute.amount, currency: dispute.currency.toUpperCase() } }, reason: `${reason} lost` };
}

/** What a checkout session says about its payment (a webhook's object, or the session read back from Stripe). */
export function settlementOf(eventType: string | null, session: StripeCheckoutSessionLike): CheckoutSettlement {
  if (eventType === 'checkout.session.async_payment_failed') return { kind: 'fail', reason: 'async_payment_failed' };
  if (eventType === 'checkout.session.expired' || session.status === 'expired') return { kind: 'expire' };
  const paid = session.payment_status === 'paid' && session.status === 'complete';
  if (eventType === 'checkout.session.async_payment_succeeded' || paid) {
    const paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
    if (!paymentIntentId || typeof session.amount_total !== 'number' || !session.currency) return { kind: 'pending' };
    return { kind: 'complete', paymentIntentId, amountPaid: { amount: session.amount_total, currency: session.currency.toUpperCase() } };
  }
  return { kind: 'pending' };
}
