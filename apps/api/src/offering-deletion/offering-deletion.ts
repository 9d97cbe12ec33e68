import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { decideOffering, DomainError, offeringDecider, OfferingState, offeringStreamId } from '@punchcard/domain';
import { Position } from '@punchcard/event-store';
import { ProjectionRunner } from '@punchcard/projection-runner';
import { ChangeBookingCommand, ListBookingsQuery } from '../bookings';
import { ApiError } from '../http/problem';
import { Clock, CLOCK, PROJECTION_RUNNER } from '../tokens';
import { CommandContext } from '../write-side/command-context';
import { StreamExecutor } from '../write-side/stream-executor';

export interface DeletionPreview {
  offeringId: string;
  /** Booked sessions from now on that the deletion would cancel (their credits return). */
  upcomingBookings: number;
  /** Distinct clients holding those bookings. */
  clientsAffected: number;
}

export interface DeletionResult {
  offering: Extract<OfferingState, { exists: true }>;
  clientsAffected: number;
  /** Bookings this call cancelled (a repeated call cancels what an interrupted one left). */
  cancelledBookings: number;
  position: Position | null;
}

const PAGE = 100;
const CATCH_UP_MS = 10_000;

/**
 * Deleting an offering: `OfferingDeleted` first (no new sales or bookings from then on), then each
 * upcoming booking is cancelled with rule `offering_deleted`, which returns its credit. Past
 * bookings, events and reports stay. Deleting again resumes an interrupted run (ADR 0008).
 */
@Injectable()
export class OfferingDeletion {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async preview(tenantId: string, offeringId: string): Promise<DeletionPreview> {
    const { state } = await this.streams.load(offeringStreamId(offeringId), tenantId, offeringDecider);
    if (!state.exists) throw new ApiError(404, 'offering_not_found', 'Offering not found.');
    const upcoming = await this.upcomingBookings(tenantId, offeringId);
    return { offeringId, upcomingBookings: upcoming.length, clientsAffected: new Set(upcoming.map((b) => b.clientId)).size };
  }

  async delete(offeringId: string, reason: string | null, context: CommandContext): Promise<DeletionResult> {
    const deleted = await this.streams.execute(offeringStreamId(offeringId), offeringDecider, context, (state) =>
      decideOffering({ type: 'DeleteOffering', reason }, state),
    );
    if (!deleted.state.exists) throw new ApiError(404, 'offering_not_found', 'Offering not found.');
    // The cancellations are caused by the OfferingDeleted event (the same one when a deletion is repeated).
    const { stored } = await this.streams.load(offeringStreamId(offeringId), context.tenantId, offeringDecider);
    const cancellation = { ...context, causationId: stored.find((e) => e.type === 'OfferingDeleted')!.eventId };
    let position = deleted.position;
    let cancelled = 0;
    const clients = new Set<string>();
    // Twice: a booking decided just before the deletion may land just after the first listing.
    for (let pass = 0; pass < 2; pass++) {
      await this.waitFor(position);
      for (const booking of await this.upcomingBookings(context.tenantId, offeringId)) {
        try {
          const outcome = await this.commands.execute(new ChangeBookingCommand(booking.id, { type: 'cancel', reason: reason ?? 'Offering deleted', by: 'offering_deleted' }, cancellation));
          if (outcome.position) {
            position = outcome.position;
            cancelled++;
            clients.add(booking.clientId);
          }
        } catch (error) {
          // Started or already cancelled in the meantime: nothing left to cancel.
          if (!(error instanceof DomainError)) throw error;
        }
      }
    }
    return { offering: deleted.state, clientsAffected: clients.size, cancelledBookings: cancelled, position };
  }

  private async upcomingBookings(tenantId: string, offeringId: string) {
    const now = this.clock.now().toISOString();
    const found: { id: string; clientId: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queries.execute(new ListBookingsQuery(tenantId, { offeringId, status: 'booked', from: now, cursor, limit: PAGE }));
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  }

  private async waitFor(position: Position | null): Promise<void> {
    if (!position) return;
    if (!(await this.runner.waitUntil(() => this.runner.hasReached(position), CATCH_UP_MS)).reached) {
      throw new ApiError(503, 'read_model_behind', 'Bookings are still being indexed; retry the deletion shortly (it resumes).');
    }
  }
}
