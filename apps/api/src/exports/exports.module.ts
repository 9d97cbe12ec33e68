import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { PackageExportsController } from './package-exports.controller';
import { LedgerRowsHandler, PackageRowsHandler } from './queries/export.queries';

/** The packages and ledger CSV exports (the usage and journal exports live with their features). */
@Module({ imports: [ClientsModule], controllers: [PackageExportsController], providers: [PackageRowsHandler, LedgerRowsHandler] })
export class ExportsModule {}
