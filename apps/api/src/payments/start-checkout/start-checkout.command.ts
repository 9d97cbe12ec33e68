import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import { checkoutDecider, CheckoutSnapshot, checkoutStreamId, checkoutTerms, decideCheckout, offeringDecider, offeringStreamId } from '@punchcard/domain';
import { StripeGateway } from '@punchcard/payments';
import { ClientDirectory } from '../../clients';
import { ApiError } from '../../http/problem';
import { TenantDirectory } from '../../tenants';
import { Clock, CLOCK } from '../../tokens';
import { CommandContext } from '../../write-side/command-context';
import { StreamExecutor } from '../../write-side/stream-executor';
import { StripeConnections } from '../stripe-connections';
import { stripeProblem } from '../stripe-problem';

const PACKAGE_ID_NAMESPACE = 'b4c1f0a2-5d3e-4f6a-9b8c-7e2d1a0f3c59';

/** The package a checkout sells: derived from the checkout id, so every completion names the same one (ADR 0020). */
export const packageIdOf = (checkoutId: string) => uuidv5(`checkout-package\n${checkoutId}`, PACKAGE_ID_NAMESPACE);

/** `{CHECKOUT_ID}` in a return URL becomes the checkout's id, so the business's page can ask for its state. */
const withCheckoutId = (url: string, checkoutId: string) => url.split('{CHECKOUT_ID}').join(checkoutId);

export class StartCheckoutCommand extends Command<CheckoutSnapshot> {
  constructor(
    readonly checkoutId: string,
    readonly offeringId: string,
    readonly clientId: string,
    readonly urls: { successUrl: string; cancelUrl: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Decides what the checkout sells (the offering's terms now, the sale rules), asks Stripe for a
 * Checkout Session at that price (idempotency key from the checkout id), then appends
 * `CheckoutStarted`. A retry after a crash asks Stripe again under the same key (the same session)
 * and finds the checkout already started, or starts it.
 */
@CommandHandler(StartCheckoutCommand)
export class StartCheckoutHandler implements ICommandHandler<StartCheckoutCommand> {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly clients: ClientDirectory,
    private readonly tenants: TenantDirectory,
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ checkoutId, offeringId, clientId, urls, context }: StartCheckoutCommand): Promise<CheckoutSnapshot> {
    const { tenantId } = context;
    const existing = await this.streams.load(checkoutStreamId(checkoutId), tenantId, checkoutDecider);
    if (existing.state.exists) return existing.state;
    const client = await this.clients.get(tenantId, clientId);
    if (!client) throw new ApiError(422, 'unknown_client', `No client ${clientId} in this business.`);
    const tenant = await this.tenants.get(tenantId);
    const { state: offering } = await this.streams.load(offeringStreamId(offeringId), tenantId, offeringDecider);
    if (!offering.exists) throw new ApiError(422, 'unknown_offering', `No offering ${offeringId} in this business.`);
    const terms = checkoutTerms(offering, client.groups, { now: this.clock.now().toISOString(), timezone: tenant.timezone });
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) throw new ApiError(409, 'stripe_not_connected', 'This business has not connected Stripe yet: an admin connects it at /v1/payment-settings/stripe.');

    const session = await stripeProblem(() =>
      this.stripe.createCheckoutSession(secrets.secretKey, {
        tenantId,
        checkoutId,
        offeringName: terms.offeringName,
        price: terms.price,
        customerEmail: client.email,
        successUrl: withCheckoutId(urls.successUrl, checkoutId),
        cancelUrl: withCheckoutId(urls.cancelUrl, checkoutId),
      }),
    );
    const stripeSession = { id: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000).toISOString() };
    const start = { type: 'StartCheckout' as const, checkoutId, packageId: packageIdOf(checkoutId), clientId, terms, stripeSession };
    const { state } = await this.streams.execute(checkoutStreamId(checkoutId), checkoutDecider, context, (current, now) =>
      decideCheckout(start, current, { now, timezone: tenant.timezone }),
    );
    return state as CheckoutSnapshot;
  }
}
