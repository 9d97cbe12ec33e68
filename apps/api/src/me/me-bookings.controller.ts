import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { toPackageView } from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { ClientOnly, CurrentClient } from '../auth/auth.decorators';
import { ClientPrincipal } from '../auth/principal';
import { BookingChange, BookingResult, ChangeBookingCommand, PlaceBookingCommand, RescheduleBookingDto } from '../bookings';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { toUtcInstant } from '../http/validators';
import { Clock, CLOCK } from '../tokens';
import { commandContext } from '../write-side/command-context';
import { toClientPackage } from './client-views';
import { CancelMyBookingDto, MyBookingsParams, PlaceMyBookingDto } from './me.dto';
import { bookingNotFound, MyBookingQuery, MyBookingsQuery, OwnsStreamQuery } from './queries/me.queries';

/**
 * The client's own bookings: list, book, reschedule, cancel. The booking commands the front desk uses
 * run here unchanged, so every rule (lead time, notice, caps, capacity, visibility, expiry) is the
 * deciders'; the events record the client as the actor.
 */
@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me/bookings')
export class MeBookingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Books an offered slot with one of the client's packages (named, or the usable one expiring first). */
  @ClientOnly()
  @Post()
  async place(@CurrentClient() me: ClientPrincipal, @Body() body: PlaceMyBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    // A body reference: another client's package is as unknown as a made-up id (422 unknown_package).
    if (body.packageId && !(await this.queries.execute(new OwnsStreamQuery(me, 'package', body.packageId)))) {
      throw new ApiError(422, 'unknown_package', `No package ${body.packageId} of yours.`);
    }
    const id = newId(req, 'booking');
    const request = { clientId: me.clientId, scheduleId: body.scheduleId, sessionTypeId: body.sessionTypeId, start: body.start, packageId: body.packageId ?? null };
    const outcome = await this.commands.execute(new PlaceBookingCommand(id, request, commandContext(me, req)));
    res.setHeader('Location', `/v1/me/bookings/${id}`);
    return this.respond(me, res, outcome);
  }

  /** In the order they were made (oldest first); `nextCursor` continues the list. Each as GET /v1/me/bookings/{id} shows it. */
  @ClientOnly()
  @Get()
  list(@CurrentClient() me: ClientPrincipal, @Query() query: MyBookingsParams) {
    const { status, packageId, from, to, cursor, limit } = query;
    return this.queries.execute(new MyBookingsQuery(me, {
      ...(status && { status }),
      ...(packageId && { packageId }),
      from: from && toUtcInstant(from),
      to: to && toUtcInstant(to),
      cursor,
      limit: limit ?? 20,
    }));
  }

  /** Without staff notes or key ids: `cancelledBy` says client, business or system; `reason` only when the client wrote it. */
  @ClientOnly()
  @Get(':id')
  get(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Query() _: ReadYourWritesParams) {
    return this.queries.execute(new MyBookingQuery(me, id));
  }

  /** The client cancels (never "by business"): in time, the credit returns; later, the offering's late-cancellation policy decides. */
  @ClientOnly()
  @Post(':id/cancellations')
  cancel(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Body() body: CancelMyBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(me, id, { type: 'cancel', reason: body.reason ?? null, by: 'client' }, req, res);
  }

  /** Moves the booking to another offered slot, until the offering's notice window. */
  @ClientOnly()
  @Post(':id/reschedules')
  reschedule(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'booking_not_found') id: string, @Body() body: RescheduleBookingDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.change(me, id, { type: 'reschedule', start: body.start, scheduleId: body.scheduleId ?? null }, req, res);
  }

  private async change(me: ClientPrincipal, id: string, change: BookingChange, req: Request, res: Response) {
    if (!(await this.queries.execute(new OwnsStreamQuery(me, 'booking', id)))) throw bookingNotFound();
    return this.respond(me, res, await this.commands.execute(new ChangeBookingCommand(id, change, commandContext(me, req))));
  }

  /** The booking as GET shows it (read back from its stream, which the command has just written), and the package's progress after it. */
  private async respond(me: ClientPrincipal, res: Response, outcome: { result: BookingResult; position: Position | null }) {
    if (outcome.position) sendPosition(res, outcome.position);
    const { booking, pkg } = outcome.result;
    return { ...(await this.queries.execute(new MyBookingQuery(me, booking.bookingId))), package: pkg.exists ? toClientPackage(toPackageView(pkg), this.clock.now().toISOString()) : null };
  }
}
