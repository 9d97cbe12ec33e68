import { Command, CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { bookingDecider, BookingDecision, BookingState, bookingStreamId, cancelBooking, DomainError, localDateOf, markAttendance, normaliseInstant, offeringDecider, offeringStreamId, packageDecider, packageStreamId, rescheduleBooking, scheduleDayDecider, scheduleDayStreamId } from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { BusyIntervalsQuery } from '../../busy-calendars';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { UnitOfWorkExecutor } from '../../write-side/unit-of-work';
import { BookingStreams } from '../booking-streams';
import { BookingAnswer, BookingResult, daysAround } from '../place-booking/place-booking.command';

export type BookingChange =
  | { type: 'cancel'; reason: string | null; by: 'client' | 'business' | 'offering_deleted' }
  | { type: 'reschedule'; start: string; scheduleId: string | null }
  | { type: 'attendance'; attendance: 'attended' | 'no_show' };

/** Cancels, reschedules or marks attendance of a booking: booking, schedule day(s) and package change together. */
export class ChangeBookingCommand extends Command<{ result: BookingResult; position: Position | null }> {
  constructor(
    readonly bookingId: string,
    readonly change: BookingChange,
    readonly context: CommandContext,
    readonly answer?: BookingAnswer,
  ) {
    super();
  }
}

@CommandHandler(ChangeBookingCommand)
export class ChangeBookingHandler implements ICommandHandler<ChangeBookingCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly streams: BookingStreams,
    private readonly tenants: TenantDirectory,
    private readonly queries: QueryBus,
  ) {}

  async execute({ bookingId, change, context, answer }: ChangeBookingCommand) {
    const { timezone } = await this.tenants.get(context.tenantId);
    return this.units.run(context, async (unit): Promise<BookingResult> => {
      const loaded = await unit.load(bookingStreamId(bookingId), bookingDecider);
      const booking = loaded.state;
      if (!booking.exists) throw new DomainError('booking_not_found', 'Booking not found.');
      const { state: pkg } = await unit.load(packageStreamId(booking.packageId), packageDecider);
      if (loaded.seenKey) return { booking, pkg }; // a retry of this very change: answer as it stands
      const { state: offering } = await unit.load(offeringStreamId(booking.offeringId), offeringDecider);
      const ctx = { now: unit.now, timezone };
      const loadDay = async (scheduleId: string, date: string) => (await unit.load(scheduleDayStreamId(scheduleId, date), scheduleDayDecider)).state;

      let decision: BookingDecision;
      switch (change.type) {
        case 'cancel':
          decision = cancelBooking({ booking, pkg, offering, day: await loadDay(booking.scheduleId, booking.date) }, change, ctx);
          break;
        case 'attendance':
          decision = markAttendance({ booking, pkg, offering }, change, ctx);
          break;
        case 'reschedule': {
          const scheduleId = change.scheduleId ?? booking.scheduleId;
          const target = await this.streams.loadTarget(unit, scheduleId, booking.sessionTypeId);
          const client = await this.streams.loadClient(context.tenantId, booking.clientId);
          const start = normaliseInstant(change.start, 'start');
          const day = await loadDay(booking.scheduleId, booking.date);
          const newDate = localDateOf(start, target.schedule.timezone);
          const newDay = await loadDay(scheduleId, newDate);
          // The host's busy times around the new start (external calendars): an overlap is refused (slot_busy).
          const busy = await this.queries.execute(new BusyIntervalsQuery(context.tenantId, scheduleId, ...daysAround(newDate)));
          // The weekly cap counts the offering's sessions across the client's packages.
          const otherPackages = (await this.streams.loadClientPackages(unit, booking.clientId)).map((p) => p.pkg);
          decision = rescheduleBooking({ booking, pkg, offering, day, newDay, target, client, otherPackages, busy }, { start }, ctx);
          break;
        }
      }
      this.streams.stage(unit, bookingId, booking.packageId, decision);
      const result = {
        booking: decision.booking.reduce(bookingDecider.evolve, booking as BookingState) as BookingResult['booking'],
        pkg: decision.package.reduce(packageDecider.evolve, pkg),
      };
      if (answer) unit.answerWith(() => answer(result));
      return result;
    });
  }
}

