import { Module } from '@nestjs/common';
import { ContractLiabilityHandler, JournalRowsHandler, LiabilityRollforwardHandler } from './queries/report.queries';
import { AccountingController } from './reports.controller';

/** Accounting reports and the general-journal export (docs/accounting.md). */
@Module({ controllers: [AccountingController], providers: [ContractLiabilityHandler, LiabilityRollforwardHandler, JournalRowsHandler] })
export class ReportsModule {}
