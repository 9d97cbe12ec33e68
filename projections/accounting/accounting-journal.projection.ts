import {
  AccountCode,
  DEFAULT_RECOGNITION_BASIS,
  EntryKind,
  isAccountingPolicyEvent,
  isPackageEvent,
  journalEntriesFor,
  JournalEntry,
  MEASURE_NAMES,
  Measures,
  measuresOfEntry,
  PackageBooks,
  PaymentMethod,
  postToBooks,
  RECOGNITION_BASES,
  RecognitionBasis,
} from '@punchcard/domain';
import { DocumentSet, Projection } from '@punchcard/projection-runner';
import { DocumentKey } from '@punchcard/read-store';
import { ACCOUNTING_CURRENCIES, ACCOUNTING_DAYS, ACCOUNTING_PACKAGES, ACCOUNTING_POLICY, JOURNAL_LINES } from '../collections';

/**
 * The general journal of package money (docs/accounting.md): one document per journal line, plus
 * running totals per UTC day so reports add up days instead of lines. Entries come from the pure
 * `journalEntriesFor`; corrections are new entries, so a line, once written, never changes.
 */

/** One line of a journal entry. Its id sorts by effective instant (exports page by id). */
export interface JournalLineDocument {
  entryId: string;
  /** Position of the line in its entry. */
  lineNo: number;
  effectiveAt: string;
  account: AccountCode;
  debit: number;
  credit: number;
  currency: string;
  /** How the package was paid: reports and the export can be filtered by it. */
  paymentMethod: PaymentMethod;
  kind: EntryKind;
  sourceEventId: string;
  sourceEventType: string;
  packageId: string;
  /** The entry this line's entry corrects (reversals), else null. */
  reverses: string | null;
}

/**
 * Movements of one UTC day, every currency in one document: `{measure}_{currency}` fields
 * (`sales_EUR`, `liability_EUR`, ...) so the store can add them up across days in SQL, and the same
 * per payment method, `{measure}_{currency}_{method}` (`sales_EUR_card`), for filtered reports.
 */
export type AccountingDayDocument = { day: string } & Record<string, number | string>;

/** The currencies a tenant has journal entries in. */
export interface AccountingCurrenciesDocument {
  currencies: string[];
}

export const ACCOUNTING_CURRENCIES_ID = 'all';

/** The business's recognition basis as the journal saw it, event by event (the policy in force at each sale). */
export interface AccountingPolicyDocument {
  basis: RecognitionBasis;
}
export const ACCOUNTING_POLICY_ID = 'policy';

/**
 * `${effectiveAt}~${eventId}~${n}`, `n` numbering the event's lines across its entries: fixed-width
 * parts, so ids sort by effective instant under any collation.
 */
export function journalLineId(effectiveAt: string, eventId: string, n: number): string {
  return `${effectiveAt}~${eventId}~${n}`;
}

/** A cursor after every line effective at or before `instant` (event ids are lowercase UUIDs; an event has under 10 lines). */
export function journalCursorAfter(instant: string): string {
  return journalLineId(instant, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 9);
}

export function dayMeasureField(measure: keyof Measures, currency: string, paymentMethod: PaymentMethod | null = null): string {
  return paymentMethod === null ? `${measure}_${currency}` : `${measure}_${currency}_${paymentMethod}`;
}

/** The UTC day of a normalised instant. */
export const utcDay = (instant: string): string => instant.slice(0, 10);

