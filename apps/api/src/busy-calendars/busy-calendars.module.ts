import { Module } from '@nestjs/common';
import { AddBusyCalendarHandler } from './add-busy-calendar/add-busy-calendar.command';
import { BusyCalendarScheduler } from './busy-calendar-scheduler';
import { BusyCalendarStore } from './busy-calendar-store';
import { BusyCalendarsController } from './busy-calendars.controller';
import { CalendarRefresher } from './calendar-refresher';
import { DeleteBusyCalendarHandler } from './delete-busy-calendar/delete-busy-calendar.command';
import { BusyIntervalsHandler, ListBusyCalendarsHandler } from './queries/busy-calendar.queries';
import { RefreshBusyCalendarHandler } from './refresh-busy-calendar/refresh-busy-calendar.command';

/** Busy times from hosts' external calendars (issue 14, ADR 0026): calendars, the refresher and its leased job, the busy-times query. */
@Module({
  controllers: [BusyCalendarsController],
  providers: [
    BusyCalendarStore,
    CalendarRefresher,
    BusyCalendarScheduler,
    AddBusyCalendarHandler,
    DeleteBusyCalendarHandler,
    RefreshBusyCalendarHandler,
    ListBusyCalendarsHandler,
    BusyIntervalsHandler,
  ],
})
export class BusyCalendarsModule {}
