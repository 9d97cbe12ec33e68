export * from './read-store.port';
export * from './postgres/postgres-read-store';
export * from './scan';
