import { Module } from '@nestjs/common';
import { TenantDirectory } from './tenant-directory';
import { TenantsController } from './tenants.controller';

/** Tenants (operator routes) and the tenant directory every feature reads settings from. */
@Module({ controllers: [TenantsController], providers: [TenantDirectory], exports: [TenantDirectory] })
export class TenantsModule {}
