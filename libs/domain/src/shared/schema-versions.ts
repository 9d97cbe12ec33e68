import { OFFERING_FIELD_DEFAULTS } from '../offering/offering.events';

/**
 * Current schema version of every event type, and upcasters that lift older stored versions
 * to the current shape on read. Stored events are never rewritten. A new version of a type
 * adds an entry `{ 1: (data) => ({...data, newField: default}) }` here.
 */
export const CURRENT_SCHEMA_VERSION: Record<string, number> = {
  OfferingCreated: 2,
  OfferingUpdated: 1,
  OfferingStatusChanged: 1,
  OfferingDeleted: 1,
  PackagePurchased: 1,
  SessionRedeemed: 1,
  RedemptionReversed: 2,
  SessionRescheduled: 1,
  SessionForfeited: 1,
  SlotReserved: 1,
  SlotReleased: 1,
  BookingPlaced: 1,
  BookingRescheduled: 1,
  BookingCancelled: 1,
  AttendanceMarked: 1,
  CreditsAdjusted: 1,
  ExpiryChanged: 1,
  PackageExpired: 1,
  PackageRefunded: 1,
  SessionTypeCreated: 1,
  SessionTypeUpdated: 1,
  SessionTypeStatusChanged: 1,
  ScheduleCreated: 1,
  ScheduleUpdated: 1,
};

type Upcaster = (data: any) => unknown;
const UPCASTERS: Record<string, Record<number, Upcaster>> = {
  // v1 was stored before offerings had a schedule, session types, weekly cap, visibility, reminders,
  // feedback request and cancellation policy; such offerings behave as the defaults say.
  OfferingCreated: { 1: (data) => ({ ...structuredClone(OFFERING_FIELD_DEFAULTS), ...data }) },
  // v1 reversals were all manual: no booking rule decided them.
  RedemptionReversed: { 1: (data) => ({ ...data, rule: null }) },
};

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
