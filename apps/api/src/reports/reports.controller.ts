import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { streamCsv } from '../http/csv';
import { ApiError } from '../http/problem';
import { toUtcInstant } from '../http/validators';
import { Clock, CLOCK } from '../tokens';
import { JOURNAL_CSV_HEADER } from './queries/accounting-reports';
import { ContractLiabilityQuery, JournalRowsQuery, LiabilityRollforwardQuery } from './queries/report.queries';
import { ContractLiabilityParams, JournalExportParams, RollforwardParams } from './reports.dto';

/**
 * Accounting reports and the general-journal export (docs/accounting.md). Amounts are integers in
 * the currency's minor units (`minorDigits` says how many digits follow the decimal point); the CSV
 * writes them as decimals. Keys with role admin or accountant may read them (ADR 0013).
 */
@ApiTags('accounting')
@ApiBearerAuth()
@Controller('v1')
export class AccountingController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Contract liability (deferred revenue) per currency: what the business still owes clients in sessions. */
  @Roles('admin', 'accountant')
  @Get('reports/contract-liability')
  async contractLiability(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ContractLiabilityParams) {
    const asOf = query.asOf ? toUtcInstant(query.asOf) : this.now();
    return { asOf, currencies: await this.queries.execute(new ContractLiabilityQuery(tenant.tenantId, asOf)) };
  }

  /** opening + sales − recognised − breakage − refunds = closing, per currency, for the period (from, to]. */
  @Roles('admin', 'accountant')
  @Get('reports/liability-rollforward')
  async rollforward(@CurrentTenant() tenant: TenantPrincipal, @Query() query: RollforwardParams) {
    const { from, to } = period(toUtcInstant(query.from), toUtcInstant(query.to));
    return { from, to, currencies: await this.queries.execute(new LiabilityRollforwardQuery(tenant.tenantId, from, to)) };
  }

  /** Every journal line effective in (from, to], in effective order; each entry's lines balance. */
  @Roles('admin', 'accountant')
  @Get('exports/journal.csv')
  @ApiProduces('text/csv')
  async journal(@CurrentTenant() tenant: TenantPrincipal, @Query() query: JournalExportParams, @Res() res: Response): Promise<void> {
    const to = query.to ? toUtcInstant(query.to) : this.now();
    const from = query.from ? period(toUtcInstant(query.from), to).from : null;
    await streamCsv(res, 'journal.csv', JOURNAL_CSV_HEADER, await this.queries.execute(new JournalRowsQuery(tenant.tenantId, from, to)));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function period(from: string, to: string): { from: string; to: string } {
  if (Date.parse(from) >= Date.parse(to)) {
    throw new ApiError(400, 'validation_failed', 'from must be before to.', { errors: [{ field: 'from', messages: ['from must be before to'] }] });
  }
  return { from, to };
}
