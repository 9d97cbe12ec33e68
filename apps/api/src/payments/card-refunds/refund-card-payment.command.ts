import { Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PackageSnapshot } from '@punchcard/domain';
import { RefundInfo, StripeCallError, StripeGateway } from '@punchcard/payments';
import { ApiError } from '../../http/problem';
import { CommandContext } from '../../write-side/command-context';
import { Decided } from '../../write-side/stream-executor';
import { StripeConnections } from '../stripe-connections';
import { PackageStream } from './package-stream';

export interface CardRefundResult extends Decided<PackageSnapshot> {
  refundId: string;
  stripeRefundId: string | null;
}

/**
 * Refunds unused credits of a card-paid package through Stripe (ADR 0022), in three steps, each safe
 * to repeat: (1) record the intent (`CardRefundRequested`, the credits held); (2) ask Stripe for the
 * refund under the idempotency key `refund-{refundId}`; (3) record the outcome (`PackageRefunded`, or
 * `CardRefundFailed` releasing the hold). `refundId` derives from the request's Idempotency-Key, so a
 * retry after a crash at any point finds its own intent, gets the same refund from Stripe, and records
 * one outcome.
 */
export class RefundCardPaymentCommand extends Command<CardRefundResult> {
  constructor(
    readonly packageId: string,
    readonly refundId: string,
    readonly request: { credits: number | null; amount: number | null; reason: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RefundCardPaymentCommand)
export class RefundCardPaymentHandler implements ICommandHandler<RefundCardPaymentCommand> {
  private readonly logger = new Logger('CardRefunds');

  constructor(
    private readonly packages: PackageStream,
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
  ) {}

  async execute({ packageId, refundId, request, context }: RefundCardPaymentCommand): Promise<CardRefundResult> {
    const secrets = await this.connections.secrets(context.tenantId);
    if (!secrets) {
      if (!(await this.packages.exists(packageId, context.tenantId))) throw new ApiError(404, 'package_not_found', 'Package not found.');
      throw new ApiError(409, 'stripe_not_connected', 'This business is not connected to Stripe (POST /v1/payment-settings/stripe): nothing can be refunded through it.');
    }

    // 1. The intent (nothing new on a retry that finds it, or finds its outcome).
    const requested = await this.packages.decide(packageId, { type: 'RequestCardRefund', refundId, ...request }, context);
    const outcome = requested.state.cardRefunds[refundId];
    if (outcome?.outcome === 'refunded') return { ...requested, refundId, stripeRefundId: outcome.stripeRefundId };
    if (outcome?.outcome === 'failed') throw new ApiError(409, 'card_refund_refused', `${outcome.message} (Stripe's code: ${outcome.code}) Nothing was refunded; the credits are usable again.`);
    const pending = requested.state.pendingCardRefund!;

    // 2. Stripe. Not answering leaves the hold: the retry (same Idempotency-Key) asks again under the same key.
    let refund: RefundInfo;
    try {
      refund = await this.stripe.createRefund(secrets.secretKey, { tenantId: context.tenantId, packageId, refundId, paymentIntentId: requested.state.payment.reference!, amount: pending.amount });
    } catch (error) {
      if (!(error instanceof StripeCallError) || error.kind === 'unavailable') {
        if (error instanceof StripeCallError) throw new ApiError(503, 'stripe_unavailable', `${error.message} The credits stay held; retry with the same Idempotency-Key to complete the refund.`);
        throw error;
      }
      // A definite refusal: no refund exists, the credits come back.
      const code = error.kind === 'authentication' ? 'stripe_key_refused' : (error.code ?? 'stripe_refused');
      await this.packages.decide(packageId, { type: 'FailCardRefund', refundId, code, message: error.message.slice(0, 500) }, context);
      if (error.kind === 'authentication') throw new ApiError(409, 'stripe_key_refused', `${error.message} Nothing was refunded; an admin should check the connection.`);
      throw new ApiError(409, 'card_refund_refused', `${error.message} (Stripe's code: ${code}) Nothing was refunded; the credits are usable again.`);
    }
    if (refund.status === 'failed' || refund.status === 'canceled') {
      await this.packages.decide(packageId, { type: 'FailCardRefund', refundId, code: `refund_${refund.status}`, message: `Stripe's refund ${refund.id} is ${refund.status}.` }, context);
      throw new ApiError(409, 'card_refund_refused', `Stripe's refund ${refund.id} is ${refund.status} (code: refund_${refund.status}). Nothing was refunded; the credits are usable again.`);
    }

    // 3. The outcome (the refund's webhook, should it come first, completed it already: then nothing new).
    const done = await this.packages.decide(packageId, { type: 'CompleteCardRefund', refundId, stripeRefundId: refund.id }, context);
    this.logger.log(`Refunded ${pending.amount.amount} ${pending.amount.currency} of package ${packageId} through Stripe (${refund.id})`);
    return { ...done, position: done.position ?? requested.position, refundId, stripeRefundId: refund.id };
  }
}
