import { v5 as uuidv5 } from 'uuid';
import { BookingCancelled, BookingPlaced, BookingRef, creditsRemaining, evolvePackage, initialPackageState, PackageEvent, PackageState } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';

/**
 * What outbound webhooks send, decided by pure functions of the event log (ADR 0024): which kind an
 * event is, its JSON envelope, which endpoints get it, and when a failed delivery is tried again.
 */
export const WEBHOOK_EVENT_TYPES = ['package.purchased', 'package.credits_low', 'package.expired', 'booking.created', 'booking.cancelled', 'message.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `package.credits_low` fires when a credit movement leaves this many credits (or fewer, but some) after more. */
export const CREDITS_LOW_THRESHOLD = 1;

/** The stored event types that can become a webhook, and those that need the package folded to tell. */
export const CANDIDATE_TYPES = new Set(['PackagePurchased', 'SessionRedeemed', 'CreditsAdjusted', 'PackageExpired', 'BookingPlaced', 'BookingCancelled']);
export const NEEDS_PACKAGE_HISTORY = new Set(['SessionRedeemed', 'CreditsAdjusted']);

export interface WebhookEnvelope {
  /** The source event's id: the same on every delivery and redelivery, so receivers can de-duplicate. */
  id: string;
  type: WebhookEventType;
  /** When it happened (the event's business time). */
  createdAt: string;
  businessId: string;
  data: Record<string, unknown>;
}

/**
 * The webhook an event stands for, or null. `packageHistory`: the package stream's events up to and
 * including this one (only for NEEDS_PACKAGE_HISTORY types), to tell whether credits just ran low.
 * Payloads carry ids and figures only: names, emails and free-text reasons stay out.
 */
export function envelopeOf(event: StoredEvent, packageHistory: StoredEvent[] = []): WebhookEnvelope | null {
  const base = { id: event.eventId, createdAt: event.metadata.occurredAt, businessId: event.metadata.tenantId };
  const data = event.data as Record<string, any>;
  switch (event.type) {
    case 'PackagePurchased':
      return {
        ...base,
        type: 'package.purchased',
        data: pick(data, ['packageId', 'clientId', 'offeringId', 'offeringName', 'credits', 'price', 'purchasedAt', 'expiresAt']),
      };
    case 'PackageExpired':
      return { ...base, type: 'package.expired', data: pick(data, ['packageId', 'clientId', 'offeringId', 'expiresAt', 'creditsForfeited']) };
    case 'SessionRedeemed':
    case 'CreditsAdjusted': {
      const low = creditsLowAfter(event, packageHistory);
      if (!low) return null;
      return {
        ...base,
        type: 'package.credits_low',
        data: { ...pick(data, ['packageId', 'clientId', 'offeringId']), creditsRemaining: low.remaining, creditsTotal: low.total, threshold: CREDITS_LOW_THRESHOLD, expiresAt: low.expiresAt },
      };
    }
    case 'BookingPlaced': {
      const placed = data as BookingPlaced['data'];
      return { ...base, type: 'booking.created', data: { ...bookingRef(placed), start: placed.start, end: placed.end } };
    }
    case 'BookingCancelled': {
      const cancelled = data as BookingCancelled['data'];
      return { ...base, type: 'booking.cancelled', data: { ...bookingRef(cancelled), start: cancelled.start, late: cancelled.late, creditOutcome: cancelled.creditOutcome } };
    }
    default:
      return null;
  }
}

/** Remaining credits crossed from above the threshold to at or below it, and some are left. */
function creditsLowAfter(event: StoredEvent, history: StoredEvent[]): { remaining: number; total: number; expiresAt: string | null } | null {
  let before: PackageState = initialPackageState;
  for (const earlier of history) {
    if (earlier.streamVersion >= event.streamVersion) break;
    before = evolvePackage(before, earlier as unknown as PackageEvent);
  }
  if (!before.exists) return null;
  const after = evolvePackage(before, event as unknown as PackageEvent);
  if (!after.exists) return null;
  const was = creditsRemaining(before);
  const now = creditsRemaining(after);
  if (!(was > CREDITS_LOW_THRESHOLD && now <= CREDITS_LOW_THRESHOLD && now > 0)) return null;
  return { remaining: now, total: after.creditsTotal, expiresAt: after.expiresAt };
}

function bookingRef(data: BookingRef): Record<string, unknown> {
  return pick(data as unknown as Record<string, unknown>, ['bookingId', 'clientId', 'packageId', 'offeringId', 'scheduleId', 'sessionTypeId']);
}

function pick(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, data[key] ?? null]));
}

export interface EndpointSubscription {
  id: string;
  tenantId: string;
  enabled: boolean;
  /** Why it is off: `failing` (switched off after failed attempts: deliveries are still planned, held) or `admin`. */
  disabledReason?: 'admin' | 'failing' | null;
  eventTypes: string[];
  /** Events that occur from this instant on are planned: set at creation, re-enabling and a change of event types. */
  planFrom: string;
}

/**
 * An endpoint of the event's business that asked for its kind since before it occurred, and is enabled
 * or switched off only for failing (its deliveries are planned `held`, see `HELD_MAX_AGE_MS`). An
 * endpoint an admin switched off gets nothing planned.
 */
export function wants(endpoint: EndpointSubscription, envelope: WebhookEnvelope): boolean {
  return (endpoint.enabled || endpoint.disabledReason === 'failing') && endpoint.tenantId === envelope.businessId && endpoint.eventTypes.includes(envelope.type) && Date.parse(envelope.createdAt) >= Date.parse(endpoint.planFrom);
}

const DELIVERY_NAMESPACE = '7f0b7e2c-3f3a-4d55-9a51-2d0f5b3c9e41';

/** One delivery per (endpoint, event): the same id however often the log is replayed. */
export function deliveryIdOf(endpointId: string, eventId: string): string {
  return uuidv5(`${endpointId}\n${eventId}`, DELIVERY_NAMESPACE);
}

/**
 * Deliveries planned while their endpoint is switched off for failing are `held`, not sent. When it is
 * switched back on, those planned less than this long before are sent; older ones (and any held this
 * long while it stays off) become `expired`: listed in the delivery log, sent only on a manual
 * redelivery. Stripe's 3 days.
 */
export const HELD_MAX_AGE_MS = 72 * 3_600_000;

/** Waits after the 1st, 2nd, … failed attempt of a round; a round ends as `failed` after the last. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 8 * 3_600_000, 24 * 3_600_000];
export const MAX_ATTEMPTS_PER_ROUND = RETRY_DELAYS_MS.length + 1;

export type AttemptOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export interface AfterAttempt {
  status: 'delivered' | 'pending' | 'failed';
  nextAttemptAt: string | null;
}

/** What follows attempt number `attemptInRound` (1-based, counted from the last manual redelivery). */
export function afterAttempt(outcome: AttemptOutcome, attemptInRound: number, now: Date): AfterAttempt {
  if (outcome.ok) return { status: 'delivered', nextAttemptAt: null };
  if (attemptInRound >= MAX_ATTEMPTS_PER_ROUND) return { status: 'failed', nextAttemptAt: null };
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + RETRY_DELAYS_MS[attemptInRound - 1]).toISOString() };
}

/** The endpoint is switched off once this many attempts in a row (over all its deliveries) have failed. */
export function shouldDisable(consecutiveFailures: number, disableAfter: number): boolean {
  return consecutiveFailures >= disableAfter;
}
