import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReadStore } from '@punchcard/read-store';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { streamCsv } from '../http/csv';
import { ClientDirectory } from '../clients/client-directory';
import { Clock, CLOCK, READ_STORE } from '../tokens';
import { ledgerEntries, ledgerRows, LEDGER_CSV_HEADER } from './ledger-rows';
import { PackageExportQuery, packageFilter } from './package-export.dto';
import { packageRows, PACKAGE_CSV_HEADER } from './package-rows';

/**
 * The packages and ledger CSV exports. Other exports live in their own controllers under the same
 * path. Both stream: rows are read a keyset page at a time and written as the socket drains.
 */
@ApiTags('exports')
@ApiBearerAuth()
@Controller('v1/exports')
export class PackageExportsController {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clients: ClientDirectory,
  ) {}

  /** Sales and usage: one row per package, with the client's name and email and the status now. */
  @Roles('admin', 'accountant')
  @Get('packages.csv')
  @ApiProduces('text/csv')
  async packages(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PackageExportQuery, @Res() res: Response): Promise<void> {
    const rows = packageRows(this.readStore, this.clients, tenant.tenantId, packageFilter(query), this.clock.now().toISOString());
    await streamCsv(res, 'packages.csv', PACKAGE_CSV_HEADER, rows);
  }

  /** Every ledger entry of the tenant (or of the filtered packages), in package and stream order. */
  @Roles('admin', 'accountant')
  @Get('ledger.csv')
  @ApiProduces('text/csv')
  async ledger(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PackageExportQuery, @Res() res: Response): Promise<void> {
    await streamCsv(res, 'ledger.csv', LEDGER_CSV_HEADER, ledgerRows(ledgerEntries(this.readStore, tenant.tenantId, packageFilter(query))));
  }
}
