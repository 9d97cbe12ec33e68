export { PackagesModule } from './packages.module';
export { GetLedgerQuery, GetPackageQuery, LedgerEntryView, PackageListItem } from './queries/package.queries';
export { GetClientPackagesQuery } from './point-in-time/client-packages.query';
