export { OfferingsModule } from './offerings.module';
export { OfferingSummary, offeringSummaryOf } from './queries/offering.queries';
export { toOfferingView } from './offering-view';
