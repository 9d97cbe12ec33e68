export { SlotsModule } from './slots.module';
export { CountSlotsQuery, CurrentScheduleQuery, FindSlotsQuery } from './queries/slot.queries';
export { AvailableSlot, checkSlotRange } from './slot-finder';
export { ScheduleSlotsParams } from './slots.dto';
