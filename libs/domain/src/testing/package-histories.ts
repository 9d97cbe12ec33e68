import fc from 'fast-check';
import { OFFERING_FIELD_DEFAULTS } from '../offering/offering.events';
import { valueOfPaidCredits } from '../package/credit-value';
import { creditsRemaining, decidePackage, evolvePackage, initialPackageState, isExpiredAt, PackageCommand, PackageState } from '../package/package.decider';
import { PackageEvent } from '../package/package.events';
import { DomainError } from '../shared/domain-error';

/**
 * Random package histories for property tests: packages in a few currencies, then a sequence of
 * commands (manual and booked redemptions, reversals, returned, rescheduled and forfeited bookings,
 * adjustments, expiry changes, refunds, expiry, payment disputes opened, won and lost) decided by the real package decider as time moves on. Commands
 * the decider refuses are simply skipped, so every history is one the system could have recorded.
 */

const OPERATIONS = ['redeem', 'redeem', 'book', 'book', 'reverse', 'return', 'forfeit', 'reschedule', 'adjust', 'adjust', 'changeExpiry', 'refund', 'expire', 'dispute', 'disputeWon', 'disputeLost'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface PackagePlan {
  currency: 'EUR' | 'USD' | 'JPY';
  price: number;
  credits: number;
  comp: boolean;
  validityDays: number;
}

export interface StepPlan {
  op: Operation;
  target: number;
  pick: number;
  delta: number;
  fraction: number;
  useDefaults: boolean;
  gapMinutes: number;
}

export interface HistoryPlan {
  packages: PackagePlan[];
  steps: StepPlan[];
}

export const historyPlans = (maxSteps = 40): fc.Arbitrary<HistoryPlan> =>
  fc.record({
    packages: fc.array(
      fc.record({
        currency: fc.constantFrom('EUR' as const, 'USD' as const, 'JPY' as const),
        price: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1_000_000 })),
        credits: fc.integer({ min: 1, max: 12 }),
        comp: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), // one package in six is given free
        validityDays: fc.integer({ min: 1, max: 20 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    steps: fc.array(
      fc.record({
        op: fc.constantFrom(...OPERATIONS),
        target: fc.nat(),
        pick: fc.nat(),
        delta: fc.integer({ min: -4, max: 4 }).filter((d) => d !== 0),
        fraction: fc.double({ min: 0, max: 1, noNaN: true }),
        useDefaults: fc.boolean(),
        // Mostly minutes to hours apart, sometimes days (so expiries fall inside histories).
        gapMinutes: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 180 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 3 * 24 * 60 }), weight: 1 }),
      }),
      { minLength: 3, maxLength: maxSteps, size: 'medium' },
    ),
  });

export interface PlayedEvent {
  packageIndex: number;
  packageId: string;
  event: PackageEvent;
  eventId: string;
  occurredAt: string;
}

export const HISTORY_START = '2026-03-02T15:00:00.000Z';
const TIMEZONE = 'Europe/Berlin';
const MINUTE = 60_000;

/**
 * Decides the plan's commands in order. `ids` names packages and events (UUIDs for a real store);
 * `afterEach` sees every recorded event with all packages' states after it.
 */
export function playHistory(plan: HistoryPlan, ids: { packageId: (i: number) => string; eventId: () => string }, afterEach?: (played: PlayedEvent, states: PackageState[]) => void): PlayedEvent[] {
  const played: PlayedEvent[] = [];
  const states: PackageState[] = plan.packages.map(() => initialPackageState);
  let now = Date.parse(HISTORY_START);
  let counter = 0;

  const run = (index: number, command: PackageCommand) => {
    let events: PackageEvent[];
    try {
      events = decidePackage(command, states[index], { now: new Date(now).toISOString(), timezone: TIMEZONE });
    } catch (error) {
      if (error instanceof DomainError) return; // refused: not part of the history
      throw error;
    }
    for (const event of events) {
      states[index] = evolvePackage(states[index], event);
      const record = { packageIndex: index, packageId: ids.packageId(index), event, eventId: ids.eventId(), occurredAt: new Date(now).toISOString() };
      played.push(record);
      afterEach?.(record, states);
    }
  };

  plan.packages.forEach((p, index) => {
    now += MINUTE;
    const offering = {
      exists: true as const,
      offeringId: `offering-${index}`,
      status: 'active' as const,
      deleted: false,
      name: `${p.credits} sessions`,
      description: null,
      sessionCount: p.credits,
      price: { amount: p.price, currency: p.currency },
      validity: { kind: 'days' as const, days: p.validityDays },
      ...OFFERING_FIELD_DEFAULTS,
    };
    const payment = { method: p.comp ? ('comp' as const) : ('card' as const), reference: null };
    run(index, { type: 'PurchasePackage', packageId: ids.packageId(index), clientId: `client-${index}`, offering, payment, clientGroups: [], visibilityOverride: null });
  });

  for (const step of plan.steps) {
    now += step.gapMinutes * MINUTE;
    const index = step.target % plan.packages.length;
    const state = states[index];
    if (!state.exists) continue;
    const redemptions = Object.entries(state.redemptions).filter(([, r]) => !r.reversed);
    const booked = redemptions.filter(([id, r]) => r.bookingId === id && !r.forfeited).map(([id]) => id);
    const manual = redemptions.filter(([id, r]) => r.bookingId !== id).map(([id]) => id);
    const pickFrom = (list: string[]) => (list.length ? list[step.pick % list.length] : 'none');
    const command = commandFor(step, state, { booked: pickFrom(booked), manual: pickFrom(manual), now, next: () => `${step.op}-${++counter}` });
    if (command === 'expire-time') {
      if (state.expiresAt === null) continue;
      now = Math.max(now, Date.parse(state.expiresAt) + step.gapMinutes * MINUTE);
      run(index, { type: 'ExpirePackage' });
    } else if (command) {
      run(index, command);
    }
  }
  return played;
}

