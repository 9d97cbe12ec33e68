import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants';
import { CreateOfferingHandler } from './create-offering/create-offering.command';
import { OfferingsController } from './offerings.controller';
import { OfferingBadgeHandler } from './queries/offering-badge.query';
import { GetOfferingHandler, ListOfferingsHandler } from './queries/offering.queries';
import { UpdateOfferingHandler } from './update-offering/update-offering.command';

@Module({
  imports: [TenantsModule],
  controllers: [OfferingsController],
  providers: [CreateOfferingHandler, UpdateOfferingHandler, GetOfferingHandler, ListOfferingsHandler, OfferingBadgeHandler],
})
export class OfferingsModule {}
