import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { scheduleDecider, scheduleStreamId } from '@punchcard/domain';
import { ApiError } from '../../http/problem';
import { StreamExecutor } from '../../write-side/stream-executor';
import { BusyCalendarStore, BusyCalendarView } from '../busy-calendar-store';

/** A schedule's busy calendars with their fetch status (404 schedule_not_found for an unknown schedule). */
export class ListBusyCalendarsQuery extends Query<{ items: BusyCalendarView[] }> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
  ) {
    super();
  }
}

/**
 * The host's busy times on a schedule's local dates `from`..`to` (YYYY-MM-DD, inclusive): one indexed
 * query. Slot listing and the booking commands pass them to the domain's checks (`slot_busy`).
 */
export class BusyIntervalsQuery extends Query<{ start: string; end: string }[]> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}

@QueryHandler(ListBusyCalendarsQuery)
export class ListBusyCalendarsHandler implements IQueryHandler<ListBusyCalendarsQuery> {
  constructor(
    private readonly store: BusyCalendarStore,
    private readonly streams: StreamExecutor,
  ) {}

  async execute({ tenantId, scheduleId }: ListBusyCalendarsQuery) {
    const items = await this.store.list(tenantId, scheduleId);
    if (items.length === 0 && !(await this.streams.load(scheduleStreamId(scheduleId), tenantId, scheduleDecider)).state.exists) {
      throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    }
    return { items };
  }
}

@QueryHandler(BusyIntervalsQuery)
export class BusyIntervalsHandler implements IQueryHandler<BusyIntervalsQuery> {
  constructor(private readonly store: BusyCalendarStore) {}

  execute({ tenantId, scheduleId, from, to }: BusyIntervalsQuery) {
    return this.store.busyBetween(tenantId, scheduleId, from, to);
  }
}
