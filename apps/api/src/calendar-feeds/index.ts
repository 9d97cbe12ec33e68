export { CalendarFeedsModule } from './calendar-feeds.module';
export { BookingCalendarEventQuery } from './queries/calendar-feed.queries';
