import { Controller, Headers, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request } from 'express';
import { setScopeTenant } from '@punchcard/postgres';
import { Public } from '../../auth/auth.decorators';
import { UuidParam } from '../../http/uuid-param';
import { ReceiveStripeWebhookCommand } from './receive-stripe-webhook.command';

/**
 * Stripe's webhook endpoint for one business: `POST /v1/webhooks/stripe/{tenantId}`, registered in
 * the business's Stripe dashboard. No API key: the signature over the raw body is the proof.
 */
@Controller('v1/webhooks/stripe')
export class StripeWebhooksController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @Post(':tenantId')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receive(@UuidParam('tenantId', 'stripe_webhook_not_found') tenantId: string, @Headers('stripe-signature') signature: string | undefined, @Req() req: RawBodyRequest<Request>) {
    // The path names the business; the signature under its secret proves the call is Stripe's.
    setScopeTenant(tenantId);
    return this.commands.execute(new ReceiveStripeWebhookCommand(tenantId, req.rawBody, typeof signature === 'string' ? signature : undefined));
  }
}
