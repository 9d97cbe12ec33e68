import { Module } from '@nestjs/common';
import { Config } from '@punchcard/platform';
import { StripeGateway } from '@punchcard/payments';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { APP_CONFIG } from '../tokens';
import { CheckoutsController } from './checkouts/checkouts.controller';
import { ApplyDisputeHandler } from './disputes/apply-dispute.command';
import { CheckStripeConnectionHandler, GetCheckoutHandler, GetStripeSettingsHandler, ListStripeDeliveriesHandler } from './queries/checkout.queries';
import { ConfirmCheckoutHandler } from './settle-checkout/confirm-checkout.command';
import { SettleCheckoutHandler } from './settle-checkout/settle-checkout.command';
import { PaymentSettingsController } from './settings/payment-settings.controller';
import { StartCheckoutHandler } from './start-checkout/start-checkout.command';
import { StripeConnections } from './stripe-connections';
import { DeliveryLog } from './webhooks/delivery-log';
import { ReceiveStripeWebhookHandler } from './webhooks/receive-stripe-webhook.command';
import { StripeWebhooksController } from './webhooks/stripe-webhooks.controller';

/** Payments through Stripe (ADR 0020): the business's connection, checkouts and Stripe's webhooks. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [PaymentSettingsController, CheckoutsController, StripeWebhooksController],
  providers: [
    { provide: StripeGateway, useFactory: (config: Config) => new StripeGateway({ apiUrl: config.stripeApiUrl }), inject: [APP_CONFIG] },
    StripeConnections,
    DeliveryLog,
    StartCheckoutHandler,
    SettleCheckoutHandler,
    ConfirmCheckoutHandler,
    ReceiveStripeWebhookHandler,
    ApplyDisputeHandler,
    GetCheckoutHandler,
    GetStripeSettingsHandler,
    CheckStripeConnectionHandler,
    ListStripeDeliveriesHandler,
  ],
})
export class PaymentsModule {}
