import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients';
import { TenantsModule } from '../tenants';
import { ChangePackageHandler } from './change-package/change-package.command';
import { ExpirySweep } from './expiry-sweep/expiry-sweep';
import { Scheduler } from './expiry-sweep/scheduler';
import { PackagesController } from './packages.controller';
import { ClientPackagesController } from './point-in-time/client-packages.controller';
import { GetClientPackagesHandler } from './point-in-time/client-packages.query';
import { GetPackageAsOfHandler } from './point-in-time/package-as-of.query';
import { PackageReplay } from './point-in-time/package-replay';
import { PurchasePackageHandler } from './purchase-package/purchase-package.command';
import { GetLedgerHandler, GetPackageHandler, ListPackagesHandler } from './queries/package.queries';

/** Packages: sales, redemptions, adjustments, expiry (with its sweep), refunds, ledgers and point-in-time reads. */
@Module({
  imports: [ClientsModule, TenantsModule],
  controllers: [PackagesController, ClientPackagesController],
  providers: [
    PurchasePackageHandler,
    ChangePackageHandler,
    GetPackageHandler,
    ListPackagesHandler,
    GetLedgerHandler,
    PackageReplay,
    GetPackageAsOfHandler,
    GetClientPackagesHandler,
    ExpirySweep,
    Scheduler,
  ],
})
export class PackagesModule {}
