import {
  ACCOUNTS,
  addMeasures,
  EntryKind,
  formatMinor,
  localDateOf,
  MEASURE_NAMES,
  Measures,
  measuresOfLiability,
  minorDigits,
  PaymentMethod,
  Rollforward,
  rollforward,
  zeroMeasures,
} from '@punchcard/domain';
import { ReadStore, scan, SnapshotReader } from '@punchcard/read-store';
import {
  ACCOUNTING_CURRENCIES,
  ACCOUNTING_CURRENCIES_ID,
  ACCOUNTING_DAYS,
  AccountingCurrenciesDocument,
  dayMeasureField,
  journalCursorAfter,
  JOURNAL_LINES,
  JournalLineDocument,
  utcDay,
} from '@punchcard/projections';

export interface CurrencyLiability {
  currency: string;
  minorDigits: number;
  liability: number;
}

export type CurrencyRollforward = { currency: string; minorDigits: number } & Rollforward;

export const JOURNAL_CSV_HEADER = [
  'entry_id',
  'effective_date',
  'account',
  'debit',
  'credit',
  'currency',
  'source_event_id',
  'package_id',
  'line',
  'effective_at',
  'kind',
  'source_event_type',
  'reverses_entry_id',
  'payment_method',
] as const;

/**
 * Accounting reports from the accounting-journal read model. Running totals as of an instant are the
 * whole UTC days before it (day documents, added up in the store) plus the lines of its own day up to
 * it, so a report reads a bounded number of rows however long the history. Instants are inclusive:
 * "as of T" counts everything effective at or before T, and a period (from, to] runs from just after
 * `from` through `to`, so consecutive periods neither overlap nor leave a gap. With a payment method,
 * only the entries of packages paid that way count (every currency the tenant sold in is still listed).
 */
export class AccountingReports {
  constructor(private readonly store: ReadStore) {}

  /** Read in one snapshot: the currencies and the sums all see the same projected state. */
  async contractLiability(tenantId: string, asOf: string, paymentMethod: PaymentMethod | null = null): Promise<CurrencyLiability[]> {
    return this.store.readInSnapshot(async (reader) => {
      const currencies = await this.currencies(reader, tenantId);
      const totals = await this.totalsAsOf(reader, tenantId, asOf, currencies, paymentMethod);
      return currencies.map((currency) => ({ currency, minorDigits: minorDigits(currency), liability: totals.get(currency)!.liability }));
    });
  }

  /** Read in one snapshot: the opening and closing totals see the same projected state. */
  async liabilityRollforward(tenantId: string, from: string, to: string, paymentMethod: PaymentMethod | null = null): Promise<CurrencyRollforward[]> {
    return this.store.readInSnapshot(async (reader) => {
      const currencies = await this.currencies(reader, tenantId);
      const [atStart, atEnd] = await Promise.all([
        this.totalsAsOf(reader, tenantId, from, currencies, paymentMethod),
        this.totalsAsOf(reader, tenantId, to, currencies, paymentMethod),
      ]);
      return currencies.map((currency) => ({ currency, minorDigits: minorDigits(currency), ...rollforward(atStart.get(currency)!, atEnd.get(currency)!) }));
    });
  }

  /**
   * CSV records of every journal line effective in (from, to], in effective order, a page at a time.
   * `effective_date` is the local date of the effective instant in the business's time zone.
   */
  async *journalRows(tenantId: string, from: string | null, to: string, timezone: string, paymentMethod: PaymentMethod | null = null): AsyncGenerator<unknown[]> {
    const after = from === null ? undefined : journalCursorAfter(from);
    for await (const { data: line } of scan<JournalLineDocument>(this.store, JOURNAL_LINES, tenantId, { after })) {
      if (line.effectiveAt > to) return;
      if (paymentMethod !== null && line.paymentMethod !== paymentMethod) continue;
      yield [
        line.entryId,
        localDateOf(line.effectiveAt, timezone),
        line.account,
        line.debit ? formatMinor(line.debit, line.currency) : '',
        line.credit ? formatMinor(line.credit, line.currency) : '',
        line.currency,
        line.sourceEventId,
        line.packageId,
        line.lineNo,
        line.effectiveAt,
        line.kind,
        line.sourceEventType,
        line.reverses ?? '',
        line.paymentMethod,
      ];
    }
  }

  private async currencies(reader: SnapshotReader, tenantId: string): Promise<string[]> {
    const document = await reader.get<AccountingCurrenciesDocument>({ collection: ACCOUNTING_CURRENCIES, tenantId, id: ACCOUNTING_CURRENCIES_ID });
    return document?.currencies ?? [];
  }

  /** Running totals per currency of everything effective at or before `instant`. */
  private async totalsAsOf(reader: SnapshotReader, tenantId: string, instant: string, currencies: string[], paymentMethod: PaymentMethod | null): Promise<Map<string, Measures>> {
    const totals = new Map(currencies.map((currency) => [currency, zeroMeasures()]));
    if (currencies.length === 0) return totals;
    const day = utcDay(instant);
    const field = (measure: keyof Measures, currency: string) => dayMeasureField(measure, currency, paymentMethod);
    const fields = currencies.flatMap((currency) => MEASURE_NAMES.map((measure) => field(measure, currency)));
    const [wholeDays, partialDay] = await Promise.all([
      reader.sum(ACCOUNTING_DAYS, tenantId, { where: { day: { lt: day } }, groupBy: [], fields }),
      reader.sum(JOURNAL_LINES, tenantId, {
        where: { effectiveAt: { gte: `${day}T00:00:00.000Z`, lte: instant }, account: ACCOUNTS.contractLiability, ...(paymentMethod === null ? {} : { paymentMethod }) },
        groupBy: ['currency', 'kind'],
        fields: ['debit', 'credit'],
      }),
    ]);
    for (const row of wholeDays) {
      for (const currency of currencies) {
        const days = Object.fromEntries(MEASURE_NAMES.map((measure) => [measure, row.sums[field(measure, currency)]])) as unknown as Measures;
        totals.set(currency, addMeasures(totals.get(currency)!, days));
      }
    }
    for (const { group, sums } of partialDay) {
      const currency = group.currency!;
      const lines = measuresOfLiability(group.kind as EntryKind, sums.debit, sums.credit);
      totals.set(currency, addMeasures(totals.get(currency) ?? zeroMeasures(), lines));
    }
    return totals;
  }
}
