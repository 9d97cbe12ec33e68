import { PackageEvent } from '../package/package.events';

/**
 * Double-entry journal for package money (docs/accounting.md, ADR 0009). One package event makes at
 * most one balanced entry; an event that moves no value makes none. Pure: no clock, no I/O, so a
 * replay writes the same journal. The rules await confirmation by the business's accountant.
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
} as const;
export type AccountCode = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];

/**
 * Why an entry was written. `recognition_reversal` is the correcting entry of a `recognition` (a
 * reversed redemption): corrections are new entries, never edits of old ones.
 */
export const ENTRY_KINDS = ['sale', 'recognition', 'recognition_reversal', 'credit_removal', 'breakage', 'refund'] as const;
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
  /** When it counts in the books (ISO-8601 UTC): the event's occurredAt, or the expiry instant for an expiry. */
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
  /** For a RedemptionReversed: the entry its redemption wrote. */
  reversedEntryId?: string | null;
}

/** An entry is named after the event that caused it (one entry per event at most). */
export function entryIdOf(eventId: string): string {
  return `JE-${eventId}`;
}

const { cashClearing, contractLiability, sessionRevenue, breakageRevenue, refundRetentionRevenue } = ACCOUNTS;

/** The journal entry a package event makes, or null when it moves no value (comp packages, goodwill credits, forfeits). */
export function journalEntryFor(event: PackageEvent, context: JournalContext): JournalEntry | null {
  const entry = (kind: EntryKind, lines: JournalLine[], extra: Partial<JournalEntry> = {}): JournalEntry | null => {
    const written = lines.filter((line) => line.debit > 0 || line.credit > 0);
    if (written.length === 0) return null;
    return {
      entryId: entryIdOf(context.eventId),
      kind,
      effectiveAt: normalised(context.occurredAt),
      currency: context.currency,
      sourceEventId: context.eventId,
      sourceEventType: event.type,
      packageId: event.data.packageId,
      reverses: null,
      lines: written,
      ...extra,
    };
  };
  const dr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: amount, credit: 0 });
  const cr = (account: AccountCode, amount: number): JournalLine => ({ account, debit: 0, credit: amount });

  switch (event.type) {
    case 'PackagePurchased': {
      const { amount, currency } = event.data.price;
      return entry('sale', [dr(cashClearing, amount), cr(contractLiability, amount)], { currency });
    }
    case 'SessionRedeemed':
      return entry('recognition', [dr(contractLiability, event.data.value), cr(sessionRevenue, event.data.value)]);
    case 'RedemptionReversed':
      return entry('recognition_reversal', [dr(sessionRevenue, event.data.value), cr(contractLiability, event.data.value)], {
        reverses: context.reversedEntryId ?? null,
      });
    case 'CreditsAdjusted':
      // Only a removal of paid credits carries value (added credits are goodwill, worth nothing).
      return entry('credit_removal', [dr(contractLiability, event.data.value), cr(breakageRevenue, event.data.value)]);
    case 'PackageExpired':
      // The right to the sessions lapsed at expiresAt, even if the sweep recorded it later.
      return entry('breakage', [dr(contractLiability, event.data.value), cr(breakageRevenue, event.data.value)], {
        effectiveAt: normalised(event.data.expiresAt),
      });
    case 'PackageRefunded': {
      const { value, amount } = event.data;
      return entry('refund', [dr(contractLiability, value), cr(cashClearing, amount.amount), cr(refundRetentionRevenue, value - amount.amount)]);
    }
    case 'SessionForfeited': // the credit stays used: its revenue was recognised when it was redeemed
    case 'SessionRescheduled':
    case 'ExpiryChanged':
      return null;
  }
}

/** Every instant in the journal has one form, so instants compare as text (ids and range filters rely on it). */
function normalised(instant: string): string {
  return new Date(instant).toISOString();
}
