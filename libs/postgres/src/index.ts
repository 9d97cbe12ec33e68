export * from './pool';
export * from './transaction';
export * from './migrate';
export * from './scoped-pool';
export * from './tenant-scope';
export * from './service-roles';
export * from './unavailable';
export * from './like';
