/** Read-model collection names, shared by projections (writers) and queries (readers). */
export const PACKAGES = 'packages';
export const LEDGER_ENTRIES = 'ledger-entries';
export const LEDGER_BALANCES = 'ledger-balances';
export const OFFERINGS = 'offerings';

/** Package events all start with these types; offering events with these. */
export const PACKAGE_EVENT_TYPES = new Set([
  'PackagePurchased',
  'SessionRedeemed',
  'RedemptionReversed',
  'SessionRescheduled',
  'SessionForfeited',
  'CreditsAdjusted',
  'ExpiryChanged',
  'PackageExpired',
  'PackageRefunded',
]);
export const OFFERING_EVENT_TYPES = new Set(['OfferingCreated', 'OfferingUpdated', 'OfferingStatusChanged', 'OfferingDeleted']);

export const SESSION_TYPES = 'session-types';
export const SCHEDULES = 'schedules';
export const SESSION_TYPE_EVENT_TYPES = new Set(['SessionTypeCreated', 'SessionTypeUpdated', 'SessionTypeStatusChanged']);
export const SCHEDULE_EVENT_TYPES = new Set(['ScheduleCreated', 'ScheduleUpdated']);

export const BOOKINGS = 'bookings';
export const SCHEDULE_DAYS = 'schedule-days';
export const BOOKING_EVENT_TYPES = new Set(['BookingPlaced', 'BookingRescheduled', 'BookingCancelled', 'AttendanceMarked']);
export const SCHEDULE_DAY_EVENT_TYPES = new Set(['SlotReserved', 'SlotReleased']);

export const OFFERING_USAGE = 'offering-usage';
export const CLIENT_USAGE = 'client-usage';

export const ACCOUNTING_PACKAGES = 'accounting-packages';
export const JOURNAL_LINES = 'journal-lines';
export const ACCOUNTING_DAYS = 'accounting-days';
export const ACCOUNTING_CURRENCIES = 'accounting-currencies';
