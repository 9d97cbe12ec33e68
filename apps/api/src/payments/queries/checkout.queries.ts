import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { checkoutDecider, CheckoutSnapshot, checkoutStreamId, packageDecider, packageStreamId } from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { StripeCallError, StripeGateway } from '@punchcard/payments';
import { ApiError } from '../../http/problem';
import { Clock, CLOCK } from '../../tokens';
import { StreamExecutor } from '../../write-side/stream-executor';
import { StripeConnections, StripeConnectionView } from '../stripe-connections';
import { DeliveryLog, DeliveryView } from '../webhooks/delivery-log';

export interface CheckoutRead {
  checkout: CheckoutSnapshot;
  /**
   * For read-your-writes (`?after=`): the position of the package stream's last event once paid (so
   * a read of the package waits for its sale), else of the checkout's last event.
   */
  position: Position | null;
}

/** A checkout as its stream says now (another tenant's reads as missing). */
export class GetCheckoutQuery extends Query<CheckoutRead | null> {
  constructor(
    readonly tenantId: string,
    readonly checkoutId: string,
  ) {
    super();
  }
}

@QueryHandler(GetCheckoutQuery)
export class GetCheckoutHandler implements IQueryHandler<GetCheckoutQuery> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ tenantId, checkoutId }: GetCheckoutQuery): Promise<CheckoutRead | null> {
    const { state, stored } = await this.streams.load(checkoutStreamId(checkoutId), tenantId, checkoutDecider);
    if (!state.exists) return null;
    if (state.status !== 'paid') return { checkout: state, position: stored.at(-1)?.position ?? null };
    const sold = await this.streams.load(packageStreamId(state.packageId), tenantId, packageDecider);
    return { checkout: state, position: sold.stored.at(-1)?.position ?? stored.at(-1)?.position ?? null };
  }
}

/** Where Stripe must send this business's webhooks (register it in Stripe's dashboard, on this service's host). */
export type StripeSettingsView = (StripeConnectionView | { connected: false }) & { webhookPath: string };

export class GetStripeSettingsQuery extends Query<StripeSettingsView> {
  constructor(readonly tenantId: string) {
    super();
  }
}

@QueryHandler(GetStripeSettingsQuery)
export class GetStripeSettingsHandler implements IQueryHandler<GetStripeSettingsQuery> {
  constructor(private readonly connections: StripeConnections) {}

  async execute({ tenantId }: GetStripeSettingsQuery): Promise<StripeSettingsView> {
    return { ...((await this.connections.view(tenantId)) ?? { connected: false }), webhookPath: `/v1/webhooks/stripe/${tenantId}` };
  }
}

export interface StripeCheck {
  ok: boolean;
  /** `stripe_key_refused`, `stripe_unavailable` or `stripe_refused` when not ok. */
  code: string | null;
  detail: string;
  accountId: string | null;
  accountName: string | null;
  checkedAt: string;
}

/** Asks Stripe (GET /v1/account) with the stored key whether the connection works. */
export class CheckStripeConnectionQuery extends Query<StripeCheck> {
  constructor(readonly tenantId: string) {
    super();
  }
}

@QueryHandler(CheckStripeConnectionQuery)
export class CheckStripeConnectionHandler implements IQueryHandler<CheckStripeConnectionQuery> {
  constructor(
    private readonly connections: StripeConnections,
    private readonly stripe: StripeGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenantId }: CheckStripeConnectionQuery): Promise<StripeCheck> {
    const secrets = await this.connections.secrets(tenantId);
    if (!secrets) throw new ApiError(409, 'stripe_not_connected', 'This business has not connected Stripe yet.');
    const checkedAt = this.clock.now().toISOString();
    try {
      const account = await this.stripe.account(secrets.secretKey);
      return { ok: true, code: null, detail: 'Stripe accepted the secret key.', accountId: account.id, accountName: account.displayName, checkedAt };
    } catch (error) {
      if (!(error instanceof StripeCallError)) throw error;
      const code = { authentication: 'stripe_key_refused', unavailable: 'stripe_unavailable', refused: 'stripe_refused' }[error.kind];
      return { ok: false, code, detail: error.message, accountId: null, accountName: null, checkedAt };
    }
  }
}

export class ListStripeDeliveriesQuery extends Query<{ items: DeliveryView[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly page: { cursor?: string; limit: number },
  ) {
    super();
  }
}

@QueryHandler(ListStripeDeliveriesQuery)
export class ListStripeDeliveriesHandler implements IQueryHandler<ListStripeDeliveriesQuery> {
  constructor(private readonly deliveries: DeliveryLog) {}

  execute({ tenantId, page }: ListStripeDeliveriesQuery) {
    return this.deliveries.list(tenantId, page);
  }
}
