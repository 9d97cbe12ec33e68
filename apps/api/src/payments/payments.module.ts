import { Module } from '@nestjs/common';
import { Config } from '@punchcard/platform';
import { StripeGateway } from '@punchcard/payments';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { APP_CONFIG } from '../tokens';
import { CardRefundsController } from './card-refunds/card-refunds.controller';
import { PackageStream } from './card-refunds/package-stream';
import { PaidPackage } from './paid-package';
import { RecordStripeRefundHandler } from './card-refunds/record-stripe-refund.command';
import { RefundCardPaymentHandler } from './card-refunds/refund-card-payment.command';
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

/** Payments through Stripe (ADRs 0020, 0022): the business's connection, checkouts, card refunds and Stripe's webhooks. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [PaymentSettingsController, CheckoutsController, StripeWebhooksController, CardRefundsController],
  providers: [
    { provide: StripeGateway, useFactory: (config: Config) => new StripeGateway({ apiUrl: config.stripeApiUrl }), inject: [APP_CONFIG] },
    StripeConnections,
    DeliveryLog,
    StartCheckoutHandler,
    SettleCheckoutHandler,
    ConfirmCheckoutHandler,
    ReceiveStripeWebhookHandler,
    PackageStream,
    PaidPackage,
    RefundCardPaymentHandler,
    RecordStripeRefundHandler,
    ApplyDisputeHandler,
    GetCheckoutHandler,
    GetStripeSettingsHandler,
    CheckStripeConnectionHandler,
    ListStripeDeliveriesHandler,
  ],
})
export class PaymentsModule {}
