import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ClientOnly, CurrentClient, CurrentTenant, Roles } from '../../auth/auth.decorators';
import { ClientPrincipal, TenantPrincipal } from '../../auth/principal';
import { newId } from '../../http/new-id';
import { ApiError } from '../../http/problem';
import { ReadYourWritesParams, sendPosition } from '../../http/read-your-writes';
import { UuidParam } from '../../http/uuid-param';
import { commandContext } from '../../write-side/command-context';
import { toCheckoutView } from '../checkout-view';
import { StartCheckoutDto, StartMyCheckoutDto } from '../payments.dto';
import { CheckoutRead, GetCheckoutQuery } from '../queries/checkout.queries';
import { ConfirmCheckoutCommand } from '../settle-checkout/confirm-checkout.command';
import { StartCheckoutCommand } from '../start-checkout/start-checkout.command';

const notFound = () => new ApiError(404, 'checkout_not_found', 'Checkout not found.');

/**
 * Online sales through Stripe Checkout (ADR 0020): staff start one for a client, a client for
 * themselves; both answer `{id, url, expiresAt, …}` and the client pays on Stripe's page. Reading an
 * open checkout asks Stripe whether it was paid, so the package is there before the webhook.
 */
@ApiTags('checkouts')
@ApiBearerAuth()
@Controller('v1')
export class CheckoutsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Roles('admin', 'staff')
  @Post('checkouts')
  async start(@CurrentTenant() tenant: TenantPrincipal, @Body() body: StartCheckoutDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'checkout');
    const state = await this.commands.execute(new StartCheckoutCommand(id, body.offeringId, body.clientId, body, commandContext(tenant, req)));
    res.setHeader('Location', `/v1/checkouts/${id}`);
    return toCheckoutView(state);
  }

  /** The checkout now; an open one is confirmed with Stripe first. `Punchcard-Position` lets a read of its package wait for the sale (`?after=`). */
  @Roles('admin', 'staff')
  @Get('checkouts/:id')
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'checkout_not_found') id: string, @Query() _: ReadYourWritesParams, @Res({ passthrough: true }) res: Response) {
    return this.respond(res, await this.read(tenant.tenantId, id, null));
  }

  /** Buy an offering: answers the Stripe payment page to send the client to. */
  @ClientOnly()
  @Post('me/checkouts')
  async startMine(@CurrentClient() me: ClientPrincipal, @Body() body: StartMyCheckoutDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'checkout');
    const state = await this.commands.execute(new StartCheckoutCommand(id, body.offeringId, me.clientId, body, commandContext(me, req)));
    res.setHeader('Location', `/v1/me/checkouts/${id}`);
    return toCheckoutView(state);
  }

  /** Your checkout: `paid` with the package id once Stripe has the money. */
  @ClientOnly()
  @Get('me/checkouts/:id')
  async getMine(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'checkout_not_found') id: string, @Query() _: ReadYourWritesParams, @Res({ passthrough: true }) res: Response) {
    return this.respond(res, await this.read(me.tenantId, id, me.clientId));
  }

  /** The checkout as its stream has it, after asking Stripe about an open one. `owner`: a client sees only their own. */
  private async read(tenantId: string, id: string, owner: string | null): Promise<CheckoutRead> {
    let found = await this.queries.execute(new GetCheckoutQuery(tenantId, id));
    // Another client's checkout is as unknown as a made-up id.
    if (!found || (owner !== null && found.checkout.clientId !== owner)) throw notFound();
    if (found.checkout.status === 'open') {
      const confirmed = await this.commands.execute(new ConfirmCheckoutCommand(tenantId, found.checkout));
      if (confirmed.status !== 'open') found = (await this.queries.execute(new GetCheckoutQuery(tenantId, id))) ?? found;
    }
    return found;
  }

  private respond(res: Response, { checkout, position }: CheckoutRead) {
    if (position) sendPosition(res, position);
    return toCheckoutView(checkout);
  }
}
