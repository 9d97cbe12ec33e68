import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { cardPaymentDecider, cardPaymentStreamId, checkoutDecider, checkoutStreamId } from '@punchcard/domain';
import { METADATA_CHECKOUT, METADATA_TENANT, StripeCallError, StripeGateway } from '@punchcard/payments';
import { ApiError } from '../http/problem';
import { StreamExecutor } from '../write-side/stream-executor';
import { ConfirmCheckoutCommand } from './settle-checkout/confirm-checkout.command';
import { StripeConnections } from './stripe-connections';

/**
 * The package a card payment bought, from the payment's stream (written with the sale). A refund can
 * outrun the sale's own webhook (failing, or still being retried): then the PaymentIntent's metadata
 * names our checkout, which is confirmed with Stripe first (disputes and refunds alike). A payment that is ours
 * but cannot be recorded yet answers 503, so Stripe delivers the event again; null: not this business's.
 */
@Injectable()
export class PaidPackage {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    private readonly commands: CommandBus,
  ) {}

  async of(tenantId: string, paymentIntentId: string): Promise<string | null> {
    const linked = async () => (await this.streams.load(cardPaymentStreamId(tenantId, paymentIntentId), tenantId, cardPaymentDecider)).state;
    const link = await linked();
    if (link.exists) return link.packageId;
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) return null;
    let metadata: Record<string, string>;
    try {
      metadata = await this.stripe.paymentIntentMetadata(secrets.secretKey, paymentIntentId);
    } catch (error) {
      // Stripe refusing (no such PaymentIntent for this key): not ours. Not answering: ask again on the redelivery.
      if (error instanceof StripeCallError && error.kind === 'refused') return null;
      throw new ApiError(503, 'stripe_unavailable', 'Could not ask Stripe which checkout this payment belongs to; the event will be delivered again.');
    }
    const checkoutId = metadata[METADATA_CHECKOUT];
    if (metadata[METADATA_TENANT] !== tenantId || !checkoutId) return null;
    const checkout = await this.streams.load(checkoutStreamId(checkoutId), tenantId, checkoutDecider);
    if (!checkout.state.exists) return null;
    await this.commands.execute(new ConfirmCheckoutCommand(tenantId, checkout.state));
    const confirmed = await linked();
    if (!confirmed.exists) throw new ApiError(503, 'payment_not_recorded_yet', 'The payment is not recorded yet; the event will be delivered again.');
    return confirmed.packageId;
  }
}
