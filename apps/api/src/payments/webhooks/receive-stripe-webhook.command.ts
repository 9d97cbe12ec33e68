import { Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { meaningOf, refundMeaningOf, StripeEventLike, StripeGateway } from '@punchcard/payments';
import { RecordStripeRefundCommand } from '../card-refunds/record-stripe-refund.command';
import { ApiError } from '../../http/problem';
import { ApplyDisputeCommand } from '../disputes/apply-dispute.command';
import { SettleCheckoutCommand } from '../settle-checkout/settle-checkout.command';
import { StripeConnections } from '../stripe-connections';
import { DeliveryLog } from './delivery-log';

export interface WebhookReceipt {
  received: true;
  eventId: string;
  outcome: string;
}

export class ReceiveStripeWebhookCommand extends Command<WebhookReceipt> {
  constructor(
    readonly tenantId: string,
    readonly rawBody: Buffer | undefined,
    readonly signature: string | undefined,
  ) {
    super();
  }
}

/**
 * One webhook delivery (ADR 0020): verified on the raw body under the business's signing secret
 * (Stripe's library, 300 s tolerance) or refused with 400 and nothing written; then acted on and
 * logged under Stripe's event id. Every delivery is acted on, duplicates included: the checkout's
 * stream turns a repeat into a no-op, so a delivery whose answer was lost (a crash) completes on the
 * redelivery.
 */
@CommandHandler(ReceiveStripeWebhookCommand)
export class ReceiveStripeWebhookHandler implements ICommandHandler<ReceiveStripeWebhookCommand> {
  private readonly logger = new Logger('StripeWebhooks');

  constructor(
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    private readonly commands: CommandBus,
    private readonly deliveries: DeliveryLog,
  ) {}

  async execute({ tenantId, rawBody, signature }: ReceiveStripeWebhookCommand): Promise<WebhookReceipt> {
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) throw new ApiError(404, 'stripe_webhook_not_found', 'No Stripe webhook endpoint for this business (unknown, or not connected to Stripe).');
    if (!signature) throw new ApiError(400, 'invalid_signature', 'The Stripe-Signature header is missing.');
    if (!rawBody || rawBody.length === 0) throw new ApiError(400, 'invalid_signature', 'The webhook has no body to verify.');
    let event: StripeEventLike;
    try {
      event = this.stripe.verifyWebhook(rawBody, signature, secrets.webhookSecret);
    } catch {
      // Stripe's library says why (no matching signature, timestamp outside the tolerance); none of it is acted on.
      throw new ApiError(400, 'invalid_signature', 'The webhook signature does not verify (wrong secret, altered body or a timestamp outside the 300 s tolerance).');
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') throw new ApiError(400, 'invalid_event', 'The webhook is not a Stripe event.');

    // Refunds (ADR 0022) have their own meaning; everything else is read by meaningOf.
    const refund = refundMeaningOf(event, tenantId);
    const meaning = refund ?? meaningOf(event, tenantId);
    let outcome: string;
    let checkoutId: string | null = null;
    try {
      if (meaning.kind === 'ignore') {
        outcome = meaning.outcome;
      } else if (meaning.kind === 'refund') {
        const { kind: _, ...reported } = meaning;
        outcome = await this.commands.execute(new RecordStripeRefundCommand(tenantId, reported, event.id));
      } else if (meaning.kind === 'dispute') {
        const { disputeId, paymentIntentId, action, reason } = meaning;
        outcome = await this.commands.execute(new ApplyDisputeCommand(tenantId, event.id, disputeId, paymentIntentId, action, reason));
      } else {
        checkoutId = meaning.checkoutId;
        outcome = await this.settle(tenantId, event.id, meaning);
      }
    } catch (error) {
      // Best effort: the failure answers 5xx and Stripe redelivers; the database may be what failed.
      const detail = error instanceof Error ? error.message.slice(0, 500) : null;
      await this.deliveries.record(tenantId, { eventId: event.id, type: event.type, checkoutId, outcome: 'error', detail }).catch(() => undefined);
      throw error;
    }
    await this.deliveries.record(tenantId, { eventId: event.id, type: event.type, checkoutId, outcome, detail: meaning.kind === 'ignore' ? meaning.detail : null });
    return { received: true, eventId: event.id, outcome };
  }

  private async settle(tenantId: string, eventId: string, meaning: Extract<ReturnType<typeof meaningOf>, { kind: 'checkout' }>): Promise<string> {
    const { settlement } = meaning;
    if (settlement.kind === 'pending') return 'awaiting_payment';
    const { state, outcome } = await this.commands.execute(
      new SettleCheckoutCommand(tenantId, meaning.checkoutId, meaning.sessionId, settlement, { stripeEventId: eventId, process: 'stripe-webhook' }),
    );
    // Not ours, or started by a request that crashed before recording it: nobody had its payment page.
    if (outcome === 'unknown_checkout') this.logger.warn(`Stripe event ${eventId} names checkout ${meaning.checkoutId}, which this business does not have`);
    if (outcome === 'unknown_checkout' || outcome === 'session_mismatch') return outcome;
    if (outcome === 'changed') return { complete: 'completed', fail: 'failed', expire: 'expired' }[settlement.kind];
    return state.exists ? `already_${state.status}` : 'unchanged';
  }
}
