import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { v5 as uuidv5 } from 'uuid';
import { effectiveStatus, toPackageView, withCreditsExpired } from '@punchcard/domain';
import { CurrentTenant, Roles } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { IdempotencyInfo } from '../../http/new-id';
import { ApiError } from '../../http/problem';
import { sendPosition } from '../../http/read-your-writes';
import { UuidParam } from '../../http/uuid-param';
import { Clock, CLOCK } from '../../tokens';
import { commandContext } from '../../write-side/command-context';
import { CardRefundDto } from '../payments.dto';
import { RefundCardPaymentCommand } from './refund-card-payment.command';

const CARD_REFUND_NAMESPACE = '3c8e5a1f-9b2d-4f6e-8a7c-1d2e3f4a5b6c';

/**
 * Refunds unused credits of a card-paid package through Stripe's Refund API (ADR 0022). An
 * Idempotency-Key is required: money leaves, and the key is what lets a retry after a crash or a
 * Stripe outage complete the same refund once.
 */
@ApiTags('packages')
@ApiBearerAuth()
@Controller('v1/packages')
export class CardRefundsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** 201 with the package and the refund; 409 card_refund_refused (Stripe's reason in `detail`), not_card_payment, card_refund_pending; 503 stripe_unavailable (retry). */
  @Roles('admin')
  @Post(':id/card-refunds')
  async refund(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Body() body: CardRefundDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const idempotency = (req as { idempotency?: IdempotencyInfo }).idempotency;
    if (!idempotency) {
      throw new ApiError(400, 'idempotency_key_required', 'A refund through Stripe needs an Idempotency-Key header: retrying with the same key completes the same refund once.');
    }
    // From the key and the package only (not when the key was first seen, unlike newId): a 503 releases
    // the key, and its retry must find the same refund, not start a second one.
    const refundId = uuidv5(`${idempotency.scope}\n${idempotency.key}\n${id}`, CARD_REFUND_NAMESPACE);
    const request = { credits: body.credits ?? null, amount: body.amount ?? null, reason: body.reason };
    const result = await this.commands.execute(new RefundCardPaymentCommand(id, refundId, request, commandContext(tenant, req)));
    if (result.position) sendPosition(res, result.position);
    const view = toPackageView(result.state);
    const refunded = result.state.cardRefunds[refundId]?.outcome === 'refunded';
    return {
      ...withCreditsExpired({ ...view, status: effectiveStatus(view, this.clock.now().toISOString()) }),
      cardRefund: { id: refundId, status: refunded ? 'refunded' : 'pending', stripeRefundId: result.stripeRefundId },
    };
  }
}
