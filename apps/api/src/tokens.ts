/** Injection tokens for the values built outside Nest (createInfrastructure in @punchcard/platform). */
/** The tenant-scoped pool: every transaction acts for the request's tenant (row-level security). */
export const PG_POOL = Symbol('PG_POOL');
/** The cross-tenant pool: key lookup, tenant provisioning, projections and the expiry sweep only. */
export const SYSTEM_POOL = Symbol('SYSTEM_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
/** The event store on the cross-tenant pool: processes that follow the whole log (the message planner). */
export const SYSTEM_EVENT_STORE = Symbol('SYSTEM_EVENT_STORE');
export const READ_STORE = Symbol('READ_STORE');
/** The read store on the reports pool: reports and exports read through it, so they cannot starve commands. */
export const REPORT_READ_STORE = Symbol('REPORT_READ_STORE');
export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');
export const CLOCK = Symbol('CLOCK');
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The only source of "now" on the write side; tests may replace it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
