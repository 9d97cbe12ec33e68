import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { streamCsv } from '../http/csv';
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
    return this.queries.execute(new ContractLiabilityQuery(tenant.tenantId, query.asOf, this.now(), query.paymentMethod ?? null));
  }

  /** opening + sales − recognised − breakage − refunds − chargebacks = closing, per currency, for the period (from, to]; by default the current local month. */
  @Roles('admin', 'accountant')
  @Get('reports/liability-rollforward')
  async rollforward(@CurrentTenant() tenant: TenantPrincipal, @Query() query: RollforwardParams) {
    return this.queries.execute(new LiabilityRollforwardQuery(tenant.tenantId, query.from, query.to, this.now(), query.paymentMethod ?? null));
  }

  /** Every journal line effective in (from, to], in effective order; each entry's lines balance. */
  @Roles('admin', 'accountant')
  @Get('exports/journal.csv')
  @ApiProduces('text/csv')
  async journal(@CurrentTenant() tenant: TenantPrincipal, @Query() query: JournalExportParams, @Res() res: Response): Promise<void> {
    await streamCsv(res, 'journal.csv', JOURNAL_CSV_HEADER, await this.queries.execute(new JournalRowsQuery(tenant.tenantId, query.from, query.to, this.now(), query.paymentMethod ?? null)));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
