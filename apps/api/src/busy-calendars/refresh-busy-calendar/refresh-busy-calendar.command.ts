import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { BusyCalendarStore, BusyCalendarView } from '../busy-calendar-store';
import { CalendarRefresher } from '../calendar-refresher';

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

@CommandHandler(RefreshBusyCalendarCommand)
export class RefreshBusyCalendarHandler implements ICommandHandler<RefreshBusyCalendarCommand> {
  constructor(
    private readonly store: BusyCalendarStore,
    private readonly refresher: CalendarRefresher,
  ) {}

  async execute({ tenantId, scheduleId, calendarId }: RefreshBusyCalendarCommand): Promise<BusyCalendarView> {
    await this.refresher.refresh(await this.store.rowFor(tenantId, scheduleId, calendarId));
    return this.store.get(tenantId, scheduleId, calendarId);
  }
}