function commandFor(
  step: StepPlan,
  state: Extract<PackageState, { exists: true }>,
  context: { booked: string; manual: string; now: number; next: () => string },
): PackageCommand | 'expire-time' | null {
  const limits = { offeringSessionCount: 1000, maxSessionsPerWeek: null, timezone: TIMEZONE, otherSessions: [] };
  switch (step.op) {
    case 'redeem':
      return { type: 'RedeemSession', redemptionId: context.next(), bookingId: null, serviceId: null, note: null, sessionAt: null };
    case 'book': // a session from an hour to a few days ahead
      return { type: 'RedeemForBooking', bookingId: context.next(), serviceId: 'service-1', sessionAt: sessionAhead(context.now, step), limits };
    case 'reschedule': {
      // The booking flow moves a booking only before its session starts.
      const redemption = state.redemptions[context.booked];
      if (!redemption || Date.parse(redemption.sessionAt) <= context.now) return null;
      return { type: 'RescheduleBookedSession', bookingId: context.booked, sessionAt: sessionAhead(context.now, step), limits };
    }
    case 'reverse':
      return { type: 'ReverseRedemption', redemptionId: context.manual, reason: 'Deducted by mistake' };
    case 'return':
      return { type: 'ReturnBookedCredit', bookingId: context.booked, rule: 'cancelled_within_notice', reason: 'Booking cancelled' };
    case 'forfeit':
      return forfeitOf(state, context.booked, context.now);
    case 'adjust':
      return { type: 'AdjustCredits', delta: step.delta, reason: 'correction' };
    case 'changeExpiry': {
      const expiresAt = step.fraction < 0.1 ? null : new Date(context.now + Math.ceil(step.fraction * 40 * 24 * 60) * MINUTE).toISOString();
      return { type: 'ChangeExpiry', expiresAt, reason: 'client was ill' };
    }
    case 'refund': {
      if (step.useDefaults) return { type: 'RefundPackage', credits: null, amount: null, reason: 'client moved away' };
      const remaining = creditsRemaining(state);
      const credits = 1 + (step.pick % Math.max(remaining, 1));
      const value = valueOfPaidCredits(state.paidValueRemaining, state.paidRemaining, Math.min(credits, state.paidRemaining));
      return { type: 'RefundPackage', credits, amount: Math.floor(value * step.fraction), reason: 'client moved away' };
    }
    case 'expire':
      return 'expire-time';
    // One dispute per package (a payment is disputed once), opened, then won or lost.
    case 'dispute':
      return { type: 'FreezeForDispute', disputeId: `dp-${state.packageId}`, reason: 'Card payment disputed' };
    case 'disputeWon':
      return { type: 'UnfreezeAfterDispute', disputeId: `dp-${state.packageId}`, reason: 'Dispute won' };
    case 'disputeLost':
      return { type: 'RevokeForLostDispute', disputeId: `dp-${state.packageId}`, amount: { amount: Math.floor(state.price.amount * step.fraction), currency: state.price.currency }, reason: 'Dispute lost' };
  }
}

/** A session an hour to a few days after `now`. */
function sessionAhead(now: number, step: StepPlan): string {
  return new Date(now + (60 + (step.pick % 5) * 17 * 60) * MINUTE).toISOString();
}

