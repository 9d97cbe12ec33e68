import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApiError } from '../../http/problem';
import { Clock, CLOCK } from '../../tokens';
import { BusyCalendarStore, BusyCalendarView } from '../busy-calendar-store';
import { CalendarRefresher } from '../calendar-refresher';

/** An on-demand refresh within this long of the calendar's last fetch (by the job or a refresh) is refused. */
export const REFRESH_COOLDOWN_MS = 60_000;

/** Fetches the calendar now (as the job would) and answers its status, error included. */
export class RefreshBusyCalendarCommand extends Command<BusyCalendarView> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
    readonly calendarId: string,
  ) {
    super();
  }
}

/**
 * Fetching and expanding a calendar costs CPU of the API's process: the route cannot be used to keep
 * it busy. A refresh of a calendar whose refresh is still running on this instance, or that was
 * fetched less than REFRESH_COOLDOWN_MS ago, answers 429 busy_calendar_refresh_cooldown with
 * Retry-After (seconds) and fetches nothing; the calendar's status is the list's.
 */
@CommandHandler(RefreshBusyCalendarCommand)
export class RefreshBusyCalendarHandler implements ICommandHandler<RefreshBusyCalendarCommand> {
  private readonly running = new Set<string>();

  constructor(
    private readonly store: BusyCalendarStore,
    private readonly refresher: CalendarRefresher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, scheduleId, calendarId }: RefreshBusyCalendarCommand): Promise<BusyCalendarView> {
    const row = await this.store.rowFor(tenantId, scheduleId, calendarId);
    if (this.running.has(row.id)) throw cooldown(Math.ceil(REFRESH_COOLDOWN_MS / 1000), 'a refresh of this calendar is running');
    const last = row.lastFetchedAt?.getTime();
    const since = last === undefined ? Infinity : this.clock.now().getTime() - last;
    if (since < REFRESH_COOLDOWN_MS) throw cooldown(Math.max(1, Math.ceil((REFRESH_COOLDOWN_MS - since) / 1000)), `it was fetched at ${row.lastFetchedAt!.toISOString()}`);
    this.running.add(row.id);
    try {
      await this.refresher.refresh(row);
    } finally {
      this.running.delete(row.id);
    }
    return this.store.get(tenantId, scheduleId, calendarId);
  }
}

function cooldown(retryAfterSeconds: number, why: string): ApiError {
  return new ApiError(
    429,
    'busy_calendar_refresh_cooldown',
    `This calendar was not fetched again: ${why}. A calendar is refreshed at most once a minute; retry after the number of seconds in the Retry-After header (GET the list for its status).`,
    {},
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
