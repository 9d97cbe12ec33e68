import {
  AccountCode,
  EntryKind,
  isPackageEvent,
  journalEntryFor,
  JournalEntry,
  MEASURE_NAMES,
  Measures,
  measuresOfEntry,
  PackageBooks,
  postToBooks,
} from '@punchcard/domain';
import { Projection } from '@punchcard/projection-runner';
import { DocumentKey } from '@punchcard/read-store';
import { ACCOUNTING_CURRENCIES, ACCOUNTING_DAYS, ACCOUNTING_PACKAGES, JOURNAL_LINES } from '../collections';

/**
 * The general journal of package money (docs/accounting.md): one document per journal line, plus
 * running totals per UTC day so reports add up days instead of lines. Entries come from the pure
 * `journalEntryFor`; corrections are new entries, so a line, once written, never changes.
 */

/** One line of a journal entry. Its id sorts by effective instant (exports page by id). */
export interface JournalLineDocument {
  entryId: string;
  lineNo: number;
  effectiveAt: string;
  account: AccountCode;
  debit: number;
  credit: number;
  currency: string;
  kind: EntryKind;
  sourceEventId: string;
  sourceEventType: string;
  packageId: string;
  /** The entry this line's entry corrects (reversals), else null. */
  reverses: string | null;
}

/**
 * Movements of one UTC day, every currency in one document: `{measure}_{currency}` fields
 * (`sales_EUR`, `liability_EUR`, ...) so the store can add them up across days in SQL.
 */
export type AccountingDayDocument = { day: string } & Record<string, number | string>;

/** The currencies a tenant has journal entries in. */
export interface AccountingCurrenciesDocument {
  currencies: string[];
}

export const ACCOUNTING_CURRENCIES_ID = 'all';

/** `${effectiveAt}~${eventId}~${lineNo}`: fixed-width parts, so ids sort by effective instant under any collation. */
export function journalLineId(effectiveAt: string, eventId: string, lineNo: number): string {
  return `${effectiveAt}~${eventId}~${lineNo}`;
}

/** A cursor after every line effective at or before `instant` (event ids are lowercase UUIDs; an entry has under 10 lines). */
export function journalCursorAfter(instant: string): string {
  return journalLineId(instant, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 9);
}

export function dayMeasureField(measure: keyof Measures, currency: string): string {
  return `${measure}_${currency}`;
}

/** The UTC day of a normalised instant. */
export const utcDay = (instant: string): string => instant.slice(0, 10);

export const accountingJournalProjection: Projection = {
  name: 'accounting-journal-v1',
  collections: [ACCOUNTING_PACKAGES, JOURNAL_LINES, ACCOUNTING_DAYS, ACCOUNTING_CURRENCIES],
  indexes: [
    { collection: JOURNAL_LINES, field: 'effectiveAt' },
    { collection: ACCOUNTING_DAYS, field: 'day' },
  ],
  keys(stored) {
    if (!isPackageEvent(stored)) return [];
    // The currency only labels lines: whether there is an entry, its ids and its day do not depend on it.
    const entry = journalEntryFor(stored, { eventId: stored.eventId, occurredAt: stored.metadata.occurredAt, currency: '' });
    if (!entry) return [];
    const tenantId = stored.metadata.tenantId;
    return [
      booksKey(tenantId, entry.packageId),
      dayKey(tenantId, entry.effectiveAt),
      ...entry.lines.map((_, i) => lineKey(tenantId, entry, i + 1)),
      ...(stored.type === 'PackagePurchased' ? [currenciesKey(tenantId)] : []),
    ];
  },
  apply(event, documents) {
    if (!isPackageEvent(event)) return;
    const tenantId = event.metadata.tenantId;
    const key = booksKey(tenantId, event.data.packageId);
    const books = documents.get<PackageBooks>(key);
    const posted = postToBooks(books, { event, eventId: event.eventId, occurredAt: event.metadata.occurredAt });
    if (posted.books && posted.books !== books) documents.put(key, posted.books);
    const entry = posted.entry;
    if (!entry) return;

    entry.lines.forEach((line, i) => {
      const document: JournalLineDocument = {
        entryId: entry.entryId,
        lineNo: i + 1,
        effectiveAt: entry.effectiveAt,
        account: line.account,
        debit: line.debit,
        credit: line.credit,
        currency: entry.currency,
        kind: entry.kind,
        sourceEventId: entry.sourceEventId,
        sourceEventType: entry.sourceEventType,
        packageId: entry.packageId,
        reverses: entry.reverses,
      };
      documents.put(lineKey(tenantId, entry, i + 1), document);
    });

    const day = { ...(documents.get<AccountingDayDocument>(dayKey(tenantId, entry.effectiveAt)) ?? { day: utcDay(entry.effectiveAt) }) };
    const measures = measuresOfEntry(entry);
    for (const measure of MEASURE_NAMES) {
      const field = dayMeasureField(measure, entry.currency);
      day[field] = Number(day[field] ?? 0) + measures[measure];
    }
    documents.put(dayKey(tenantId, entry.effectiveAt), day);

    if (event.type === 'PackagePurchased') {
      const known = documents.get<AccountingCurrenciesDocument>(currenciesKey(tenantId))?.currencies ?? [];
      if (!known.includes(entry.currency)) documents.put(currenciesKey(tenantId), { currencies: [...known, entry.currency].sort() } satisfies AccountingCurrenciesDocument);
    }
  },
};

const booksKey = (tenantId: string, packageId: string): DocumentKey => ({ collection: ACCOUNTING_PACKAGES, tenantId, id: packageId });
const dayKey = (tenantId: string, effectiveAt: string): DocumentKey => ({ collection: ACCOUNTING_DAYS, tenantId, id: utcDay(effectiveAt) });
const lineKey = (tenantId: string, entry: JournalEntry, lineNo: number): DocumentKey => ({
  collection: JOURNAL_LINES,
  tenantId,
  id: journalLineId(entry.effectiveAt, entry.sourceEventId, lineNo),
});
const currenciesKey = (tenantId: string): DocumentKey => ({ collection: ACCOUNTING_CURRENCIES, tenantId, id: ACCOUNTING_CURRENCIES_ID });
