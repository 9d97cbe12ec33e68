import { BookingEvent, BOOKING_SCHEMA_VERSIONS, BOOKING_UPCASTERS } from './booking/booking.events';
import { ScheduleDayEvent } from './booking/schedule-day';
import { SCHEDULE_DAY_SCHEMA_VERSIONS } from './booking/schedule-day.events';
import { OFFERING_SCHEMA_VERSIONS, OFFERING_UPCASTERS, OfferingEvent } from './offering/offering.events';
import { PACKAGE_SCHEMA_VERSIONS, PACKAGE_UPCASTERS, PackageEvent } from './package/package.events';
import { SCHEDULE_SCHEMA_VERSIONS, ScheduleEvent } from './scheduling/schedule.events';
import { SESSION_TYPE_SCHEMA_VERSIONS, SessionTypeEvent } from './scheduling/session-type.events';
import { Upcaster, Upcasters } from './shared/event';
import { CLIENT_PACKAGES_SCHEMA_VERSIONS, ClientPackagesEvent } from './client/client-packages';
import { ACCOUNTING_POLICY_SCHEMA_VERSIONS, AccountingPolicyEvent } from './accounting/recognition-policy';
import { CHECKOUT_SCHEMA_VERSIONS, CheckoutEvent } from './checkout/checkout.events';
import { CARD_PAYMENT_SCHEMA_VERSIONS, CardPaymentEvent } from './checkout/card-payment';

/**
 * Every event family of the domain, composed. Each family (its `*.events.ts`) owns its event types,
 * their current schema versions and the upcasters that lift older stored versions to the current
 * shape on read; stored events are never rewritten. A new family joins the unions and tables here.
 */
export type AnyDomainEvent = OfferingEvent | PackageEvent | SessionTypeEvent | ScheduleEvent | ScheduleDayEvent | BookingEvent | ClientPackagesEvent | AccountingPolicyEvent | CheckoutEvent | CardPaymentEvent;
export type DomainEventType = AnyDomainEvent['type'];

/**
 * Current schema version of every event type. Looked up by a stored event's type (a string): an
 * unknown type has no entry.
 */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<string, number>> = {
  ...OFFERING_SCHEMA_VERSIONS,
  ...PACKAGE_SCHEMA_VERSIONS,
  ...SESSION_TYPE_SCHEMA_VERSIONS,
  ...SCHEDULE_SCHEMA_VERSIONS,
  ...SCHEDULE_DAY_SCHEMA_VERSIONS,
  ...BOOKING_SCHEMA_VERSIONS,
  ...CLIENT_PACKAGES_SCHEMA_VERSIONS,
  ...ACCOUNTING_POLICY_SCHEMA_VERSIONS,
  ...CHECKOUT_SCHEMA_VERSIONS,
  ...CARD_PAYMENT_SCHEMA_VERSIONS,
} satisfies Record<DomainEventType, number>;

const UPCASTERS: Readonly<Record<string, Readonly<Record<number, Upcaster>> | undefined>> = {
  ...OFFERING_UPCASTERS,
  ...PACKAGE_UPCASTERS,
  ...BOOKING_UPCASTERS,
} satisfies Upcasters<DomainEventType>;

/** The data of a stored event of `type` at `schemaVersion`, lifted to the type's current version. */
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
