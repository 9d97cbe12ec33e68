export { OfferingDeletionModule } from './offering-deletion.module';
