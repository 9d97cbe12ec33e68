import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { BookingStreams } from './booking-streams';
import { BookingsController } from './bookings.controller';
import { ChangeBookingHandler } from './change-booking/change-booking.command';
import { PlaceBookingHandler } from './place-booking/place-booking.command';
import { GetBookingHandler, ListBookingsHandler } from './queries/booking.queries';

/** Bookings: a seat and a credit in one atomic append; cancellations, reschedules, attendance. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [BookingsController],
  providers: [BookingStreams, PlaceBookingHandler, ChangeBookingHandler, GetBookingHandler, ListBookingsHandler],
})
export class BookingsModule {}
