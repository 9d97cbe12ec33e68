export { PaymentsModule } from './payments.module';
export { GetCheckoutQuery } from './queries/checkout.queries';
export { CheckoutView } from './checkout-view';
