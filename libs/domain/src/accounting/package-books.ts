import { PackageEvent } from '../package/package.events';
import { journalEntryFor, JournalEntry } from './journal';

/**
 * What the journal remembers of one package between its events: the currency (only the purchase
 * carries it) and the entry of each redemption still standing (its reversal names that entry).
 */
export interface PackageBooks {
  currency: string;
  redemptionEntries: Record<string, string>;
}

/** A package event with the envelope fields the journal uses. */
export interface RecordedPackageEvent {
  event: PackageEvent;
  eventId: string;
  occurredAt: string;
}

/** Posts one event: its journal entry (or null), and the package's books after it. */
export function postToBooks(books: PackageBooks | null, { event, eventId, occurredAt }: RecordedPackageEvent): { entry: JournalEntry | null; books: PackageBooks | null } {
  if (event.type === 'PackagePurchased') {
    const entry = journalEntryFor(event, { eventId, occurredAt, currency: event.data.price.currency });
    return { entry, books: { currency: event.data.price.currency, redemptionEntries: {} } };
  }
  const reversedEntryId = event.type === 'RedemptionReversed' ? (books?.redemptionEntries[event.data.redemptionId] ?? null) : null;
  const entry = journalEntryFor(event, { eventId, occurredAt, currency: books?.currency ?? '', reversedEntryId });
  if (entry && !books) throw new Error(`Package ${event.data.packageId} moved value (${event.type} ${eventId}) but its purchase is not in the books`);
  if (!entry || !books) return { entry, books };
  if (event.type === 'SessionRedeemed') {
    return { entry, books: { ...books, redemptionEntries: { ...books.redemptionEntries, [event.data.redemptionId]: entry.entryId } } };
  }
  if (event.type === 'RedemptionReversed') {
    // A redemption id is never redeemed again, so its reversed entry need not be remembered.
    const { [event.data.redemptionId]: _, ...standing } = books.redemptionEntries;
    return { entry, books: { ...books, redemptionEntries: standing } };
  }
  return { entry, books };
}

/** Every entry a package's history makes, in order (one package; for specs and replays). */
export function journalOf(history: RecordedPackageEvent[]): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let books: PackageBooks | null = null;
  for (const recorded of history) {
    const posted = postToBooks(books, recorded);
    books = posted.books;
    if (posted.entry) entries.push(posted.entry);
  }
  return entries;
}
