import { Provider, Type } from '@nestjs/common';
import { ClientTokensController } from '../client-tokens/client-tokens.controller';
import { MeBookingsController } from './me-bookings.controller';
import { MeCatalogController } from './me-catalog.controller';
import { MeController } from './me.controller';
import { OwnRecords } from './own-records';

/** The client-facing routes (/v1/me/...), called with a client token, and minting those tokens (admin). */
export const ME_CONTROLLERS: Type[] = [ClientTokensController, MeController, MeBookingsController, MeCatalogController];
export const ME_PROVIDERS: Provider[] = [OwnRecords];
