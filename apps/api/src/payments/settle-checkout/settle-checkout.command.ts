import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  CheckoutCommand,
  CheckoutCompleted,
  checkoutDecider,
  CheckoutState,
  checkoutStreamId,
  cardPaymentDecider,
  cardPaymentStreamId,
  clientPackagesDecider,
  clientPackagesStreamId,
  decideCheckout,
  DomainError,
  packageDecider,
  packagePurchasedFor,
  packageStreamId,
} from '@punchcard/domain';
import { CheckoutSettlement } from '@punchcard/payments';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { UnitOfWorkExecutor } from '../../write-side/unit-of-work';

export interface Settled {
  state: CheckoutState;
  /**
   * `changed`: recorded now; `unchanged`: already so (a duplicate) or past it; `unknown_checkout`: no
   * such checkout in this business; `session_mismatch`: the report is about another Stripe session.
   */
  outcome: 'changed' | 'unchanged' | 'unknown_checkout' | 'session_mismatch';
}

/**
 * Records what Stripe reported about a checkout: paid, failed or expired. `cause` is what reported it
 * (a Stripe event id, or null when a read asked Stripe).
 */
export class SettleCheckoutCommand extends Command<Settled> {
  constructor(
    readonly tenantId: string,
    readonly checkoutId: string,
    /** The Stripe session the report is about: it must be the checkout's own. */
    readonly sessionId: string,
    readonly settlement: Exclude<CheckoutSettlement, { kind: 'pending' }>,
    readonly cause: { stripeEventId: string | null; process: 'stripe-webhook' | 'checkout-confirmation' },
  ) {
    super();
  }
}

/**
 * Completing a checkout is one atomic append over four streams (ADR 0020): `CheckoutCompleted`,
 * `PackagePurchased` on the package whose id the checkout fixed, `ClientPackageAdded`, and
 * `CardPaymentLinked` on the payment's stream. The
 * events' idempotency key derives from the checkout id, and so do their ids (with the stream and
 * version): a duplicate or concurrent delivery collides on a stream version or an event id, decides
 * again, finds the checkout paid and appends nothing.
 */
@CommandHandler(SettleCheckoutCommand)
export class SettleCheckoutHandler implements ICommandHandler<SettleCheckoutCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ tenantId, checkoutId, sessionId, settlement, cause }: SettleCheckoutCommand): Promise<Settled> {
    const tenant = await this.tenants.get(tenantId);
    const context: CommandContext = {
      tenantId,
      actor: { id: `system:${cause.process}`, role: 'system' },
      correlationId: checkoutId,
      causationId: cause.stripeEventId ?? `checkout-confirmation:${checkoutId}`,
      idempotencyKey: `stripe-checkout-${settlement.kind}:${checkoutId}`,
    };
    const command: CheckoutCommand =
      settlement.kind === 'complete'
        ? { type: 'CompleteCheckout', paymentIntentId: settlement.paymentIntentId, amountPaid: settlement.amountPaid, stripeEventId: cause.stripeEventId }
        : settlement.kind === 'fail'
          ? { type: 'FailCheckout', reason: settlement.reason, stripeEventId: cause.stripeEventId }
          : { type: 'ExpireCheckout', stripeEventId: cause.stripeEventId };

    const { result } = await this.units.run(context, async (unit): Promise<Settled> => {
      const streamId = checkoutStreamId(checkoutId);
      const { state } = await unit.load(streamId, checkoutDecider);
      if (!state.exists) return { state, outcome: 'unknown_checkout' };
      if (state.stripeSessionId !== sessionId) return { state, outcome: 'session_mismatch' };
      const events = decideCheckout(command, state, { now: unit.now, timezone: tenant.timezone });
      if (events.length === 0) return { state, outcome: 'unchanged' };
      unit.stage(streamId, events);
      const completed = events.find((event): event is CheckoutCompleted => event.type === 'CheckoutCompleted');
      if (completed) {
        // Loaded so that the append expects them as they are: the package must not exist yet, the index moves on.
        const sold = await unit.load(packageStreamId(state.packageId), packageDecider);
        if (sold.state.exists) throw new DomainError('package_already_exists', `Package ${state.packageId} of checkout ${checkoutId} exists although the checkout is not paid.`);
        await unit.load(clientPackagesStreamId(state.clientId), clientPackagesDecider);
        unit.stage(packageStreamId(state.packageId), [packagePurchasedFor(state, completed.data, tenant.timezone)]);
        unit.stage(clientPackagesStreamId(state.clientId), [{ type: 'ClientPackageAdded', data: { clientId: state.clientId, packageId: state.packageId, offeringId: state.offeringId } }]);
        // The payment's own stream (expected empty): disputes and dashboard refunds find the package by it.
        const { paymentIntentId, amountPaid } = completed.data;
        await unit.load(cardPaymentStreamId(tenantId, paymentIntentId), cardPaymentDecider);
        unit.stage(cardPaymentStreamId(tenantId, paymentIntentId), [{ type: 'CardPaymentLinked', data: { paymentIntentId, packageId: state.packageId, checkoutId, clientId: state.clientId, amountPaid } }]);
      }
      return { state: events.reduce<CheckoutState>(checkoutDecider.evolve, state), outcome: 'changed' };
    }, [checkoutStreamId(checkoutId)]);
    return result;
  }
}
