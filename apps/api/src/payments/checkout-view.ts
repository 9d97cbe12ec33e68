import { CheckoutSnapshot, CheckoutStatus, Money } from '@punchcard/domain';

/** A checkout as the API shows it: the package id once paid, the payment page while open. */
export interface CheckoutView {
  id: string;
  status: CheckoutStatus;
  clientId: string;
  offeringId: string;
  offeringName: string;
  credits: number;
  /** The price frozen when the checkout started. */
  price: Money;
  /** What Stripe charged (null until paid): the package's price. */
  amountPaid: Money | null;
  packageId: string | null;
  url: string | null;
  expiresAt: string;
  createdAt: string;
  paidAt: string | null;
}

export function toCheckoutView(state: CheckoutSnapshot): CheckoutView {
  return {
    id: state.checkoutId,
    status: state.status,
    clientId: state.clientId,
    offeringId: state.offeringId,
    offeringName: state.offeringName,
    credits: state.credits,
    price: state.price,
    amountPaid: state.amountPaid,
    packageId: state.status === 'paid' ? state.packageId : null,
    url: state.status === 'open' ? state.url : null,
    expiresAt: state.expiresAt,
    createdAt: state.startedAt,
    paidAt: state.completedAt,
  };
}
