import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { BusyCalendarStore } from '../busy-calendar-store';

/** Removes the calendar and its busy intervals in one statement: its times stop blocking at once. */
export class DeleteBusyCalendarCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
    readonly calendarId: string,
  ) {
    super();
  }
}

@CommandHandler(DeleteBusyCalendarCommand)
export class DeleteBusyCalendarHandler implements ICommandHandler<DeleteBusyCalendarCommand> {
  constructor(private readonly store: BusyCalendarStore) {}
  execute({ tenantId, scheduleId, calendarId }: DeleteBusyCalendarCommand): Promise<void> {
    return this.store.delete(tenantId, scheduleId, calendarId);
  }
}
