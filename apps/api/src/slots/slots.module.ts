import { Module } from '@nestjs/common';
import { CountSlotsHandler, CurrentScheduleHandler, FindSlotsHandler, ScheduleSlotsHandler, SessionTypeSlotsHandler } from './queries/slot.queries';
import { SlotFinder } from './slot-finder';
import { SlotsController } from './slots.controller';

/** Slot listing: the schedules' offered times minus what their bookings rule out. */
@Module({
  controllers: [SlotsController],
  providers: [SlotFinder, CurrentScheduleHandler, FindSlotsHandler, CountSlotsHandler, ScheduleSlotsHandler, SessionTypeSlotsHandler],
})
export class SlotsModule {}
