export * from './booking-event';
