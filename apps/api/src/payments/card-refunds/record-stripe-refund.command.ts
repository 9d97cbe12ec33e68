import { Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, Money, PackageEvent } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { PackageStream } from './package-stream';
import { PaidPackage } from '../paid-package';

/** `recorded`: a refund made outside Punchcard; `completed`: ours, whose outcome was missing; `recognised`: already on the ledger. */
export type StripeRefundOutcome = 'refund_recorded' | 'refund_completed' | 'refund_recognised' | 'unknown_payment' | 'refund_not_applicable';

/**
 * A refund Stripe reports (webhook `refund.created` / `refund.updated`, ADR 0022) on the package its
 * PaymentIntent bought, found through `card-payment-{tenant}-{paymentIntent}` (the sale recorded
 * first if the refund outran it). The events' idempotency
 * key derives from Stripe's refund id, so concurrent deliveries of one refund collide instead of
 * recording it twice; the decider recognises a refund already recorded (ours or not).
 */
export class RecordStripeRefundCommand extends Command<StripeRefundOutcome> {
  constructor(
    readonly tenantId: string,
    readonly refund: { stripeRefundId: string; paymentIntentId: string; amount: Money; refundId: string | null },
    readonly stripeEventId: string,
  ) {
    super();
  }
}

@CommandHandler(RecordStripeRefundCommand)
export class RecordStripeRefundHandler implements ICommandHandler<RecordStripeRefundCommand> {
  private readonly logger = new Logger('StripeRefunds');

  constructor(
    private readonly packages: PackageStream,
    private readonly paid: PaidPackage,
  ) {}

  async execute({ tenantId, refund, stripeEventId }: RecordStripeRefundCommand): Promise<StripeRefundOutcome> {
    const packageId = await this.paid.of(tenantId, refund.paymentIntentId);
    if (packageId === null) return 'unknown_payment';
    const context: CommandContext = {
      tenantId,
      actor: { id: 'system:stripe-webhook', role: 'system' },
      correlationId: refund.refundId ?? refund.stripeRefundId,
      causationId: stripeEventId,
      idempotencyKey: `stripe-refund:${refund.stripeRefundId}`,
    };
    const reason = refund.refundId === null ? `refunded in Stripe (${refund.stripeRefundId})` : `refund through Stripe (${refund.stripeRefundId})`;
    let events;
    try {
      ({ events } = await this.packages.decide(packageId, { type: 'RecordStripeRefund', ...refund, reason }, context));
    } catch (error) {
      // A refund the package cannot take (another currency): logged for an admin; an error would only make Stripe redeliver it for days.
      if (error instanceof DomainError) {
        this.logger.warn(`Stripe refund ${refund.stripeRefundId} of package ${packageId} not recorded: ${error.message}`);
        return 'refund_not_applicable';
      }
      throw error;
    }
    if (events.length === 0) return 'refund_recognised';
    return (events as PackageEvent[]).some((event) => event.type === 'PackageRefunded' && event.data.refundId !== null) ? 'refund_completed' : 'refund_recorded';
  }
}
