import { PackageEvent, PaymentMethod } from '../package/package.events';
import { JournalEntry, journalEntriesFor, StandingRecognition } from './journal';
import { DEFAULT_RECOGNITION_BASIS, RecognitionBasis } from './recognition-policy';

/**
 * What the journal remembers of one package between its events: the currency and payment method (only
 * the purchase carries them), the recognition basis it was sold under, and the standing recognition of each
 * redemption (its reversal names that entry; a move on the delivery basis replaces it).
 */
export interface PackageBooks {
  currency: string;
  /** How the package was paid (reports can be filtered by it). */
  paymentMethod: PaymentMethod;
  basis: RecognitionBasis;
  redemptions: Record<string, StandingRecognition>;
}

/** A package event with the envelope fields the journal uses. */
export interface RecordedPackageEvent {
  event: PackageEvent;
  eventId: string;
  occurredAt: string;
}

/**
 * Posts one event: its journal entries (in order, often none), and the package's books after it.
 * `basis` is the business's policy at this event; only a sale reads it (a package keeps the basis it was sold under).
 */
export function postToBooks(
  books: PackageBooks | null,
  { event, eventId, occurredAt }: RecordedPackageEvent,
  basis: RecognitionBasis = DEFAULT_RECOGNITION_BASIS,
): { entries: JournalEntry[]; books: PackageBooks | null } {
  if (event.type === 'PackagePurchased') {
    const currency = event.data.price.currency;
    const entries = journalEntriesFor(event, { eventId, occurredAt, currency, basis });
    return { entries, books: { currency, paymentMethod: event.data.payment.method, basis, redemptions: {} } };
  }
  const redemptionId = 'redemptionId' in event.data ? event.data.redemptionId : null;
  const standing = redemptionId === null ? null : (books?.redemptions[redemptionId] ?? null);
  const entries = journalEntriesFor(event, { eventId, occurredAt, currency: books?.currency ?? '', basis: books?.basis ?? DEFAULT_RECOGNITION_BASIS, standing });
  if (entries.length > 0 && !books) throw new Error(`Package ${event.data.packageId} moved value (${event.type} ${eventId}) but its purchase is not in the books`);
  if (entries.length === 0 || !books || redemptionId === null) return { entries, books };
  // The last recognition an event wrote is the one its redemption now stands on; a reversal ends it
  // (a redemption id is never redeemed again, so it need not be remembered).
  const { [redemptionId]: _, ...others } = books.redemptions;
  const last = entries[entries.length - 1];
  const redemptions = last.kind === 'recognition' ? { ...others, [redemptionId]: { entryId: last.entryId, value: valueOf(last) } } : others;
  return { entries, books: { ...books, redemptions } };
}

/** The amount an entry moves (its debits, which equal its credits). */
function valueOf(entry: JournalEntry): number {
  return entry.lines.reduce((total, line) => total + line.debit, 0);
}

/** Every entry a package's history makes, in order (one package; for specs and replays). */
export function journalOf(history: RecordedPackageEvent[], basis: RecognitionBasis = DEFAULT_RECOGNITION_BASIS): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let books: PackageBooks | null = null;
  for (const recorded of history) {
    const posted = postToBooks(books, recorded, basis);
    books = posted.books;
    entries.push(...posted.entries);
  }
  return entries;
}
