import { Module } from '@nestjs/common';
import { ClientDirectory } from './client-directory';
import { ClientTokensController } from './client-tokens.controller';
import { ClientsController } from './clients.controller';

/** The client directory (personal data outside the event log) and minting client tokens. */
@Module({ controllers: [ClientsController, ClientTokensController], providers: [ClientDirectory], exports: [ClientDirectory] })
export class ClientsModule {}
