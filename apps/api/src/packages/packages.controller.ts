import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PackageState } from '@punchcard/domain';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { RecordedWithAppend } from '../http/idempotency.interceptor';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { toUtcInstant } from '../http/validators';
import { Clock, CLOCK } from '../tokens';
import { AsOfParams, pastInstant } from './point-in-time/as-of';
import { GetPackageAsOfQuery } from './point-in-time/package-as-of.query';
import { commandContext } from '../write-side/command-context';
import { Decided } from '../write-side/stream-executor';
import { ChangePackageCommand, PackageChange } from './change-package/change-package.command';
import { packageResponse } from './package-response';
import {
  AdjustCreditsDto,
  ChangeExpiryDto,
  LedgerParams,
  ListPackagesParams,
  PurchasePackageDto,
  RedeemSessionDto,
  RefundDto,
  ReverseRedemptionDto,
} from './packages.dto';
import { PurchasePackageCommand } from './purchase-package/purchase-package.command';
import { GetLedgerQuery, GetPackageQuery, ListPackagesQuery } from './queries/package.queries';
import { ApiPageWith, ApiViewWith, PACKAGE_FIGURES } from '../http/vocabulary';

const notFound = () => new ApiError(404, 'package_not_found', 'Package not found.');

@ApiTags('packages')
@ApiBearerAuth()
@Controller('v1/packages')
export class PackagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sells a package of an active offering to a client; its credits and expiry follow the offering's terms. */
  @Roles('admin')
  @Post()
  async purchase(@CurrentTenant() tenant: TenantPrincipal, @Body() body: PurchasePackageDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'package');
    const payment = { method: body.payment.method, reference: body.payment.reference ?? null };
    const visibilityOverride = body.visibilityOverrideReason === undefined ? null : { reason: body.visibilityOverrideReason };
    const result = await this.commands.execute(new PurchasePackageCommand(id, body.offeringId, body.clientId, payment, visibilityOverride, commandContext(tenant, req)));
    res.setHeader('Location', `/v1/packages/${id}`);
    return this.respond(res, result);
  }

  @Roles('admin', 'staff', 'accountant')
  @Get()
  @ApiPageWith(PACKAGE_FIGURES)
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListPackagesParams) {
    const { after: _, limit, ...filter } = query;
    return this.queries.execute(new ListPackagesQuery(tenant.tenantId, { ...filter, limit: limit ?? 20 }));
  }

  /** The package now (read model); with `asOf`, as it stood then, replayed from its events. */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id')
  @ApiViewWith(PACKAGE_FIGURES)
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Query() query: AsOfParams) {
    if (query.asOf !== undefined) return this.getAsOf(tenant.tenantId, id, pastInstant(query.asOf, this.clock.now()));
    const found = await this.queries.execute(new GetPackageQuery(tenant.tenantId, id));
    if (!found) throw notFound();
    return found;
  }

  private async getAsOf(tenantId: string, id: string, asOf: string) {
    const result = await this.queries.execute(new GetPackageAsOfQuery(tenantId, id, asOf));
    if (result.kind === 'not_found') throw notFound();
    // Distinct from an unknown id: the package exists, it had not been bought yet.
    if (result.kind === 'not_purchased_yet') throw new ApiError(404, 'package_not_purchased_yet', `The package was purchased at ${result.purchasedAt}, after ${asOf}.`);
    return result.package;
  }

  /** Every credit movement with the balance after it, who made it and why; `asOf` replays the ledger to an instant. */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id/ledger')
  async ledger(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Query() query: LedgerParams) {
    const asOf = query.asOf ? toUtcInstant(query.asOf) : null;
    const page = await this.queries.execute(new GetLedgerQuery(tenant.tenantId, id, asOf, query.cursor, query.limit ?? 100));
    if (!page) throw notFound();
    return page;
  }

  /** Deducts one credit (a booking or a manual deduction). 409 no_credits_left / package_expired / package_refunded. */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post(':id/redemptions')
  async redeem(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Body() body: RedeemSessionDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const redemptionId = newId(req, 'redemption');
    const change: PackageChange = {
      type: 'RedeemSession',
      redemptionId,
      bookingId: body.bookingId ?? null,
      serviceId: body.serviceId ?? null,
      note: body.note ?? null,
      sessionAt: body.sessionAt ?? null,
    };
    return this.change(tenant, id, change, req, res, { redemptionId });
  }

  /** Gives back the credit of a redemption (e.g. deducted by mistake). */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post(':id/redemptions/:redemptionId/reversals')
  async reverse(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'package_not_found') id: string,
    @UuidParam('redemptionId', 'redemption_not_found') redemptionId: string,
    @Body() body: ReverseRedemptionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.change(tenant, id, { type: 'ReverseRedemption', redemptionId, reason: body.reason }, req, res);
  }

  /** Adds goodwill credits (positive delta) or removes credits (negative), with a reason. */
  @Roles('admin')
  @RecordedWithAppend()
  @Post(':id/adjustments')
  async adjust(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Body() body: AdjustCreditsDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(tenant, id, { type: 'AdjustCredits', delta: body.delta, reason: body.reason }, req, res);
  }

  /** Extends or shortens the expiry (null: never expires). */
  @Roles('admin')
  @RecordedWithAppend()
  @Post(':id/expiry-changes')
  async changeExpiry(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Body() body: ChangeExpiryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(tenant, id, { type: 'ChangeExpiry', expiresAt: body.expiresAt, reason: body.reason }, req, res);
  }

  /** Refunds unused credits (default: all); the amount defaults to what those credits are worth. */
  @Roles('admin')
  @RecordedWithAppend()
  @Post(':id/refunds')
  async refund(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'package_not_found') id: string, @Body() body: RefundDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const change: PackageChange = { type: 'RefundPackage', credits: body.credits ?? null, amount: body.amount ?? null, reason: body.reason };
    return this.change(tenant, id, change, req, res);
  }

  private respond(res: Response, result: Decided<PackageState>) {
    if (!result.state.exists) throw notFound();
    if (result.position) sendPosition(res, result.position);
    return packageResponse(result.state, this.clock.now().toISOString());
  }

  /**
   * Runs a change and answers with the package (plus `extra`). The same answer is rendered for the
   * write side, which records it with the append under an Idempotency-Key (ADR 0028): one `now` for both.
   */
  private async change(tenant: TenantPrincipal, id: string, change: PackageChange, req: Request, res: Response, extra: object = {}) {
    const now = this.clock.now().toISOString();
    const answer = (state: PackageState) => (state.exists ? { ...packageResponse(state, now), ...extra } : undefined);
    const result = await this.commands.execute(new ChangePackageCommand(id, change, commandContext(tenant, req), answer));
    if (!result.state.exists) throw notFound();
    if (result.position) sendPosition(res, result.position);
    return answer(result.state);
  }
}
