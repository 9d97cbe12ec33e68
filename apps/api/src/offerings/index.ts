export { OfferingsModule } from './offerings.module';
export { OfferingSummary } from './queries/offering.queries';
export { toOfferingView } from './offering-view';
