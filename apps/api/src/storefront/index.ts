export { StorefrontModule } from './storefront.module';
export { StorefrontOfferingsQuery, StorefrontPage } from './queries/storefront.queries';
export { StorefrontOffering, StorefrontSessionType } from './storefront-view';
