/**
 * Current schema version of every event type, and upcasters that lift older stored versions
 * to the current shape on read. Stored events are never rewritten. Every type is at v1 today;
 * a v2 adds an entry `{ 1: (data) => ({...data, newField: default}) }` here.
 */
export const CURRENT_SCHEMA_VERSION: Record<string, number> = {
  OfferingCreated: 1,
  OfferingUpdated: 1,
  OfferingStatusChanged: 1,
  PackagePurchased: 1,
  SessionRedeemed: 1,
  RedemptionReversed: 1,
  CreditsAdjusted: 1,
  ExpiryChanged: 1,
  PackageExpired: 1,
  PackageRefunded: 1,
};

type Upcaster = (data: any) => unknown;
const UPCASTERS: Record<string, Record<number, Upcaster>> = {};

export function upcast(type: string, schemaVersion: number, data: unknown): unknown {
  const current = CURRENT_SCHEMA_VERSION[type] ?? schemaVersion;
  let value = data;
  for (let v = schemaVersion; v < current; v++) {
    const step = UPCASTERS[type]?.[v];
    if (!step) throw new Error(`No upcaster for ${type} v${v}`);
    value = step(value);
  }
  return value;
}
