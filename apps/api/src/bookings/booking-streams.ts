import { Inject, Injectable } from '@nestjs/common';
import {
  BookingClient,
  BookingDecision,
  BookingState,
  bookingStreamId,
  BookingTarget,
  clientPackagesDecider,
  clientPackagesStreamId,
  offeringDecider,
  OfferingState,
  offeringStreamId,
  packageDecider,
  PackageState,
  packageStreamId,
  scheduleDayStreamId,
  scheduleDecider,
  scheduleStreamId,
  sessionTypeDecider,
  sessionTypeStreamId,
} from '@punchcard/domain';
import { ReadStore } from '@punchcard/read-store';
import { PACKAGES } from '@punchcard/projections';
import { ClientDirectory } from '../clients';
import { ApiError } from '../http/problem';
import { READ_STORE } from '../tokens';
import { UnitOfWork } from '../write-side/unit-of-work';

/** A package as a booking decision sees it: its stream's state and its offering's. */
export type BookingPackage = { packageId: string; pkg: PackageState; offering: OfferingState };

/** Packages sold before the client package index existed are found in the read model, at most this many. */
const LEGACY_PACKAGE_LIMIT = 200;

/** Loading what a booking decision reads, and staging what it decided, for the booking commands. */
@Injectable()
export class BookingStreams {
  constructor(
    private readonly clients: ClientDirectory,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  /**
   * The schedule and session type as configured now. They are named in a request body (or are the
   * booking's own), so an unknown one (or another tenant's) is `422 unknown_schedule` / `unknown_session_type`.
   */
  async loadTarget(unit: UnitOfWork, scheduleId: string, sessionTypeId: string): Promise<BookingTarget> {
    const { state: schedule } = await unit.load(scheduleStreamId(scheduleId), scheduleDecider);
    if (!schedule.exists) throw new ApiError(422, 'unknown_schedule', `No schedule ${scheduleId} in this business.`);
    const { state: sessionType } = await unit.load(sessionTypeStreamId(sessionTypeId), sessionTypeDecider);
    if (!sessionType.exists) throw new ApiError(422, 'unknown_session_type', `No session type ${sessionTypeId} in this business.`);
    return { scheduleId, schedule, sessionTypeId, sessionType };
  }

  async loadClient(tenantId: string, clientId: string): Promise<BookingClient> {
    const client = await this.clients.get(tenantId, clientId);
    if (!client) throw new ApiError(422, 'unknown_client', `No client ${clientId} in this business.`);
    return { clientId, groups: client.groups, timezone: client.timezone };
  }

  /**
   * Every package of the client, each with its offering, read from their streams: the ids come from
   * the client's package index stream (every sale appends to it), plus, for packages sold before
   * that index existed, the packages read model. Loading them through the unit version-checks all of
   * them (and the index) in the booking's append, so two bookings of one client and offering on
   * different packages cannot both pass the weekly cap, and a package sold meanwhile is seen.
   */
  async loadClientPackages(unit: UnitOfWork, clientId: string, alsoRead: string[] = []): Promise<BookingPackage[]> {
    const [{ state: index }, legacy] = await Promise.all([
      unit.load(clientPackagesStreamId(clientId), clientPackagesDecider),
      this.readStore.find(PACKAGES, unit.context.tenantId, { where: { clientId }, limit: LEGACY_PACKAGE_LIMIT }),
    ]);
    const ids = [...new Set([...index.packageIds, ...legacy.map((d) => d.id)])];
    // Round trips: the packages (with what the caller will read next) in one read, then their offerings in one.
    unit.prefetch([...alsoRead, ...ids.map(packageStreamId)]);
    const states = await Promise.all(ids.map((id) => unit.load(packageStreamId(id), packageDecider)));
    unit.prefetch(states.flatMap(({ state }) => (state.exists ? [offeringStreamId(state.offeringId)] : [])));
    const packages = await Promise.all(ids.map((id) => this.loadPackage(unit, id)));
    return packages.filter((p) => p.pkg.exists && p.pkg.clientId === clientId);
  }

  async loadPackage(unit: UnitOfWork, packageId: string): Promise<BookingPackage> {
    const { state: pkg } = await unit.load(packageStreamId(packageId), packageDecider);
    const offering = pkg.exists ? (await unit.load(offeringStreamId(pkg.offeringId), offeringDecider)).state : ({ exists: false } as OfferingState);
    return { packageId, pkg, offering };
  }

  /** Stages each stream's events; the day streams must have been loaded (their keys are `${scheduleId}/${date}`). */
  stage(unit: UnitOfWork, bookingId: string, packageId: string, decision: BookingDecision): void {
    unit.stage(bookingStreamId(bookingId), decision.booking);
    for (const [key, events] of Object.entries(decision.days)) {
      const [scheduleId, date] = key.split('/');
      unit.stage(scheduleDayStreamId(scheduleId, date), events);
    }
    unit.stage(packageStreamId(packageId), decision.package);
  }
}

/** A booking as the API shows it. */
export function toBookingView(state: Extract<BookingState, { exists: true }>) {
  const { exists: _, bookingId, credit, ...rest } = state;
  return { id: bookingId, ...rest, creditOutcome: credit?.creditOutcome ?? null, rule: credit?.rule ?? null };
}
