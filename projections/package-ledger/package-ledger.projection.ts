import { CreditKind, isPackageEvent, Money, PackageEvent } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { LEDGER_BALANCES, LEDGER_ENTRIES } from '../collections';

/**
 * One entry per package event, in stream order: what moved, the balance after it, who did it and why.
 * `delta` is the change to the credits the client can still use.
 */
export interface LedgerEntry {
  id: string;
  packageId: string;
  clientId: string;
  offeringId: string;
  sequence: number;
  type: string;
  delta: number;
  balance: number;
  creditKind: CreditKind | null;
  /** Card refunds (ADR 0022): Punchcard's refund id, and Stripe's refund once made. */
  refundId?: string | null;
  stripeRefundId?: string | null;
  /** For adjustments: how many paid and goodwill credits moved (signed). */
  paidDelta?: number;
  goodwillDelta?: number;
  reason: string | null;
  /** The booking rule that decided a returned or forfeited booked credit (see BOOKING_CREDIT_RULES). */
  rule: string | null;
  redemptionId: string | null;
  bookingId: string | null;
  serviceId: string | null;
  note: string | null;
  sessionAt: string | null;
  amount: Money | null;
  previousExpiresAt: string | null;
  expiresAt: string | null;
  actor: { id: string; role: string };
  occurredAt: string;
  eventId: string;
}

interface Balance {
  balance: number;
  /** The card refund whose credits are held (their outcome moves no balance), if any. */
  heldRefundId?: string | null;
}

/** Entry ids sort in stream order (cursor pagination and as-of scans rely on it). */
export function ledgerEntryId(packageId: string, sequence: number): string {
  return `${packageId}:${String(sequence).padStart(8, '0')}`;
}

/**
 * The ids of every entry of a package, first to last (inclusive). Package ids are UUIDs of one
 * length, so no other package's entry id sorts between these in any collation.
 */
export function ledgerEntryIds(packageId: string): { from: string; to: string } {
  return { from: ledgerEntryId(packageId, 0), to: ledgerEntryId(packageId, 99_999_999) };
}

export const packageLedgerProjection: Projection = {
  // v2: entries carry the booking `rule` (and the booking of a rule-based reversal); rebuilt from the start.
  name: 'package-ledger-v2',
  collections: [LEDGER_ENTRIES, LEDGER_BALANCES],
  indexes: [{ collection: LEDGER_ENTRIES, field: 'packageId' }],
  keys: (event) => (isPackageEvent(event) ? [balanceKey(event)] : []),
  apply(event, documents) {
    if (!isPackageEvent(event)) return;
    const d = event.data;
    const previous = documents.get<Balance>(balanceKey(event))?.balance ?? 0;
    const entry: LedgerEntry = {
      id: ledgerEntryId(d.packageId, event.streamVersion),
      packageId: d.packageId,
      clientId: d.clientId,
      offeringId: d.offeringId,
      sequence: event.streamVersion,
      type: event.type,
      delta: 0,
      balance: previous,
      creditKind: null,
      reason: null,
      rule: null,
      redemptionId: null,
      bookingId: null,
      serviceId: null,
      note: null,
      sessionAt: null,
      amount: null,
      previousExpiresAt: null,
      expiresAt: null,
      actor: event.metadata.actor,
      occurredAt: event.metadata.occurredAt,
      eventId: event.eventId,
    };
    switch (event.type) {
      case 'PackagePurchased':
        Object.assign(entry, { delta: event.data.credits, creditKind: 'paid', amount: event.data.price, expiresAt: event.data.expiresAt });
        break;
      case 'SessionRedeemed': {
        const { redemptionId, bookingId, serviceId, note, sessionAt, creditKind } = event.data;
        Object.assign(entry, { delta: -1, creditKind, redemptionId, bookingId, serviceId, note, sessionAt });
        break;
      }
      case 'RedemptionReversed':
        // A reversal decided by a booking rule returns a booking's credit (its redemption id is the booking id).
        const bookingId = event.data.rule === null ? null : event.data.redemptionId;
        Object.assign(entry, { delta: 1, creditKind: event.data.creditKind, redemptionId: event.data.redemptionId, bookingId, reason: event.data.reason, rule: event.data.rule });
        break;
      case 'SessionRescheduled': {
        const { redemptionId, bookingId, sessionAt } = event.data;
        Object.assign(entry, { redemptionId, bookingId, sessionAt, reason: `rescheduled from ${event.data.previousSessionAt}` });
        break;
      }
      case 'SessionForfeited': {
        // No credit moves: the entry records why a booked credit stayed used.
        const { redemptionId, bookingId, cause, rule } = event.data;
        const reason = cause === 'no_show' ? 'no-show' : cause === 'cancellation' ? 'cancellation' : 'late cancellation';
        Object.assign(entry, { redemptionId, bookingId, rule, reason });
        break;
      }
      case 'CreditsAdjusted':
        // creditKind stays null when a removal took both kinds (paidDelta/goodwillDelta say how many).
        const { delta, paidDelta, goodwillDelta, reason } = event.data;
        const creditKind = paidDelta === 0 ? 'goodwill' : goodwillDelta === 0 ? 'paid' : null;
        Object.assign(entry, { delta, creditKind, reason, paidDelta, goodwillDelta });
        break;
      case 'ExpiryChanged':
        Object.assign(entry, { reason: event.data.reason, previousExpiresAt: event.data.previousExpiresAt, expiresAt: event.data.expiresAt });
        break;
      case 'PackageExpired':
        Object.assign(entry, { delta: -event.data.creditsForfeited, expiresAt: event.data.expiresAt, reason: 'expired' });
        break;
      case 'PackageRefunded': {
        // The outcome of a card refund: its credits left the balance when they were held.
        const held = event.data.refundId !== null && documents.get<Balance>(balanceKey(event))?.heldRefundId === event.data.refundId;
        Object.assign(entry, { delta: held ? 0 : -event.data.credits, amount: event.data.amount, reason: event.data.reason, refundId: event.data.refundId, stripeRefundId: event.data.stripeRefundId });
        break;
      }
      case 'CardRefundRequested':
        // Held for a refund through Stripe: no longer usable (ADR 0022).
        Object.assign(entry, { delta: -event.data.credits, amount: event.data.amount, reason: event.data.reason, refundId: event.data.refundId });
        break;
      case 'CardRefundFailed':
        Object.assign(entry, { delta: event.data.credits, reason: `refund refused by Stripe: ${event.data.code}`, refundId: event.data.refundId });
        break;
    }
    entry.balance = previous + entry.delta;
    documents.put({ collection: LEDGER_ENTRIES, tenantId: event.metadata.tenantId, id: entry.id }, entry);
    const previousHold = documents.get<Balance>(balanceKey(event))?.heldRefundId ?? null;
    const heldRefundId = event.type === 'CardRefundRequested' ? event.data.refundId : event.type === 'CardRefundFailed' || (event.type === 'PackageRefunded' && event.data.refundId === previousHold) ? null : previousHold;
    documents.put(balanceKey(event), { balance: entry.balance, heldRefundId } satisfies Balance);
  },
};

function balanceKey(event: StoredEvent & PackageEvent) {
  return { collection: LEDGER_BALANCES, tenantId: event.metadata.tenantId, id: event.data.packageId };
}
