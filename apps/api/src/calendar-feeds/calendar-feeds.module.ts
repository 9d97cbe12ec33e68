import { Module } from '@nestjs/common';
import { CalendarFeedsController } from './calendar-feeds.controller';
import { FeedTokens } from './feed-tokens';
import { BookingCalendarEventHandler, BookingFeedHandler } from './queries/calendar-feed.queries';

@Module({
  controllers: [CalendarFeedsController],
  providers: [FeedTokens, BookingFeedHandler, BookingCalendarEventHandler],
})
export class CalendarFeedsModule {}
