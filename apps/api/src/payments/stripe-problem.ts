import { StripeCallError } from '@punchcard/payments';
import { ApiError } from '../http/problem';

/** A failed call to Stripe as the API answers it: the business's key refused, Stripe unreachable, or the request refused. */
export async function stripeProblem<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof StripeCallError)) throw error;
    if (error.kind === 'unavailable') throw new ApiError(503, 'stripe_unavailable', error.message);
    if (error.kind === 'authentication') throw new ApiError(409, 'stripe_key_refused', `${error.message} An admin should check the connection (/v1/payment-settings/stripe/check).`);
    throw new ApiError(409, 'stripe_refused', error.message);
  }
}
