import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ConnectStripeDto, DeliveriesParams } from '../payments.dto';
import { CheckStripeConnectionQuery, GetStripeSettingsQuery, ListStripeDeliveriesQuery } from '../queries/checkout.queries';
import { StripeConnections } from '../stripe-connections';

/**
 * The business's Stripe connection (admins only, ADR 0020): its secret key and webhook signing
 * secret go in encrypted and never come out; the settings show the mode and the key's last four
 * characters. Posting again replaces both.
 */
@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/payment-settings/stripe')
export class PaymentSettingsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly connections: StripeConnections,
  ) {}

  @Roles('admin')
  @Get()
  settings(@CurrentTenant() tenant: TenantPrincipal) {
    return this.queries.execute(new GetStripeSettingsQuery(tenant.tenantId));
  }

  /** Connects the business to its Stripe account, or replaces the secrets it is connected with. */
  @Roles('admin')
  @Post()
  @HttpCode(200)
  async connect(@CurrentTenant() tenant: TenantPrincipal, @Body() body: ConnectStripeDto) {
    await this.connections.save(tenant.tenantId, { secretKey: body.secretKey, webhookSecret: body.webhookSecret }, `api-key:${tenant.keyId}`);
    return this.queries.execute(new GetStripeSettingsQuery(tenant.tenantId));
  }

  /** Calls Stripe with the stored key: `ok` says whether the connection works, `code` why not. */
  @Roles('admin')
  @Get('check')
  check(@CurrentTenant() tenant: TenantPrincipal) {
    return this.queries.execute(new CheckStripeConnectionQuery(tenant.tenantId));
  }

  /** Webhook deliveries Stripe made (verified ones), newest first, with what came of each. */
  @Roles('admin')
  @Get('deliveries')
  deliveries(@CurrentTenant() tenant: TenantPrincipal, @Query() query: DeliveriesParams) {
    return this.queries.execute(new ListStripeDeliveriesQuery(tenant.tenantId, { cursor: query.cursor, limit: query.limit ?? 50 }));
  }
}
