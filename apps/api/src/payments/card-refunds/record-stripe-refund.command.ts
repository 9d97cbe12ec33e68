import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { cardPaymentDecider, cardPaymentStreamId, DomainError, Money, PackageEvent } from '@punchcard/domain';
import type { EventStore } from '@punchcard/event-store';
import { EVENT_STORE } from '../../tokens';
import { CommandContext } from '../../write-side/command-context';
import { fold, readTenantStream } from '../../write-side/unit-of-work';
import { PackageStream } from './package-stream';

/** `recorded`: a refund made outside Punchcard; `completed`: ours, whose outcome was missing; `recognised`: already on the ledger. */
export type StripeRefundOutcome = 'refund_recorded' | 'refund_completed' | 'refund_recognised' | 'unknown_payment' | 'refund_not_applicable';

/**
 * A refund Stripe reports (webhook `refund.created` / `refund.updated`, ADR 0022) on the package its
 * PaymentIntent bought, found through `card-payment-{tenant}-{paymentIntent}`. The events' idempotency
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
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  async execute({ tenantId, refund, stripeEventId }: RecordStripeRefundCommand): Promise<StripeRefundOutcome> {
    const link = await readTenantStream(this.eventStore, cardPaymentStreamId(tenantId, refund.paymentIntentId), tenantId);
    const payment = fold(cardPaymentDecider, link.visible);
    if (!payment.exists) return 'unknown_payment';
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
      ({ events } = await this.packages.decide(payment.packageId, { type: 'RecordStripeRefund', ...refund, reason }, context));
    } catch (error) {
      // A refund the package cannot take (another currency): logged for an admin; an error would only make Stripe redeliver it for days.
      if (error instanceof DomainError) {
        this.logger.warn(`Stripe refund ${refund.stripeRefundId} of package ${payment.packageId} not recorded: ${error.message}`);
        return 'refund_not_applicable';
      }
      throw error;
    }
    if (events.length === 0) return 'refund_recognised';
    return (events as PackageEvent[]).some((event) => event.type === 'PackageRefunded' && event.data.refundId !== null) ? 'refund_completed' : 'refund_recorded';
  }
}
