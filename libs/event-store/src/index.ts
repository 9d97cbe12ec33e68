export * from './event-store.port';
export * from './postgres/postgres-event-store';
export * from './upcasting-event-store';
