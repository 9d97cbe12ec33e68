import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { endOfLocalDate, localMonthOf, PaymentMethod, startOfLocalDate } from '@punchcard/domain';
import { ReadStore } from '@punchcard/read-store';
import { ApiError } from '../../http/problem';
import { toUtcInstant } from '../../http/validators';
import { TenantDirectory } from '../../tenants';
import { REPORT_READ_STORE } from '../../tokens';
import { AccountingReports, CurrencyLiability, CurrencyRollforward } from './accounting-reports';

/**
 * A bound as the request gave it: an instant with an offset, or a local date (YYYY-MM-DD) of the
 * business, which means the whole date (a `from` date starts at its first instant, a `to` or `asOf`
 * date ends at the next date's first instant).
 */
export type ReportBound = string;

/** Contract liability per currency as of an instant (default: now); of the packages paid one way, when given. */
export class ContractLiabilityQuery extends Query<{ asOf: string; timezone: string; paymentMethod: PaymentMethod | null; currencies: CurrencyLiability[] }> {
  constructor(
    readonly tenantId: string,
    readonly asOf: ReportBound | undefined,
    readonly now: string,
    readonly paymentMethod: PaymentMethod | null = null,
  ) {
    super();
  }
}

/** The liability rollforward per currency for the period (from, to]; by default the business's current local month. */
export class LiabilityRollforwardQuery extends Query<{ from: string; to: string; timezone: string; paymentMethod: PaymentMethod | null; currencies: CurrencyRollforward[] }> {
  constructor(
    readonly tenantId: string,
    readonly from: ReportBound | undefined,
    readonly to: ReportBound | undefined,
    readonly now: string,
    readonly paymentMethod: PaymentMethod | null = null,
  ) {
    super();
  }
}

/** The general journal's CSV rows effective in (from, to] (from left out: since the beginning; to: now), streamed. */
export class JournalRowsQuery extends Query<AsyncIterable<unknown[]>> {
  constructor(
    readonly tenantId: string,
    readonly from: ReportBound | undefined,
    readonly to: ReportBound | undefined,
    readonly now: string,
    readonly paymentMethod: PaymentMethod | null = null,
  ) {
    super();
  }
}

const isLocalDate = (bound: ReportBound) => /^\d{4}-\d{2}-\d{2}$/.test(bound);
const startOf = (bound: ReportBound, zone: string) => (isLocalDate(bound) ? startOfLocalDate(bound, zone) : toUtcInstant(bound));
const endOf = (bound: ReportBound, zone: string) => (isLocalDate(bound) ? endOfLocalDate(bound, zone) : toUtcInstant(bound));

function period(from: string, to: string): { from: string; to: string } {
  if (Date.parse(from) >= Date.parse(to)) {
    throw new ApiError(400, 'validation_failed', 'from must be before to.', { errors: [{ field: 'from', messages: ['from must be before to'] }] });
  }
  return { from, to };
}

/** One AccountingReports for the handlers, on the reports' own pool (REPORT_READ_STORE). */
export const ACCOUNTING_REPORTS_PROVIDER = {
  provide: AccountingReports,
  useFactory: (readStore: ReadStore) => new AccountingReports(readStore),
  inject: [REPORT_READ_STORE],
};

@QueryHandler(ContractLiabilityQuery)
export class ContractLiabilityHandler implements IQueryHandler<ContractLiabilityQuery> {
  constructor(
    private readonly reports: AccountingReports,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ tenantId, asOf, now, paymentMethod }: ContractLiabilityQuery) {
    const { timezone } = await this.tenants.get(tenantId);
    const instant = asOf === undefined ? now : endOf(asOf, timezone);
    return { asOf: instant, timezone, paymentMethod, currencies: await this.reports.contractLiability(tenantId, instant, paymentMethod) };
  }
}

@QueryHandler(LiabilityRollforwardQuery)
export class LiabilityRollforwardHandler implements IQueryHandler<LiabilityRollforwardQuery> {
  constructor(
    private readonly reports: AccountingReports,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute(query: LiabilityRollforwardQuery) {
    const { timezone } = await this.tenants.get(query.tenantId);
    const month = localMonthOf(query.now, timezone);
    const { from, to } = period(query.from === undefined ? month.from : startOf(query.from, timezone), query.to === undefined ? month.to : endOf(query.to, timezone));
    return { from, to, timezone, paymentMethod: query.paymentMethod, currencies: await this.reports.liabilityRollforward(query.tenantId, from, to, query.paymentMethod) };
  }
}

@QueryHandler(JournalRowsQuery)
export class JournalRowsHandler implements IQueryHandler<JournalRowsQuery> {
  constructor(
    private readonly reports: AccountingReports,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute(query: JournalRowsQuery) {
    const { timezone } = await this.tenants.get(query.tenantId);
    const to = query.to === undefined ? query.now : endOf(query.to, timezone);
    const from = query.from === undefined ? null : period(startOf(query.from, timezone), to).from;
    return this.reports.journalRows(query.tenantId, from, to, timezone, query.paymentMethod);
  }
}
