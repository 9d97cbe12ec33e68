import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { REPORT_READ_STORE } from '../../tokens';
import { AccountingReports, CurrencyLiability, CurrencyRollforward } from './accounting-reports';

/** Contract liability per currency as of an instant. */
export class ContractLiabilityQuery extends Query<CurrencyLiability[]> {
  constructor(
    readonly tenantId: string,
    readonly asOf: string,
  ) {
    super();
  }
}

/** The liability rollforward per currency for the period (from, to]. */
export class LiabilityRollforwardQuery extends Query<CurrencyRollforward[]> {
  constructor(
    readonly tenantId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}

/** The general journal's CSV rows effective in (from, to] (from null: since the beginning), streamed. */
export class JournalRowsQuery extends Query<AsyncIterable<unknown[]>> {
  constructor(
    readonly tenantId: string,
    readonly from: string | null,
    readonly to: string,
  ) {
    super();
  }
}

@QueryHandler(ContractLiabilityQuery)
export class ContractLiabilityHandler implements IQueryHandler<ContractLiabilityQuery> {
  private readonly reports: AccountingReports;
  constructor(@Inject(REPORT_READ_STORE) readStore: ReadStore) {
    this.reports = new AccountingReports(readStore);
  }

  execute({ tenantId, asOf }: ContractLiabilityQuery) {
    return this.reports.contractLiability(tenantId, asOf);
  }
}

@QueryHandler(LiabilityRollforwardQuery)
export class LiabilityRollforwardHandler implements IQueryHandler<LiabilityRollforwardQuery> {
  private readonly reports: AccountingReports;
  constructor(@Inject(REPORT_READ_STORE) readStore: ReadStore) {
    this.reports = new AccountingReports(readStore);
  }

  execute({ tenantId, from, to }: LiabilityRollforwardQuery) {
    return this.reports.liabilityRollforward(tenantId, from, to);
  }
}

@QueryHandler(JournalRowsQuery)
export class JournalRowsHandler implements IQueryHandler<JournalRowsQuery> {
  private readonly reports: AccountingReports;
  constructor(@Inject(REPORT_READ_STORE) readStore: ReadStore) {
    this.reports = new AccountingReports(readStore);
  }

  async execute({ tenantId, from, to }: JournalRowsQuery) {
    return this.reports.journalRows(tenantId, from, to);
  }
}
