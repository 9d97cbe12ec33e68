import { meaningOf, settlementOf } from './stripe-events';

const TENANT = '0b5c0d7e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const CHECKOUT = '01931c2e-7a1b-7c3d-9e4f-a5b6c7d8e9f0';
const session = (fields: object = {}) => ({
  id: 'cs_test_1',
  object: 'checkout.session',
  client_reference_id: CHECKOUT,
  metadata: { punchcard_tenant_id: TENANT, punchcard_checkout_id: CHECKOUT },
  payment_intent: 'pi_1',
  payment_status: 'paid',
  status: 'complete',
  amount_total: 54000,
  currency: 'eur',
  ...fields,
});
const event = (type: string, object: unknown) => ({ id: 'evt_1', type, data: { object } });

describe('what a Stripe event means for a checkout', () => {
  it('a paid completion completes, with the PaymentIntent and the amount charged (currency upper-cased)', () => {
    expect(meaningOf(event('checkout.session.completed', session()), TENANT)).toEqual({
      kind: 'checkout',
      checkoutId: CHECKOUT,
      sessionId: 'cs_test_1',
      settlement: { kind: 'complete', paymentIntentId: 'pi_1', amountPaid: { amount: 54000, currency: 'EUR' } },
    });
  });

  it('an expanded PaymentIntent counts as its id', () => {
    expect(settlementOf('checkout.session.completed', session({ payment_intent: { id: 'pi_2' } }))).toMatchObject({ paymentIntentId: 'pi_2' });
  });

  it('a completion whose payment has not cleared waits; the asynchronous outcome decides', () => {
    expect(settlementOf('checkout.session.completed', session({ payment_status: 'unpaid' }))).toEqual({ kind: 'pending' });
    expect(settlementOf('checkout.session.async_payment_succeeded', session())).toMatchObject({ kind: 'complete' });
    expect(settlementOf('checkout.session.async_payment_failed', session({ payment_status: 'unpaid' }))).toEqual({ kind: 'fail', reason: 'async_payment_failed' });
    expect(settlementOf('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid' }))).toEqual({ kind: 'expire' });
  });

  it('a session read back from Stripe: open waits, complete and paid completes, expired expires', () => {
    expect(settlementOf(null, session({ status: 'open', payment_status: 'unpaid', payment_intent: null }))).toEqual({ kind: 'pending' });
    expect(settlementOf(null, session())).toMatchObject({ kind: 'complete' });
    expect(settlementOf(null, session({ status: 'expired', payment_status: 'unpaid' }))).toEqual({ kind: 'expire' });
  });

  it('a paid report without the amount or the PaymentIntent is not acted on as a payment', () => {
    expect(settlementOf('checkout.session.completed', session({ amount_total: null }))).toEqual({ kind: 'pending' });
    expect(settlementOf('checkout.session.completed', session({ payment_intent: null }))).toEqual({ kind: 'pending' });
  });

  it('ignores other types, sessions we did not create, and sessions of another business', () => {
    expect(meaningOf(event('charge.succeeded', { id: 'ch_1' }), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'ignored' });
    expect(meaningOf(event('checkout.session.completed', session({ metadata: {}, client_reference_id: null })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
    expect(meaningOf(event('checkout.session.completed', session({ metadata: {}, client_reference_id: 'order-17' })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
    expect(meaningOf(event('checkout.session.completed', session({ metadata: { punchcard_checkout_id: CHECKOUT, punchcard_tenant_id: 'another' } })), TENANT)).toMatchObject({
      kind: 'ignore',
      outcome: 'other_tenant',
    });
    expect(meaningOf(event('checkout.session.completed', null), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
  });
});

describe('what a Stripe dispute event means for the package it paid', () => {
  const dispute = (fields: object = {}) => ({ id: 'dp_1', object: 'dispute', payment_intent: 'pi_1', amount: 54000, currency: 'eur', status: 'needs_response', reason: 'fraudulent', ...fields });

  it('opened: freeze the package the PaymentIntent bought', () => {
    expect(meaningOf(event('charge.dispute.created', dispute()), TENANT)).toEqual({
      kind: 'dispute',
      disputeId: 'dp_1',
      paymentIntentId: 'pi_1',
      action: { kind: 'open' },
      reason: 'Stripe dispute dp_1 (fraudulent) opened',
    });
  });

  it('closed any way but lost (won, an inquiry closed, refunded instead): unfreeze', () => {
    for (const status of ['won', 'warning_closed', 'charge_refunded']) expect(meaningOf(event('charge.dispute.closed', dispute({ status })), TENANT)).toMatchObject({ action: { kind: 'closed' } });
  });

  it('closed lost: revoke, with the disputed amount (currency upper-cased)', () => {
    expect(meaningOf(event('charge.dispute.closed', dispute({ status: 'lost', amount: 30000 })), TENANT)).toMatchObject({
      action: { kind: 'lost', amount: { amount: 30000, currency: 'EUR' } },
    });
  });

  it('updates and disputes without a PaymentIntent change nothing', () => {
    expect(meaningOf(event('charge.dispute.updated', dispute()), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'ignored' });
    expect(meaningOf(event('charge.dispute.created', dispute({ payment_intent: null })), TENANT)).toMatchObject({ kind: 'ignore', outcome: 'not_ours' });
    expect(meaningOf(event('charge.dispute.created', dispute({ payment_intent: { id: 'pi_9' } })), TENANT)).toMatchObject({ paymentIntentId: 'pi_9' });
  });
});
