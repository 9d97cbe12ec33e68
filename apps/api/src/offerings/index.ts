export { OfferingsModule } from './offerings.module';
export { ListOfferingsQuery, OfferingSummary, offeringSummaryOf } from './queries/offering.queries';
export { toOfferingView } from './offering-view';