export const accountingJournalProjection: Projection = {
  name: 'accounting-journal-v2',
  collections: [ACCOUNTING_PACKAGES, JOURNAL_LINES, ACCOUNTING_DAYS, ACCOUNTING_CURRENCIES, ACCOUNTING_POLICY],
  indexes: [
    { collection: JOURNAL_LINES, field: 'effectiveAt' },
    { collection: ACCOUNTING_DAYS, field: 'day' },
  ],
  keys(stored) {
    const tenantId = stored.metadata.tenantId;
    if (isAccountingPolicyEvent(stored)) return [policyKey(tenantId)];
    if (!isPackageEvent(stored)) return [];
    // Keys come from the event alone: the entries it could make on either basis name every day it may
    // touch. Currency and standing entry only label lines; they decide neither the days nor the ids.
    const possible = RECOGNITION_BASES.flatMap((basis) =>
      journalEntriesFor(stored, { eventId: stored.eventId, occurredAt: stored.metadata.occurredAt, currency: '', basis, standing: { entryId: '', value: 1 } }),
    );
    if (possible.length === 0) return [];
    return [
      booksKey(tenantId, stored.data.packageId),
      ...possible.map((entry) => dayKey(tenantId, entry.effectiveAt)),
      ...(stored.type === 'PackagePurchased' ? [currenciesKey(tenantId), policyKey(tenantId)] : []),
    ];
  },
  apply(event, documents) {
    const tenantId = event.metadata.tenantId;
    if (isAccountingPolicyEvent(event)) {
      documents.put(policyKey(tenantId), { basis: event.data.basis } satisfies AccountingPolicyDocument);
      return;
    }
    if (!isPackageEvent(event)) return;
    const key = booksKey(tenantId, event.data.packageId);
    const books = documents.get<PackageBooks>(key);
    // Only a sale reads the policy (keys name it for sales only): a package keeps the basis it was sold under.
    const basis = event.type === 'PackagePurchased' ? (documents.get<AccountingPolicyDocument>(policyKey(tenantId))?.basis ?? DEFAULT_RECOGNITION_BASIS) : undefined;
    const posted = postToBooks(books, { event, eventId: event.eventId, occurredAt: event.metadata.occurredAt }, basis);
    if (posted.books && posted.books !== books) documents.put(key, posted.books);
    if (posted.entries.length === 0 || !posted.books) return; // postToBooks refuses entries without books

    const paymentMethod = posted.books.paymentMethod;
    let n = 0;
    for (const entry of posted.entries) {
      entry.lines.forEach((line, i) => {
        const document: JournalLineDocument = {
          entryId: entry.entryId,
          lineNo: i + 1,
          effectiveAt: entry.effectiveAt,
          account: line.account,
          debit: line.debit,
          credit: line.credit,
          currency: entry.currency,
          paymentMethod,
          kind: entry.kind,
          sourceEventId: entry.sourceEventId,
          sourceEventType: entry.sourceEventType,
          packageId: entry.packageId,
          reverses: entry.reverses,
        };
        documents.put(lineKey(tenantId, entry, ++n), document);
      });
      addToDay(documents, tenantId, entry, paymentMethod);
    }

    if (event.type === 'PackagePurchased') {
      const currency = event.data.price.currency;
      const known = documents.get<AccountingCurrenciesDocument>(currenciesKey(tenantId))?.currencies ?? [];
      if (!known.includes(currency)) documents.put(currenciesKey(tenantId), { currencies: [...known, currency].sort() } satisfies AccountingCurrenciesDocument);
    }
  },
};

function addToDay(documents: DocumentSet, tenantId: string, entry: JournalEntry, paymentMethod: PaymentMethod): void {
  const key = dayKey(tenantId, entry.effectiveAt);
  const day = { ...(documents.get<AccountingDayDocument>(key) ?? { day: utcDay(entry.effectiveAt) }) };
  const measures = measuresOfEntry(entry);
  for (const measure of MEASURE_NAMES) {
    for (const field of [dayMeasureField(measure, entry.currency), dayMeasureField(measure, entry.currency, paymentMethod)]) {
      day[field] = Number(day[field] ?? 0) + measures[measure];
    }
  }
  documents.put(key, day);
}

const booksKey = (tenantId: string, packageId: string): DocumentKey => ({ collection: ACCOUNTING_PACKAGES, tenantId, id: packageId });
const dayKey = (tenantId: string, effectiveAt: string): DocumentKey => ({ collection: ACCOUNTING_DAYS, tenantId, id: utcDay(effectiveAt) });
const lineKey = (tenantId: string, entry: JournalEntry, n: number): DocumentKey => ({
  collection: JOURNAL_LINES,
  tenantId,
  id: journalLineId(entry.effectiveAt, entry.sourceEventId, n),
});
const policyKey = (tenantId: string): DocumentKey => ({ collection: ACCOUNTING_POLICY, tenantId, id: ACCOUNTING_POLICY_ID });
const currenciesKey = (tenantId: string): DocumentKey => ({ collection: ACCOUNTING_CURRENCIES, tenantId, id: ACCOUNTING_CURRENCIES_ID });
