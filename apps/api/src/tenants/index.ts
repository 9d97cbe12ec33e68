export { TenantsModule } from './tenants.module';
export { TenantDirectory } from './tenant-directory';
