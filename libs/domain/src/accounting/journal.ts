import { PackageEvent } from '../package/package.events';
import { RecognitionBasis } from './recognition-policy';

/**
 * Double-entry journal for package money (docs/accounting.md, ADRs 0009 and 0019). A package event makes
 * one balanced entry as a rule, two when the delivery basis moves a recognition, none when it moves no
 * value. Pure: no clock, no I/O, so a replay writes the same journal. The rules await confirmation by
 * the business's accountant.
 */

/** Ledger accounts by stable code: exports and reports name them, so a code is never renamed. */
export const ACCOUNTS = {
  /** Money received or paid back, by whatever payment method, until it is matched with the bank. */
  cashClearing: 'cash_clearing',
  /** Deferred revenue: what the business still owes clients in sessions. */
  contractLiability: 'contract_liability',
  sessionRevenue: 'session_revenue',
  /** Paid credits the client will never use (expired, or removed by an admin). */
  breakageRevenue: 'breakage_revenue',
  /** The part of a refunded credit's value the business kept (a refund paying back less). */
  refundRetentionRevenue: 'refund_retention_revenue',
  /** Money a lost payment dispute took back beyond the value of the credits it revoked (sessions already delivered). */
  chargebackLosses: 'chargeback_losses',
  /** Money refunded (in Stripe's dashboard) beyond the value of the unused credits it refunded: sessions already delivered (ADR 0022). */
  refundLosses: 'refund_losses',
} as const;
export type AccountCode = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];

/**
 * Why an entry was written. `recognition_reversal` is the correcting entry of a `recognition` (a
 * reversed redemption): corrections are new entries, never edits of old ones.
 */
