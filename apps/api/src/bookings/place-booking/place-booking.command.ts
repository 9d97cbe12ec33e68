import { Command, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import {
  bookingDecider,
  BookingState,
  bookingStreamId,
  choosePackage,
  clientPackagesStreamId,
  localDateOf,
  normaliseInstant,
  packageDecider,
  PackageState,
  packageStreamId,
  placeBooking,
  recordPastSession,
  scheduleDayDecider,
  scheduleDayStreamId,
  scheduleStreamId,
  sessionTypeStreamId,
} from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { BusyIntervalsQuery } from '../../busy-calendars';
import { ApiError } from '../../http/problem';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { UnitOfWork, UnitOfWorkExecutor } from '../../write-side/unit-of-work';
import { BookingStreams } from '../booking-streams';

export interface PlaceBookingRequest {
  clientId: string;
  scheduleId: string;
  sessionTypeId: string;
  start: string;
  /** null: the client's best usable package (earliest expiry first). */
  packageId: string | null;
  /** A session that already took place, recorded by staff: booked and marked attended at once. */
  pastSession?: boolean;
}

export type BookingResult = { booking: Extract<BookingState, { exists: true }>; pkg: PackageState };

/** The request's answer from a booking command's result, recorded with its append under an Idempotency-Key (ADR 0028). */
export type BookingAnswer = (result: BookingResult) => unknown;

/** Reserves a seat and redeems a credit in one atomic append over the booking, schedule-day and package streams. */
export class PlaceBookingCommand extends Command<{ result: BookingResult; position: Position | null }> {
  constructor(
    readonly bookingId: string,
    readonly request: PlaceBookingRequest,
    readonly context: CommandContext,
    readonly answer?: BookingAnswer,
  ) {
    super();
  }
}

@CommandHandler(PlaceBookingCommand)
export class PlaceBookingHandler implements ICommandHandler<PlaceBookingCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly streams: BookingStreams,
    private readonly tenants: TenantDirectory,
    private readonly queries: QueryBus,
  ) {}

  async execute({ bookingId, request, context, answer }: PlaceBookingCommand) {
    const client = await this.streams.loadClient(context.tenantId, request.clientId);
    const { timezone } = await this.tenants.get(context.tenantId);
    return this.units.run(context, async (unit): Promise<BookingResult> => {
      // One round trip for the streams every booking reads first (the client's package index is read in loadClientPackages).
      unit.prefetch([bookingStreamId(bookingId), scheduleStreamId(request.scheduleId), sessionTypeStreamId(request.sessionTypeId), clientPackagesStreamId(request.clientId)]);
      const booking = await unit.load(bookingStreamId(bookingId), bookingDecider);
      if (booking.seenKey && booking.state.exists) return this.replay(unit, booking.state);

      const target = await this.streams.loadTarget(unit, request.scheduleId, request.sessionTypeId);
      const start = normaliseInstant(request.start, 'start');
      const date = localDateOf(start, target.schedule.timezone);
      const dayStream = scheduleDayStreamId(request.scheduleId, date);

      // Every package of the client, from streams: the weekly cap counts the offering's sessions across them (the day is read with them).
      // Beside them, the host's busy times around the start (external calendars): the decision refuses an overlap (slot_busy), whatever a listing showed.
      const [packages, busy] = await Promise.all([
        this.streams.loadClientPackages(unit, request.clientId, [dayStream]),
        request.pastSession ? [] : this.queries.execute(new BusyIntervalsQuery(context.tenantId, request.scheduleId, ...daysAround(date))),
      ]);
      const { state: day } = await unit.load(dayStream, scheduleDayDecider);
      const ctx = { now: unit.now, timezone };
      const chosen = request.packageId
        ? (packages.find((p) => p.packageId === request.packageId) ?? (await this.namedPackage(unit, request.packageId)))
        : packages[choosePackage(packages, { target, client }, start, bookingId, ctx)];

      const input = { booking: booking.state, day, pkg: chosen.pkg, offering: chosen.offering, target, client, otherPackages: packages.map((p) => p.pkg), busy };
      const decision = request.pastSession
        ? recordPastSession(input, { bookingId, start, recordedBy: context.actor.id }, ctx)
        : placeBooking(input, { bookingId, start }, ctx);
      this.streams.stage(unit, bookingId, chosen.packageId, decision);
      const placed = decision.booking.reduce(bookingDecider.evolve, booking.state);
      const result = { booking: placed as BookingResult['booking'], pkg: decision.package.reduce(packageDecider.evolve, chosen.pkg) };
      if (answer) unit.answerWith(() => answer(result));
      return result;
    });
  }

  /** A package named in the body that is not the client's: another client's is refused by the decision; an unknown one is 422. */
  private async namedPackage(unit: UnitOfWork, packageId: string) {
    const named = await this.streams.loadPackage(unit, packageId);
    if (!named.pkg.exists) throw new ApiError(422, 'unknown_package', `No package ${packageId} in this business.`);
    return named;
  }

  /** A retry of a booking that was already placed under this idempotency key: answer as it stands. */
  private async replay(unit: UnitOfWork, booking: Extract<BookingState, { exists: true }>): Promise<BookingResult> {
    const { state: pkg } = await unit.load(packageStreamId(booking.packageId), packageDecider);
    return { booking, pkg };
  }
}

/** The local date before and after `date`: busy rows are filed under the schedule's local dates at their last refresh. */
export function daysAround(date: string): [string, string] {
  const day = Date.parse(`${date}T00:00:00Z`);
  return [new Date(day - 86_400_000).toISOString().slice(0, 10), new Date(day + 86_400_000).toISOString().slice(0, 10)];
}
