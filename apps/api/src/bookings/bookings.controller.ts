import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Position } from '@punchcard/event-store';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal, TenantRole } from '../auth/principal';
import { RecordedWithAppend } from '../http/idempotency.interceptor';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { toUtcInstant } from '../http/validators';
import { commandContext } from '../write-side/command-context';
import { toBookingView } from './booking-streams';
import { AttendanceDto, CancelBookingDto, ListBookingsParams, PlaceBookingDto, RescheduleBookingDto } from './bookings.dto';
import { BookingChange, ChangeBookingCommand } from './change-booking/change-booking.command';
import { BookingResult, PlaceBookingCommand } from './place-booking/place-booking.command';
import { GetBookingQuery, ListBookingsQuery } from './queries/booking.queries';

/** Cancelling by business returns the credit whatever the notice (docs/adr/0013). */
const MAY_CANCEL_BY_BUSINESS: readonly TenantRole[] = ['admin', 'staff'];

const notFound = () => new ApiError(404, 'booking_not_found', 'Booking not found.');

@ApiTags('bookings')
@ApiBearerAuth()
@Controller('v1/bookings')
export class BookingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /**
   * Books an offered slot for a client and redeems one credit, atomically. Without `packageId` the
   * client's usable package that expires first is used (409 no_usable_package if none).
   */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post()
  async place(@CurrentTenant() tenant: TenantPrincipal, @Body() body: PlaceBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'booking');
    const request = { clientId: body.clientId, scheduleId: body.scheduleId, sessionTypeId: body.sessionTypeId, start: body.start, packageId: body.packageId ?? null };
    // Before the command: the answer recorded with its append (ADR 0028) carries it.
    res.setHeader('Location', `/v1/bookings/${id}`);
    return respond(res, await this.commands.execute(new PlaceBookingCommand(id, request, commandContext(tenant, req), bookingAnswer)));
  }

  /**
   * Records a session that already took place but was never booked (a practitioner forgot): it is
   * booked and marked attended at once, takes a credit, and records who recorded it and when.
   */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post('past-sessions')
  async recordPast(@CurrentTenant() tenant: TenantPrincipal, @Body() body: PlaceBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = newId(req, 'booking');
    const request = { clientId: body.clientId, scheduleId: body.scheduleId, sessionTypeId: body.sessionTypeId, start: body.start, packageId: body.packageId ?? null, pastSession: true };
    // Before the command: the answer recorded with its append (ADR 0028) carries it.
    res.setHeader('Location', `/v1/bookings/${id}`);
    return respond(res, await this.commands.execute(new PlaceBookingCommand(id, request, commandContext(tenant, req), bookingAnswer)));
  }

  @Roles('admin', 'staff')
  @Get()
  list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListBookingsParams) {
    const { after: _, limit, from, to, ...filter } = query;
    return this.queries.execute(new ListBookingsQuery(tenant.tenantId, { ...filter, from: from && toUtcInstant(from), to: to && toUtcInstant(to), limit: limit ?? 20 }));
  }

  @Roles('admin', 'staff')
  @Get(':id')
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Query() _: ReadYourWritesParams) {
    const booking = await this.queries.execute(new GetBookingQuery(tenant.tenantId, id));
    if (!booking) throw notFound();
    return booking;
  }

  /**
   * Cancels: at least the notice window before, the credit returns; later, the offering's policy decides.
   * `byBusiness` (the credit returns whatever the notice) is for the business's own keys: clients
   * cancel through /v1/me and never by business.
   */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post(':id/cancellations')
  cancel(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Body() body: CancelBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (body.byBusiness && !MAY_CANCEL_BY_BUSINESS.includes(tenant.role)) {
      throw new ApiError(403, 'role_forbidden', `Only a key with role ${MAY_CANCEL_BY_BUSINESS.join(' or ')} may cancel by business.`);
    }
    return this.change(tenant, id, { type: 'cancel', reason: body.reason ?? null, by: body.byBusiness ? 'business' : 'client' }, req, res);
  }

  /** Moves the booking to another offered slot, until the notice window; the credit stays redeemed. */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post(':id/reschedules')
  reschedule(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Body() body: RescheduleBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(tenant, id, { type: 'reschedule', start: body.start, scheduleId: body.scheduleId ?? null }, req, res);
  }

  /** Staff marks attended or no-show once the session has started; a no-show follows the offering's policy. */
  @Roles('admin', 'staff')
  @RecordedWithAppend()
  @Post(':id/attendance')
  attendance(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Body() body: AttendanceDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(tenant, id, { type: 'attendance', attendance: body.attendance }, req, res);
  }

  private async change(tenant: TenantPrincipal, id: string, change: BookingChange, req: Request, res: Response) {
    return respond(res, await this.commands.execute(new ChangeBookingCommand(id, change, commandContext(tenant, req), bookingAnswer)));
  }
}

function respond(res: Response, outcome: { result: BookingResult; position: Position | null }) {
  if (outcome.position) sendPosition(res, outcome.position);
  return bookingAnswer(outcome.result);
}

/** The booking with the package's balance after it ("session 2 of 6"). */
function bookingAnswer({ booking, pkg }: BookingResult) {
  const credits = pkg.exists
    ? { creditsTotal: pkg.creditsTotal, creditsUsed: pkg.creditsUsed, creditsRemaining: pkg.paidRemaining + pkg.goodwillRemaining, expiresAt: pkg.expiresAt }
    : null;
  return { ...toBookingView(booking), package: credits };
}
