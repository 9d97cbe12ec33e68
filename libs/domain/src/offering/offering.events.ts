import { eventGuard, eventTypeSet, SchemaVersions, Upcasters } from '../shared/event';
import { Money } from '../shared/money';
import { Validity } from './validity';

export type OfferingStatus = 'draft' | 'active' | 'paused' | 'archived';

export type Visibility = { kind: 'all' } | { kind: 'groups'; groups: string[] };

/** An offering open to some groups is visible to a client in at least one of them. */
export function isVisibleTo(visibility: Visibility, clientGroups: readonly string[]): boolean {
  return visibility.kind === 'all' || visibility.groups.some((group) => clientGroups.includes(group));
}
export type ReminderUnit = 'minutes' | 'hours' | 'days' | 'weeks';
export interface Reminder {
  amount: number;
  unit: ReminderUnit;
}
export type CreditOutcome = 'return' | 'forfeit';
/**
 * What happens to a booked credit when the client cancels or does not come. Cancelling at least
 * `noticeHours` before the session always returns the credit; later, `lateCancellation` decides;
 * a no-show follows `noShow`.
 */
export interface CancellationPolicy {
  noticeHours: number;
  lateCancellation: CreditOutcome;
  noShow: CreditOutcome;
}

export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' };

export interface OfferingFields {
  name: string;
  description: string | null;
  sessionCount: number;
  price: Money;
  validity: Validity;
  /** Bookings from this offering's packages must be on this schedule (null = any schedule). */
  scheduleId: string | null;
  /** Session types its packages can book; [] = any. */
  sessionTypeIds: string[];
  /** At most this many booked sessions per week (Monday to Sunday, client's zone); null = no cap. */
  maxSessionsPerWeek: number | null;
  visibility: Visibility;
  /** Up to three; stored now, sent by a later capability. */
  reminders: Reminder[];
  feedbackRequest: boolean;
  cancellationPolicy: CancellationPolicy;
}

/** Fields added after the first release take these values in older events (see OFFERING_UPCASTERS). */
export const OFFERING_FIELD_DEFAULTS: Omit<OfferingFields, 'name' | 'description' | 'sessionCount' | 'price' | 'validity'> = {
  scheduleId: null,
  sessionTypeIds: [],
  maxSessionsPerWeek: null,
  visibility: { kind: 'all' },
  reminders: [],
  feedbackRequest: false,
  cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
};

export type OfferingCreated = {
  type: 'OfferingCreated';
  data: OfferingFields & { offeringId: string; status: OfferingStatus };
};
export type OfferingUpdated = {
  type: 'OfferingUpdated';
  data: { offeringId: string; changes: Partial<OfferingFields> };
};
export type OfferingStatusChanged = {
  type: 'OfferingStatusChanged';
  data: { offeringId: string; from: OfferingStatus; to: OfferingStatus };
};

/** Deleted offerings sell and book nothing more; past bookings, events and reports stay. */
export type OfferingDeleted = {
  type: 'OfferingDeleted';
  data: { offeringId: string; reason: string | null };
};

export type OfferingEvent = OfferingCreated | OfferingUpdated | OfferingStatusChanged | OfferingDeleted;

export type OfferingEventType = OfferingEvent['type'];

/** Current schema version of every offering event type; a new type fails the build until it is listed. */
export const OFFERING_SCHEMA_VERSIONS = {
  OfferingCreated: 2,
  OfferingUpdated: 1,
  OfferingStatusChanged: 1,
  OfferingDeleted: 1,
} satisfies SchemaVersions<OfferingEventType>;

export const OFFERING_UPCASTERS: Upcasters<OfferingEventType> = {
  // v1 was stored before offerings had a schedule, session types, weekly cap, visibility, reminders,
  // feedback request and cancellation policy; such offerings behave as the defaults say.
  OfferingCreated: { 1: (data) => ({ ...structuredClone(OFFERING_FIELD_DEFAULTS), ...data }) },
};

export const OFFERING_EVENT_TYPES = eventTypeSet(OFFERING_SCHEMA_VERSIONS);
export const isOfferingEvent = eventGuard<OfferingEvent>(OFFERING_EVENT_TYPES);
