import { Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CheckoutSnapshot } from '@punchcard/domain';
import { settlementOf, StripeGateway } from '@punchcard/payments';
import { StripeConnections } from '../stripe-connections';
import { SettleCheckoutCommand } from './settle-checkout.command';

/**
 * An open checkout read before its webhook arrived: asks Stripe for the session and records what it
 * says (paid or expired), so a success page shows the package at once. Stripe not answering leaves
 * the checkout open; the webhook will settle it.
 */
export class ConfirmCheckoutCommand extends Command<CheckoutSnapshot> {
  constructor(
    readonly tenantId: string,
    readonly checkout: CheckoutSnapshot,
  ) {
    super();
  }
}

@CommandHandler(ConfirmCheckoutCommand)
export class ConfirmCheckoutHandler implements ICommandHandler<ConfirmCheckoutCommand> {
  private readonly logger = new Logger('CheckoutConfirmation');

  constructor(
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    private readonly commands: CommandBus,
  ) {}

  async execute({ tenantId, checkout }: ConfirmCheckoutCommand): Promise<CheckoutSnapshot> {
    if (checkout.status !== 'open') return checkout;
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) return checkout;
    let settlement;
    try {
      settlement = settlementOf(null, await this.stripe.retrieveCheckoutSession(secrets.secretKey, checkout.stripeSessionId));
    } catch (error) {
      this.logger.warn(`Could not confirm checkout ${checkout.checkoutId} with Stripe: ${error instanceof Error ? error.message : String(error)}`);
      return checkout;
    }
    if (settlement.kind === 'pending') return checkout;
    const { state } = await this.commands.execute(
      new SettleCheckoutCommand(tenantId, checkout.checkoutId, checkout.stripeSessionId, settlement, { stripeEventId: null, process: 'checkout-confirmation' }),
    );
    return state.exists ? state : checkout;
  }
}
