import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants';
import { ACCOUNTING_REPORTS_PROVIDER, ContractLiabilityHandler, JournalRowsHandler, LiabilityRollforwardHandler } from './queries/report.queries';
import { AccountingController } from './reports.controller';

/** Accounting reports and the general-journal export (docs/accounting.md). */
@Module({ imports: [TenantsModule], controllers: [AccountingController], providers: [ACCOUNTING_REPORTS_PROVIDER, ContractLiabilityHandler, LiabilityRollforwardHandler, JournalRowsHandler] })
export class ReportsModule {}
