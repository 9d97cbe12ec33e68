import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { streamCsv } from '../http/csv';
import { Clock, CLOCK } from '../tokens';
import { PackageExportParams, packageSelection } from './package-export.dto';
import { LedgerRowsQuery, PackageRowsQuery } from './queries/export.queries';
import { LEDGER_CSV_HEADER } from './queries/ledger-rows';
import { PACKAGE_CSV_HEADER } from './queries/package-rows';

/**
 * The packages and ledger CSV exports. Other exports live in their own controllers under the same
 * path. Both stream: rows are read a keyset page at a time and written as the socket drains.
 */
@ApiTags('exports')
@ApiBearerAuth()
@Controller('v1/exports')
export class PackageExportsController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sales and usage: one row per package, with the client's name and email and the status now. */
  @Roles('admin', 'accountant')
  @Get('packages.csv')
  @ApiProduces('text/csv')
  async packages(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PackageExportParams, @Res() res: Response): Promise<void> {
    const now = this.clock.now().toISOString();
    const rows = await this.queries.execute(new PackageRowsQuery(tenant.tenantId, packageSelection(query, now), now));
    await streamCsv(res, 'packages.csv', PACKAGE_CSV_HEADER, rows);
  }

  /** Every ledger entry of the tenant (or of the filtered packages), in package and stream order. */
  @Roles('admin', 'accountant')
  @Get('ledger.csv')
  @ApiProduces('text/csv')
  async ledger(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PackageExportParams, @Res() res: Response): Promise<void> {
    const packages = packageSelection(query, this.clock.now().toISOString());
    await streamCsv(res, 'ledger.csv', LEDGER_CSV_HEADER, await this.queries.execute(new LedgerRowsQuery(tenant.tenantId, packages)));
  }
}
