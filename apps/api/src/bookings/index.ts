export { BookingsModule } from './bookings.module';
export { BookingChange, ChangeBookingCommand } from './change-booking/change-booking.command';
export { BookingResult, PlaceBookingCommand } from './place-booking/place-booking.command';
export { BookingFilter, ListBookingsQuery } from './queries/booking.queries';
export { RescheduleBookingDto } from './bookings.dto';
