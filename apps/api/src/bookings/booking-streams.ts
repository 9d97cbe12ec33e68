import { Injectable } from '@nestjs/common';
import { BookingClient, BookingDecision, BookingState, bookingStreamId, BookingTarget, DomainError, packageStreamId, scheduleDayStreamId, scheduleDecider, scheduleStreamId, sessionTypeDecider, sessionTypeStreamId } from '@punchcard/domain';
import { ClientDirectory } from '../clients';
import { ApiError } from '../http/problem';
import { UnitOfWork } from '../write-side/unit-of-work';

/** Loading what a booking decision reads, and staging what it decided, for the booking commands. */
@Injectable()
export class BookingStreams {
  constructor(private readonly clients: ClientDirectory) {}

  /** The schedule and session type as configured now; unknown (or another tenant's) → 404. */
  async loadTarget(unit: UnitOfWork, scheduleId: string, sessionTypeId: string): Promise<BookingTarget> {
    const { state: schedule } = await unit.load(scheduleStreamId(scheduleId), scheduleDecider);
    if (!schedule.exists) throw new DomainError('schedule_not_found', 'Schedule not found.');
    const { state: sessionType } = await unit.load(sessionTypeStreamId(sessionTypeId), sessionTypeDecider);
    if (!sessionType.exists) throw new DomainError('session_type_not_found', 'Session type not found.');
    return { scheduleId, schedule, sessionTypeId, sessionType };
  }

  async loadClient(tenantId: string, clientId: string): Promise<BookingClient> {
    const client = await this.clients.get(tenantId, clientId);
    if (!client) throw new ApiError(422, 'client_not_found', `No client ${clientId} in this business.`);
    return { clientId, groups: client.groups, timezone: client.timezone };
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
