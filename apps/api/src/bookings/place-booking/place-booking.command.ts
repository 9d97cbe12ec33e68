import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  BookingState,
  choosePackage,
  localDateOf,
  normaliseInstant,
  OfferingState,
  PackageState,
  placeBooking,
  scheduleDayStreamId,
} from '../../../../../libs/domain/src';
import { Position } from '../../../../../libs/event-store/src/event-store.port';
import { ReadStore } from '../../../../../libs/read-store/src/read-store.port';
import { PACKAGES } from '../../../../../projections';
import { offeringDecider, offeringStreamId } from '../../offerings/offering-stream';
import { packageDecider, packageStreamId } from '../../packages/package-stream';
import { TenantDirectory } from '../../tenants/tenant-directory';
import { READ_STORE } from '../../tokens';
import { CommandContext } from '../../write-side/command-context';
import { UnitOfWork, UnitOfWorkExecutor } from '../../write-side/unit-of-work';
import { bookingDecider, bookingStreamId, BookingStreams, scheduleDayDecider } from '../booking-streams';

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

/** How many of the client's packages auto-selection considers (newest read-model state). */
const CANDIDATE_LIMIT = 50;

@CommandHandler(PlaceBookingCommand)
export class PlaceBookingHandler implements ICommandHandler<PlaceBookingCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly streams: BookingStreams,
    private readonly tenants: TenantDirectory,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
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

      const packageIds = request.packageId ? [request.packageId] : await this.candidatePackages(context.tenantId, request.clientId);
      const candidates = await Promise.all(packageIds.map((id) => this.loadPackage(unit, id)));
      const chosen = request.packageId ? candidates[0] : candidates[choosePackage(candidates, { target, client }, start, bookingId, ctx)];

      const decision = placeBooking({ booking: booking.state, day, pkg: chosen.pkg, offering: chosen.offering, target, client }, { bookingId, start }, ctx);
      this.streams.stage(unit, bookingId, chosen.packageId, decision);
      const placed = decision.booking.reduce(bookingDecider.evolve, booking.state);
      return { booking: placed as BookingResult['booking'], pkg: decision.package.reduce(packageDecider.evolve, chosen.pkg) };
    });
  }

  private async candidatePackages(tenantId: string, clientId: string): Promise<string[]> {
    const documents = await this.readStore.find(PACKAGES, tenantId, { where: { clientId, status: 'active' }, limit: CANDIDATE_LIMIT });
    return documents.map((d) => d.id);
  }

  private async loadPackage(unit: UnitOfWork, packageId: string): Promise<{ packageId: string; pkg: PackageState; offering: OfferingState }> {
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
