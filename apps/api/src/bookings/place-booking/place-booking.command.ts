import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { bookingDecider, BookingState, bookingStreamId, choosePackage, DomainError, localDateOf, normaliseInstant, offeringDecider, OfferingState, offeringStreamId, packageDecider, PackageState, packageStreamId, placeBooking, scheduleDayDecider, scheduleDayStreamId } from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { ReadStore } from '@punchcard/read-store';
import { PACKAGES, packagesProjection } from '@punchcard/projections';
import { TenantDirectory } from '../../tenants';
import { PROJECTION_RUNNER, READ_STORE } from '../../tokens';
import { ProjectionRunner } from '@punchcard/projection-runner';
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
}

export type BookingResult = { booking: Extract<BookingState, { exists: true }>; pkg: PackageState };

/** Reserves a seat and redeems a credit in one atomic append over the booking, schedule-day and package streams. */
export class PlaceBookingCommand extends Command<{ result: BookingResult; position: Position | null }> {
  constructor(
    readonly bookingId: string,
    readonly request: PlaceBookingRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** How many of the client's active packages auto-selection considers (a client rarely holds more). */
const CANDIDATE_LIMIT = 50;
const CATCH_UP_MS = 2_000;

type Candidate = { packageId: string; pkg: PackageState; offering: OfferingState };

@CommandHandler(PlaceBookingCommand)
export class PlaceBookingHandler implements ICommandHandler<PlaceBookingCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly streams: BookingStreams,
    private readonly tenants: TenantDirectory,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
  ) {}

  async execute({ bookingId, request, context }: PlaceBookingCommand) {
    const client = await this.streams.loadClient(context.tenantId, request.clientId);
    const { timezone } = await this.tenants.get(context.tenantId);
    return this.units.run(context, async (unit): Promise<BookingResult> => {
      const booking = await unit.load(bookingStreamId(bookingId), bookingDecider);
      if (booking.seenKey && booking.state.exists) return this.replay(unit, booking.state);

      const target = await this.streams.loadTarget(unit, request.scheduleId, request.sessionTypeId);
      const start = normaliseInstant(request.start, 'start');
      const date = localDateOf(start, target.schedule.timezone);
      const { state: day } = await unit.load(scheduleDayStreamId(request.scheduleId, date), scheduleDayDecider);
      const ctx = { now: unit.now, timezone };

      const chosen = request.packageId
        ? await this.loadPackage(unit, request.packageId)
        : await this.choose(unit, request.clientId, (candidates) => choosePackage(candidates, { target, client }, start, bookingId, ctx));

      const decision = placeBooking({ booking: booking.state, day, pkg: chosen.pkg, offering: chosen.offering, target, client }, { bookingId, start }, ctx);
      this.streams.stage(unit, bookingId, chosen.packageId, decision);
      const placed = decision.booking.reduce(bookingDecider.evolve, booking.state);
      return { booking: placed as BookingResult['booking'], pkg: decision.package.reduce(packageDecider.evolve, chosen.pkg) };
    });
  }

  /**
   * The client's packages come from the packages read model; their streams decide. A package sold a
   * moment ago may not be in the read model yet, so before answering no_usable_package the read
   * model is given time to catch up, and the choice is made once more.
   */
  private async choose(unit: UnitOfWork, clientId: string, pick: (candidates: Candidate[]) => number): Promise<Candidate> {
    for (let attempt = 1; ; attempt++) {
      const documents = await this.readStore.find(PACKAGES, unit.context.tenantId, { where: { clientId, status: 'active' }, limit: CANDIDATE_LIMIT });
      const candidates = await Promise.all(documents.map((d) => this.loadPackage(unit, d.id)));
      try {
        return candidates[pick(candidates)];
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'no_usable_package') || attempt > 1 || !(await this.packagesCaughtUpLate())) throw error;
      }
    }
  }

  /** Waits (up to CATCH_UP_MS) for the packages read model; true if it had to wait and then caught up. */
  private async packagesCaughtUpLate(): Promise<boolean> {
    const { reached, waited } = await this.runner.waitUntil(() => this.runner.isCaughtUp(packagesProjection.name), CATCH_UP_MS);
    return reached && waited;
  }


  private async loadPackage(unit: UnitOfWork, packageId: string): Promise<Candidate> {
    const { state: pkg } = await unit.load(packageStreamId(packageId), packageDecider);
    const offering = pkg.exists ? (await unit.load(offeringStreamId(pkg.offeringId), offeringDecider)).state : ({ exists: false } as OfferingState);
    return { packageId, pkg, offering };
  }

  /** A retry of a booking that was already placed under this idempotency key: answer as it stands. */
  private async replay(unit: UnitOfWork, booking: Extract<BookingState, { exists: true }>): Promise<BookingResult> {
    const { state: pkg } = await unit.load(packageStreamId(booking.packageId), packageDecider);
    return { booking, pkg };
  }
}