/**
 * As the booking flow decides: before the session a forfeit is a late cancellation, after its start a
 * no-show; on a closed package (expired, refunded) any cancellation or no-show keeps the credit (rule package_closed).
 */
function forfeitOf(state: Extract<PackageState, { exists: true }>, bookingId: string, now: number): PackageCommand {
  const sessionAt = state.redemptions[bookingId]?.sessionAt;
  const ahead = sessionAt !== undefined && Date.parse(sessionAt) > now;
  if (state.lifecycle === 'refunded' || isExpiredAt(state, new Date(now).toISOString())) {
    return { type: 'ForfeitBookedCredit', bookingId, cause: ahead ? 'cancellation' : 'no_show', rule: 'package_closed' };
  }
  return ahead
    ? { type: 'ForfeitBookedCredit', bookingId, cause: 'late_cancellation', rule: 'late_cancellation_forfeits' }
    : { type: 'ForfeitBookedCredit', bookingId, cause: 'no_show', rule: 'no_show_forfeits' };
}

/** When an event counts in the books: an expiry at the instant the right lapsed, anything else when it happened. */
export const effectiveAtOf = ({ event, occurredAt }: PlayedEvent): string => (event.type === 'PackageExpired' ? event.data.expiresAt : occurredAt);

/** Paid value the plan's packages in `currency` still hold, folding only the events effective by `instant`. */
export function paidValueHeldAsOf(plan: HistoryPlan, played: PlayedEvent[], currency: string, instant: string): number {
  return plan.packages.reduce((total, p, i) => {
    if (p.currency !== currency) return total;
    const history = played.filter((e) => e.packageIndex === i && effectiveAtOf(e) <= instant);
    const state = history.reduce<PackageState>((s, e) => evolvePackage(s, e.event), initialPackageState);
    return total + (state.exists ? state.paidValueRemaining : 0);
  }, 0);
}

/**
 * Value of the paid credits redeemed for sessions that, as known at `instant`, had not yet taken place:
 * neither returned nor forfeited, and starting after it. The delivery basis still owes it as liability.
 */
export function undeliveredValueAsOf(plan: HistoryPlan, played: PlayedEvent[], currency: string, instant: string): number {
  return plan.packages.reduce((total, p, i) => {
    if (p.currency !== currency) return total;
    const state = played.filter((e) => e.packageIndex === i && effectiveAtOf(e) <= instant).reduce<PackageState>((s, e) => evolvePackage(s, e.event), initialPackageState);
    if (!state.exists) return total;
    return total + Object.values(state.redemptions).reduce((sum, r) => (!r.reversed && !r.forfeited && r.sessionAt > instant ? sum + r.value : sum), 0);
  }, 0);
}

/** Instants to split a history at: exactly at, just before and just after each event's effective instant and each session's start. */
export function splitCandidates(played: PlayedEvent[]): string[] {
  const shift = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();
  const sessions = played.flatMap(({ event }) => (event.type === 'SessionRedeemed' || event.type === 'SessionRescheduled' ? [event.data.sessionAt] : []));
  return [...played.map(effectiveAtOf), ...sessions].flatMap((instant) => [shift(instant, -1), instant, shift(instant, 1)]);
}

/** What a rollforward's columns should hold, counted straight from the events (not through the journal). */
export interface ValueMoved {
  sales: number;
  recognised: number;
  breakage: number;
  refunds: number;
  chargebacks: number;
}

/**
 * The value each kind of event moved in `currency` in the period (from, to], by effective instant,
 * summed from the events' own fields: prices of sales, redeemed value net of reversals, expired and
 * removed paid value, refunded and revoked credits' value. An independent check of the journal and its reports.
 */
export function valueMovedIn(plan: HistoryPlan, played: PlayedEvent[], currency: string, from: string, to: string): ValueMoved {
  const moved: ValueMoved = { sales: 0, recognised: 0, breakage: 0, refunds: 0, chargebacks: 0 };
  for (const p of played) {
    const at = effectiveAtOf(p);
    if (plan.packages[p.packageIndex].currency !== currency || at <= from || at > to) continue;
    const { event } = p;
    if (event.type === 'PackagePurchased') moved.sales += event.data.price.amount;
    else if (event.type === 'SessionRedeemed') moved.recognised += event.data.value;
    else if (event.type === 'RedemptionReversed') moved.recognised -= event.data.value;
    else if (event.type === 'CreditsAdjusted' || event.type === 'PackageExpired') moved.breakage += event.data.value;
    else if (event.type === 'PackageRefunded') moved.refunds += event.data.value;
    else if (event.type === 'CreditsRevoked') moved.chargebacks += event.data.value;
  }
  return moved;
}
