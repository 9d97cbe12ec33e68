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
  'CreditsAdjusted',
  'ExpiryChanged',
  'PackageExpired',
  'PackageRefunded',
]);
export const OFFERING_EVENT_TYPES = new Set(['OfferingCreated', 'OfferingUpdated', 'OfferingStatusChanged']);
