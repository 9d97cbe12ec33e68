import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { UsageReader } from './queries/usage-reader';
import { ClientUsagePageHandler, ClientUsageRowsHandler, OfferingUsageHandler } from './queries/usage.queries';
import { OfferingUsageController, UsageExportController } from './usage.controller';

/** Usage dashboards and the client usage table (docs/adr/0010). */
@Module({
  imports: [ClientsModule],
  controllers: [OfferingUsageController, UsageExportController],
  providers: [UsageReader, OfferingUsageHandler, ClientUsagePageHandler, ClientUsageRowsHandler],
})
export class UsageModule {}
