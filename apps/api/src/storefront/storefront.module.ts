import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { STOREFRONT_QUERY_HANDLERS } from './queries/storefront.queries';
import { StorefrontController, StorefrontSettingsController } from './storefront.controller';
import { StorefrontDirectory } from './storefront-directory';

/** The storefront: public by slug (/v1/storefront/{slug}/...), for a client (/v1/me/storefront/...), and its settings. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [StorefrontController, StorefrontSettingsController],
  providers: [StorefrontDirectory, ...STOREFRONT_QUERY_HANDLERS],
})
export class StorefrontModule {}