export const ENTRY_KINDS = ['sale', 'recognition', 'recognition_reversal', 'credit_removal', 'breakage', 'refund', 'chargeback'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** One side of an entry: exactly one of `debit` and `credit` is positive (minor units). */
export interface JournalLine {
  account: AccountCode;
  debit: number;
  credit: number;
}

export interface JournalEntry {
  entryId: string;
  kind: EntryKind;
  /** When it counts in the books (ISO-8601 UTC): the event's occurredAt, the expiry instant for an expiry, or (delivery basis) the session's. */
  effectiveAt: string;
  currency: string;
  sourceEventId: string;
  sourceEventType: PackageEvent['type'];
  packageId: string;
  /** The entry this one corrects (a reversal names its redemption's entry), else null. */
  reverses: string | null;
  /** Balanced: the debits add up to the credits. Never a zero line. */
  lines: JournalLine[];
}

export interface JournalContext {
  eventId: string;
  /** The event's metadata.occurredAt. */
  occurredAt: string;
  /** The package's currency, from its PackagePurchased (later events do not carry it). */
  currency: string;
  /** The basis the package is accounted on (the policy in force when it was sold). */
  basis: RecognitionBasis;
  /** For an event on a redemption (reversal, reschedule, forfeit): its standing recognition, if it made one. */
  standing?: StandingRecognition | null;
}

/** The recognition entry a redemption's revenue stands on, which its reversal or a move names. */
export interface StandingRecognition {
  entryId: string;
  value: number;
}

/**
 * An entry is named after the event that caused it. An event makes one entry, except a recognition
 * moved on the delivery basis (a reschedule or a late forfeit): its reversal is `JE-<event id>` and the
 * new recognition `JE-<event id>-2`.
 */
export function entryIdOf(eventId: string, part: 1 | 2 = 1): string {
  return part === 1 ? `JE-${eventId}` : `JE-${eventId}-2`;
}

const { cashClearing, contractLiability, sessionRevenue, breakageRevenue, refundRetentionRevenue, chargebackLosses, refundLosses } = ACCOUNTS;

/**
 * The journal entries a package event makes, in order: none when it moves no value (comp packages,
 * goodwill credits, most forfeits), one as a rule, two when the delivery basis moves a recognition.
 *
 * On the delivery basis a redemption counts when its session takes place: at the later of the
 * session's start and the redemption, so no entry ever counts before the event that made it. Its
 * reversal counts at the later of the reversal and that instant (before the session: both at the
 * session's start, netting to nothing). A reschedule moves it: a reversal at the old instant, a new
 * recognition at the new one. A late cancellation that forfeits the credit moves it to the forfeit.
 */
export function journalEntriesFor(event: PackageEvent, context: JournalContext): JournalEntry[] {
  const occurredAt = normalised(context.occurredAt);
  const delivery = context.basis === 'delivery';
  /** When a recognition of a session at `sessionAt` counts, decided at `decidedAt`. */
  const recognisedAt = (decidedAt: string, sessionAt: string | null): string => (delivery && sessionAt !== null ? later(decidedAt, normalised(sessionAt)) : decidedAt);

  const entry = (kind: EntryKind, lines: JournalLine[], extra: Partial<JournalEntry> = {}): JournalEntry[] => {
    const written = lines.filter((line) => line.debit > 0 || line.credit > 0);
    if (written.length === 0) return [];
    return [
      {
        entryId: entryIdOf(context.eventId),
        kind,
        effectiveAt: occurredAt,
        currency: context.currency,
        sourceEventId: context.eventId,
        sourceEventType: event.type,
        packageId: event.data.packageId,
        reverses: null,
        lines: written,
        ...extra,
      },
    ];
  };
  const dr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: amount, credit: 0 });
  const cr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: 0, credit: amount });
  const recognition = (value: number, effectiveAt: string, extra: Partial<JournalEntry> = {}) =>
    entry('recognition', [dr(contractLiability, value), cr(sessionRevenue, value)], { effectiveAt, ...extra });
  const reversal = (value: number, effectiveAt: string) =>
    entry('recognition_reversal', [dr(sessionRevenue, value), cr(contractLiability, value)], { effectiveAt, reverses: context.standing?.entryId ?? null });
  /** A standing recognition moved from one instant to another: its reversal, then the new recognition. */
  const move = (value: number, from: string, to: string) =>
    from === to ? [] : [...reversal(value, from), ...recognition(value, to, { entryId: entryIdOf(context.eventId, 2) })];

  switch (event.type) {
    case 'PackagePurchased': {
      const { amount, currency } = event.data.price;
      return entry('sale', [dr(cashClearing, amount), cr(contractLiability, amount)], { currency });
    }
    case 'SessionRedeemed':
      return recognition(event.data.value, recognisedAt(occurredAt, event.data.sessionAt));
    case 'RedemptionReversed':
      return reversal(event.data.value, recognisedAt(occurredAt, event.data.sessionAt));
    case 'SessionRescheduled': {
      if (!delivery) return []; // the credit stays redeemed: its revenue was recognised when it was redeemed
      return move(context.standing?.value ?? 0, recognisedAt(occurredAt, event.data.previousSessionAt), recognisedAt(occurredAt, event.data.sessionAt));
    }
    case 'SessionForfeited': {
      // The credit stays used. On the delivery basis a session that will not take place is earned at the
      // forfeit (a late cancellation); a no-show comes after the start, where it was recognised already.
      if (!delivery) return [];
      return move(event.data.value, recognisedAt(occurredAt, event.data.sessionAt), occurredAt);
    }
    case 'CreditsAdjusted':
      // Only a removal of paid credits carries value (added credits are goodwill, worth nothing).
      return entry('credit_removal', [dr(contractLiability, event.data.value), cr(breakageRevenue, event.data.value)]);
    case 'PackageExpired':
      // The right to the sessions lapsed at expiresAt, even if the sweep recorded it later.
      return entry('breakage', [dr(contractLiability, event.data.value), cr(breakageRevenue, event.data.value)], {
        effectiveAt: normalised(event.data.expiresAt),
      });
    case 'PackageRefunded': {
      // Paid back less than the value: the business keeps the rest. More (only a refund made in Stripe's
      // dashboard, beyond the unused credits' value): the excess refunds delivered sessions, a loss.
      const { value, amount } = event.data;
      return entry('refund', [
        dr(contractLiability, value),
        dr(refundLosses, Math.max(amount.amount - value, 0)),
        cr(cashClearing, amount.amount),
        cr(refundRetentionRevenue, Math.max(value - amount.amount, 0)),
      ]);
    }
    case 'CreditsRevoked': {
      // The card network took `amount` back; the revoked credits' value leaves the liability. Taken back
      // beyond that value (sessions already delivered) is a loss; revoked beyond the money taken back, breakage.
      const { value, amount } = event.data;
      return entry('chargeback', [
        dr(contractLiability, value),
        dr(chargebackLosses, Math.max(amount.amount - value, 0)),
        cr(cashClearing, amount.amount),
        cr(breakageRevenue, Math.max(value - amount.amount, 0)),
      ]);
    }
    case 'ExpiryChanged':
    case 'CardRefundRequested': // a hold: the money leaves (and the liability with it) at PackageRefunded
    case 'CardRefundFailed':
    case 'PackageFrozen': // a freeze moves no credit and no money
    case 'PackageUnfrozen':
      return [];
  }
}

/** Every instant in the journal has one form, so instants compare as text (ids and range filters rely on it). */
function normalised(instant: string): string {
  return new Date(instant).toISOString();
}

const later = (a: string, b: string): string => (a >= b ? a : b);
