import Stripe from 'stripe';
import { METADATA_PACKAGE, METADATA_REFUND } from './refund-events';
import { METADATA_CHECKOUT, METADATA_TENANT, StripeCheckoutSessionLike, StripeEventLike } from './stripe-events';

/** Stripe's default; Stripe's own servers are used unless a stand-in (tests) is named. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Why a call to Stripe did not give an answer we can use. Secrets never appear in `message`. */
export class StripeCallError extends Error {
  constructor(
    readonly kind: 'authentication' | 'unavailable' | 'refused',
    message: string,
    /** Stripe's error code when it refused (e.g. `charge_already_refunded`, `amount_too_large`). */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'StripeCallError';
  }
}

export interface NewCheckoutSession {
  tenantId: string;
  checkoutId: string;
  offeringName: string;
  price: { amount: number; currency: string };
  customerEmail: string;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutSessionInfo extends StripeCheckoutSessionLike {
  url: string | null;
  expires_at: number;
}

export interface NewRefund {
  tenantId: string;
  packageId: string;
  /** Punchcard's id of the refund (its CardRefundRequested): the idempotency key derives from it. */
  refundId: string;
  paymentIntentId: string;
  amount: { amount: number; currency: string };
}

export interface RefundInfo {
  id: string;
  status: string | null;
  amount: number;
  currency: string;
}

export interface StripeAccountInfo {
  id: string;
  livemode: boolean | null;
  displayName: string | null;
}

/**
 * Every call Punchcard makes to Stripe, through the `stripe` SDK (ADR 0020). With `apiUrl` the SDK
 * sends its ordinary requests to that server instead of api.stripe.com: the tests' local stand-in
 * for Stripe's servers. The code path is the same either way.
 */
export class StripeGateway {
  private readonly clients = new Map<string, Stripe>();
  private readonly server: { host?: string; port?: number; protocol?: 'http' | 'https' };
  private readonly timeoutMs: number;

  constructor(options: { apiUrl: string | null; timeoutMs?: number }) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
    if (!options.apiUrl) {
      this.server = {};
    } else {
      const url = new URL(options.apiUrl);
      const protocol = url.protocol === 'http:' ? 'http' : 'https';
      this.server = { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
    }
  }

  /** One SDK client per secret key (the SDK keeps its agent and settings per instance). */
  private client(secretKey: string): Stripe {
    let client = this.clients.get(secretKey);
    if (!client) {
      if (this.clients.size > 1000) this.clients.clear();
      client = new Stripe(secretKey, { ...this.server, maxNetworkRetries: 2, timeout: this.timeoutMs, telemetry: false });
      this.clients.set(secretKey, client);
    }
    return client;
  }

  /**
   * A Checkout Session in payment mode at the frozen price, with our ids in its metadata. The
   * idempotency key derives from the checkout id, so a retried request gets the same session.
   */
  async createCheckoutSession(secretKey: string, input: NewCheckoutSession): Promise<CheckoutSessionInfo> {
    const metadata = { [METADATA_TENANT]: input.tenantId, [METADATA_CHECKOUT]: input.checkoutId };
    const session = await this.call(() =>
      this.client(secretKey).checkout.sessions.create(
        {
          mode: 'payment',
          // The client pays in the business's currency: with Adaptive Pricing Stripe could charge another
          // one, and the package (and the books) would then hold a price in a currency nobody sold in.
          adaptive_pricing: { enabled: false },
          line_items: [{ quantity: 1, price_data: { currency: input.price.currency.toLowerCase(), unit_amount: input.price.amount, product_data: { name: input.offeringName } } }],
          customer_email: input.customerEmail,
          client_reference_id: input.checkoutId,
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          metadata,
          payment_intent_data: { metadata },
        },
        { idempotencyKey: `checkout-${input.checkoutId}` },
      ),
    );
    return session as unknown as CheckoutSessionInfo;
  }

  /** Asked while a client waits on a read: one quick try (5 s), since the webhook settles the checkout anyway. */
  async retrieveCheckoutSession(secretKey: string, sessionId: string): Promise<CheckoutSessionInfo> {
    const session = await this.call(() => this.client(secretKey).checkout.sessions.retrieve(sessionId, {}, { timeout: 5_000, maxNetworkRetries: 0 }));
    return session as unknown as CheckoutSessionInfo;
  }

  /**
   * A refund of (part of) a PaymentIntent, with our ids in its metadata (its webhook is recognised by
   * them). The idempotency key derives from our refund id: a retry after a crash gets the same refund.
   */
  async createRefund(secretKey: string, input: NewRefund): Promise<RefundInfo> {
    const refund = await this.call(() =>
      this.client(secretKey).refunds.create(
        {
          payment_intent: input.paymentIntentId,
          amount: input.amount.amount,
          reason: 'requested_by_customer',
          metadata: { [METADATA_TENANT]: input.tenantId, [METADATA_PACKAGE]: input.packageId, [METADATA_REFUND]: input.refundId },
        },
        { idempotencyKey: `refund-${input.refundId}` },
      ),
    );
    return { id: refund.id, status: refund.status ?? null, amount: refund.amount, currency: refund.currency };
  }

  /** A PaymentIntent's metadata (ours when a checkout of ours created it): how a dispute that outran the sale finds its checkout. */
  async paymentIntentMetadata(secretKey: string, paymentIntentId: string): Promise<Record<string, string>> {
    const intent = await this.call(() => this.client(secretKey).paymentIntents.retrieve(paymentIntentId));
    return (intent.metadata ?? {}) as Record<string, string>;
  }

  /** The account the key belongs to: whether the key works at all. */
  async account(secretKey: string): Promise<StripeAccountInfo> {
    const account = await this.call(() => this.client(secretKey).accounts.retrieveCurrent());
    return { id: account.id, livemode: null, displayName: account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null };
  }

  /**
   * Verifies a webhook on its raw body with Stripe's library (signature, secret, timestamp within the
   * tolerance) and returns the event; throws Stripe's StripeSignatureVerificationError otherwise.
   */
  verifyWebhook(rawBody: Buffer, signatureHeader: string, webhookSecret: string): StripeEventLike {
    return Stripe.webhooks.constructEvent(rawBody, signatureHeader, webhookSecret, WEBHOOK_TOLERANCE_SECONDS) as unknown as StripeEventLike;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toCallError(error);
    }
  }
}

function toCallError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return new StripeCallError('authentication', 'Stripe refused the business’s secret key (invalid, revoked or without the permission needed).');
  }
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError || error instanceof Stripe.errors.StripeRateLimitError) {
    return new StripeCallError('unavailable', 'Stripe could not be reached or did not answer; retry shortly.');
  }
  return new StripeCallError('refused', `Stripe refused the request: ${error.message}`, typeof error.code === 'string' ? error.code : null);
}
