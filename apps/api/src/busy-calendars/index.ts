export { BusyCalendarsModule } from './busy-calendars.module';
export { BusyIntervalsQuery } from './queries/busy-calendar.queries';
