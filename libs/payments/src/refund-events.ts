import { METADATA_TENANT, StripeEventLike } from './stripe-events';

/**
 * What a verified Stripe event means for refunds (ADR 0022), decided from the event alone: pure, no
 * I/O. Kept apart from `meaningOf` (checkouts, disputes): null means "not about a refund".
 *
 * Acted on: `refund.created` and `refund.updated`, whose object is the Refund itself (its id, amount,
 * PaymentIntent, status and metadata), so each refund is recorded once by its id whatever the order
 * or number of deliveries. `charge.refunded` (the charge-level echo, sent for the same refunds) carries
 * only the cumulative amount: it is logged and ignored.
 */
export interface StripeRefundLike {
  id: string;
  object?: string;
  amount?: number | null;
  currency?: string | null;
  payment_intent?: string | { id: string } | null;
  status?: string | null;
  metadata?: Record<string, string> | null;
}

/** Metadata every refund Punchcard creates carries (with METADATA_TENANT). */
export const METADATA_PACKAGE = 'punchcard_package_id';
export const METADATA_REFUND = 'punchcard_refund_id';

export type RefundMeaning =
  | {
      kind: 'refund';
      stripeRefundId: string;
      paymentIntentId: string;
      amount: { amount: number; currency: string };
      /** Punchcard's refund id when Punchcard requested it (from the metadata), else null: made in Stripe's dashboard. */
      refundId: string | null;
    }
  | { kind: 'ignore'; outcome: 'ignored' | 'other_tenant' | 'not_ours' | 'refund_not_settled'; detail: string };

const REFUND_EVENTS = new Set(['refund.created', 'refund.updated']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function refundMeaningOf(event: StripeEventLike, tenantId: string): RefundMeaning | null {
  if (event.type === 'charge.refunded') return { kind: 'ignore', outcome: 'ignored', detail: 'Refunds are recorded from refund.created / refund.updated, which name the refund.' };
  if (!REFUND_EVENTS.has(event.type)) return null;
  const refund = event.data?.object as StripeRefundLike | undefined;
  const paymentIntentId = typeof refund?.payment_intent === 'string' ? refund.payment_intent : (refund?.payment_intent?.id ?? null);
  if (!refund || typeof refund.id !== 'string' || !paymentIntentId || typeof refund.amount !== 'number' || !refund.currency) {
    return { kind: 'ignore', outcome: 'not_ours', detail: 'A refund of no PaymentIntent (not a Checkout payment).' };
  }
  const owner = refund.metadata?.[METADATA_TENANT];
  if (owner !== undefined && owner !== tenantId) return { kind: 'ignore', outcome: 'other_tenant', detail: 'The refund belongs to another business.' };
  // `pending` is a refund Stripe accepted and is sending; `failed`, `canceled`, `requires_action` moved no money (yet).
  if (refund.status !== 'succeeded' && refund.status !== 'pending') {
    return { kind: 'ignore', outcome: 'refund_not_settled', detail: `The refund is ${refund.status ?? 'in no known state'}: no money left.` };
  }
  const ours = refund.metadata?.[METADATA_REFUND];
  return {
    kind: 'refund',
    stripeRefundId: refund.id,
    paymentIntentId,
    amount: { amount: refund.amount, currency: refund.currency.toUpperCase() },
    refundId: typeof ours === 'string' && UUID.test(ours) ? ours : null,
  };
}
