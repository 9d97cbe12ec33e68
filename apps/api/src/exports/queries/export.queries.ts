import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { ClientDirectory } from '../../clients';
import { REPORT_READ_STORE } from '../../tokens';
import { ledgerEntries, ledgerRows, PackageSelection } from './ledger-rows';
import { packageRows } from './package-rows';

/** The packages CSV's rows (status as of `now`), read a keyset page at a time. */
export class PackageRowsQuery extends Query<AsyncIterable<unknown[]>> {
  constructor(
    readonly tenantId: string,
    readonly packages: PackageSelection,
    readonly now: string,
  ) {
    super();
  }
}

/** The ledger CSV's rows: every entry of the matching packages, in package and stream order. */
export class LedgerRowsQuery extends Query<AsyncIterable<unknown[]>> {
  constructor(
    readonly tenantId: string,
    readonly packages: PackageSelection,
  ) {
    super();
  }
}

@QueryHandler(PackageRowsQuery)
export class PackageRowsHandler implements IQueryHandler<PackageRowsQuery> {
  constructor(
    @Inject(REPORT_READ_STORE) private readonly readStore: ReadStore,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ tenantId, packages, now }: PackageRowsQuery) {
    return packageRows(this.readStore, this.clients, tenantId, packages, now);
  }
}

@QueryHandler(LedgerRowsQuery)
export class LedgerRowsHandler implements IQueryHandler<LedgerRowsQuery> {
  constructor(@Inject(REPORT_READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, packages }: LedgerRowsQuery) {
    return ledgerRows(ledgerEntries(this.readStore, tenantId, packages));
  }
}
