/**
 * Read-model collection names, shared by projections (writers) and queries (readers). Which events a
 * projection reads is decided by the domain's event families (isPackageEvent, PACKAGE_EVENT_TYPES, ...).
 */
export const PACKAGES = 'packages';
export const LEDGER_ENTRIES = 'ledger-entries';
export const LEDGER_BALANCES = 'ledger-balances';
export const OFFERINGS = 'offerings';

export const SESSION_TYPES = 'session-types';
export const SCHEDULES = 'schedules';

export const BOOKINGS = 'bookings';
export const SCHEDULE_DAYS = 'schedule-days';

export const OFFERING_USAGE = 'offering-usage';
export const CLIENT_USAGE = 'client-usage';

export const ACCOUNTING_PACKAGES = 'accounting-packages';
export const JOURNAL_LINES = 'journal-lines';
export const ACCOUNTING_DAYS = 'accounting-days';
export const ACCOUNTING_CURRENCIES = 'accounting-currencies';
export const ACCOUNTING_POLICY = 'accounting-policy';
