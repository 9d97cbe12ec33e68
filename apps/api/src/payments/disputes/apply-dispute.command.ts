import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decidePackage, PackageCommand, packageDecider, packageStreamId } from '@punchcard/domain';
import { DisputeAction } from '@punchcard/payments';
import { TenantDirectory } from '../../tenants';
import { PaidPackage } from '../paid-package';
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
 * Finds the package through the payment's own stream (PaidPackage; a dispute that outruns the sale
 * records the sale from Stripe first), then freezes, unfreezes or revokes it. Deliveries may repeat, race or come late: the package decider makes each a no-op once
 * applied (a freeze after the loss, a second loss), and the idempotency key per dispute and action
 * gives concurrent deliveries the same event ids.
 */
@CommandHandler(ApplyDisputeCommand)
export class ApplyDisputeHandler implements ICommandHandler<ApplyDisputeCommand> {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly tenants: TenantDirectory,
    private readonly paidPackage: PaidPackage,
  ) {}

  async execute({ tenantId, stripeEventId, disputeId, paymentIntentId, action, reason }: ApplyDisputeCommand): Promise<DisputeOutcome> {
    const packageId = await this.paidPackage.of(tenantId, paymentIntentId);
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
}
