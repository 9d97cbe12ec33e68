import { refundMeaningOf } from './refund-events';

const TENANT = '0b5c0d7e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const OURS = '01931c2e-7a1b-7c3d-9e4f-a5b6c7d8e9f0';
const refund = (fields: object = {}) => ({
  id: 're_1',
  object: 'refund',
  amount: 18000,
  currency: 'eur',
  payment_intent: 'pi_1',
  status: 'succeeded',
  metadata: {},
  ...fields,
});
const event = (type: string, object: unknown) => ({ id: 'evt_1', type, data: { object } });

describe('what a Stripe event means for refunds', () => {
  it('a refund made in the dashboard: its id, PaymentIntent and amount (currency upper-cased), not ours', () => {
    expect(refundMeaningOf(event('refund.created', refund()), TENANT)).toEqual({
      kind: 'refund',
      stripeRefundId: 're_1',
      paymentIntentId: 'pi_1',
      amount: { amount: 18000, currency: 'EUR' },
      refundId: null,
    });
  });

  it('a refund Punchcard requested names our refund id (refund.updated alike; an expanded PaymentIntent counts as its id)', () => {
    const ours = refund({ metadata: { punchcard_tenant_id: TENANT, punchcard_refund_id: OURS }, payment_intent: { id: 'pi_2' }, status: 'pending' });
    expect(refundMeaningOf(event('refund.updated', ours), TENANT)).toMatchObject({ kind: 'refund', refundId: OURS, paymentIntentId: 'pi_2' });
    expect(refundMeaningOf(event('refund.created', refund({ metadata: { punchcard_refund_id: 'not-a-uuid' } })), TENANT)).toMatchObject({ refundId: null });
  });

  it('a refund that moved no money, of another business, or of no PaymentIntent is not acted on', () => {
    for (const status of ['failed', 'canceled', 'requires_action']) {
      expect(refundMeaningOf(event('refund.updated', refund({ status })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'refund_not_settled' });
    }
    expect(refundMeaningOf(event('refund.created', refund({ metadata: { punchcard_tenant_id: 'another' } })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'other_tenant' });
    expect(refundMeaningOf(event('refund.created', refund({ payment_intent: null })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
    expect(refundMeaningOf(event('refund.created', null), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
  });

  it('charge.refunded is the echo of the same refunds: ignored; other types are not about refunds (null)', () => {
    expect(refundMeaningOf(event('charge.refunded', { id: 'ch_1', amount_refunded: 18000 }), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'ignored' });
    expect(refundMeaningOf(event('checkout.session.completed', {}), TENANT)).toBeNull();
    expect(refundMeaningOf(event('charge.dispute.created', {}), TENANT)).toBeNull();
  });
});
