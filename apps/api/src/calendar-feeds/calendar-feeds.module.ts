import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { CalendarFeedsController } from './calendar-feeds.controller';
import { FeedTokens } from './feed-tokens';
import { BookingCalendarEventHandler, BookingFeedHandler } from './queries/calendar-feed.queries';

/** Private iCalendar feeds of bookings (issue 14, ADR 0025). */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [CalendarFeedsController],
  providers: [FeedTokens, BookingFeedHandler, BookingCalendarEventHandler],
})
export class CalendarFeedsModule {}
