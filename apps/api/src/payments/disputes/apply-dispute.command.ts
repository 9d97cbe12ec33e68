import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  cardPaymentDecider,
  cardPaymentStreamId,
  checkoutDecider,
  checkoutStreamId,
  decidePackage,
  PackageCommand,
  packageDecider,
  packageStreamId,
} from '@punchcard/domain';
import { DisputeAction, METADATA_CHECKOUT, METADATA_TENANT, StripeCallError, StripeGateway } from '@punchcard/payments';
import { ApiError } from '../../http/problem';
import { TenantDirectory } from '../../tenants';
import { ConfirmCheckoutCommand } from '../settle-checkout/confirm-checkout.command';
import { StripeConnections } from '../stripe-connections';
import { CommandContext } from '../../write-side/command-context';
import { StreamExecutor } from '../../write-side/stream-executor';

/** `unknown_payment`: no package of this business was bought with that PaymentIntent (not ours, or another business's). */
export type DisputeOutcome = 'frozen' | 'unfrozen' | 'revoked' | 'unchanged' | 'unknown_payment';

/** What Stripe reported about a dispute on a card payment, for the package that payment bought. */
export class ApplyDisputeCommand extends Command<DisputeOutcome> {
  constructor(
    readonly tenantId: string,
    readonly stripeEventId: string,
    readonly disputeId: string,
    readonly paymentIntentId: string,
    readonly action: DisputeAction,
    readonly reason: string,
  ) {
    super();
  }
}

const OUTCOME = { open: 'frozen', closed: 'unfrozen', lost: 'revoked' } as const;

/**
 * Finds the package through the payment's own stream (written with the sale), then freezes, unfreezes
 * or revokes it. Deliveries may repeat, race or come late: the package decider makes each a no-op once
 * applied (a freeze after the loss, a second loss), and the idempotency key per dispute and action
 * gives concurrent deliveries the same event ids.
 */
@CommandHandler(ApplyDisputeCommand)
export class ApplyDisputeHandler implements ICommandHandler<ApplyDisputeCommand> {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly tenants: TenantDirectory,
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    private readonly commands: CommandBus,
  ) {}

  async execute({ tenantId, stripeEventId, disputeId, paymentIntentId, action, reason }: ApplyDisputeCommand): Promise<DisputeOutcome> {
    const packageId = await this.packageOf(tenantId, paymentIntentId);
    if (packageId === null) return 'unknown_payment';
    const { timezone } = await this.tenants.get(tenantId);
    const context: CommandContext = {
      tenantId,
      actor: { id: 'system:stripe-webhook', role: 'system' },
      correlationId: disputeId,
      causationId: stripeEventId,
      idempotencyKey: `stripe-dispute-${action.kind}:${disputeId}`,
    };
    const command: PackageCommand =
      action.kind === 'open'
        ? { type: 'FreezeForDispute', disputeId, reason }
        : action.kind === 'closed'
          ? { type: 'UnfreezeAfterDispute', disputeId, reason }
          : { type: 'RevokeForLostDispute', disputeId, amount: action.amount, reason };
    const { events } = await this.streams.execute(packageStreamId(packageId), packageDecider, context, (state, now) => decidePackage(command, state, { now, timezone }));
    return events.length > 0 ? OUTCOME[action.kind] : 'unchanged';
  }

  /**
   * The package the payment bought, from the payment's stream. A dispute can outrun the sale's own
   * webhook (failing, or still being retried): then the PaymentIntent's metadata names our checkout,
   * which is confirmed with Stripe first. A payment that is ours but cannot be recorded yet answers
   * 503, so Stripe delivers the dispute again; one whose metadata is not ours is no business of this one.
   */
  private async packageOf(tenantId: string, paymentIntentId: string): Promise<string | null> {
    const linked = async () => (await this.streams.load(cardPaymentStreamId(tenantId, paymentIntentId), tenantId, cardPaymentDecider)).state;
    const link = await linked();
    if (link.exists) return link.packageId;
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) return null;
    let metadata: Record<string, string>;
    try {
      metadata = await this.stripe.paymentIntentMetadata(secrets.secretKey, paymentIntentId);
    } catch (error) {
      // Stripe not answering: ask again on the redelivery. Stripe refusing (no such PaymentIntent for this key): not ours.
      if (error instanceof StripeCallError && error.kind === 'refused') return null;
      throw new ApiError(503, 'stripe_unavailable', 'Could not ask Stripe which checkout this disputed payment belongs to; the dispute will be delivered again.');
    }
    const checkoutId = metadata[METADATA_CHECKOUT];
    if (metadata[METADATA_TENANT] !== tenantId || !checkoutId) return null;
    const checkout = await this.streams.load(checkoutStreamId(checkoutId), tenantId, checkoutDecider);
    if (!checkout.state.exists) return null;
    await this.commands.execute(new ConfirmCheckoutCommand(tenantId, checkout.state));
    const confirmed = await linked();
    if (!confirmed.exists) throw new ApiError(503, 'payment_not_recorded_yet', 'The disputed payment is not recorded yet; the dispute will be delivered again.');
    return confirmed.packageId;
  }
}
