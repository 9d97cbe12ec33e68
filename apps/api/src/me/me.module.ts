import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { MeBookingsController } from './me-bookings.controller';
import { MeCatalogController } from './me-catalog.controller';
import { MeController } from './me.controller';
import { ME_QUERY_HANDLERS } from './queries/me.queries';

/** The client-facing routes (/v1/me/...), called with a client token. */
@Module({ imports: [ClientsModule], controllers: [MeController, MeBookingsController, MeCatalogController], providers: ME_QUERY_HANDLERS })
export class MeModule {}
