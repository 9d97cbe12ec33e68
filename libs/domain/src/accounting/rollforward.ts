import { ACCOUNTS, EntryKind, JournalEntry } from './journal';

/**
 * Contract liability (deferred revenue) and its movements, from the liability lines of journal
 * entries. `Measures` are running totals up to an instant; a period's rollforward is the difference
 * of two of them. Every liability line counts in `liability` and in exactly one movement column,
 * so opening + sales − recognised − breakage − refunds − chargebacks = closing holds to the cent.
 */
export interface Measures {
  sales: number;
  /** Redemptions, net of their reversals. */
  recognised: number;
  /** Expired paid credits, plus paid credits removed by an admin. */
  breakage: number;
  /** Liability released by refunds: the refunded credits' value (the money paid back may be less). */
  refunds: number;
  /** Liability released by lost payment disputes: the revoked credits' value. */
  chargebacks: number;
  /** Liability balance change: credits − debits on contract_liability. */
  liability: number;
}
export const MEASURE_NAMES = ['sales', 'recognised', 'breakage', 'refunds', 'chargebacks', 'liability'] as const satisfies readonly (keyof Measures)[];

export const zeroMeasures = (): Measures => ({ sales: 0, recognised: 0, breakage: 0, refunds: 0, chargebacks: 0, liability: 0 });

/** The rollforward column each kind of entry moves. */
const COLUMN: Record<EntryKind, Exclude<keyof Measures, 'liability'>> = {
  sale: 'sales',
  recognition: 'recognised',
  recognition_reversal: 'recognised',
  credit_removal: 'breakage',
  breakage: 'breakage',
  refund: 'refunds',
  chargeback: 'chargebacks',
};

/** What liability lines of one kind, adding up to `debit` and `credit`, contribute. */
export function measuresOfLiability(kind: EntryKind, debit: number, credit: number): Measures {
  const measures = zeroMeasures();
  const column = COLUMN[kind];
  // Sales increase the liability; every other column decreases it (a reversal counts negative).
  measures[column] = column === 'sales' ? credit - debit : debit - credit;
  measures.liability = credit - debit;
  return measures;
}

export function measuresOfEntry(entry: JournalEntry): Measures {
  return entry.lines
    .filter((line) => line.account === ACCOUNTS.contractLiability)
    .reduce((total, line) => addMeasures(total, measuresOfLiability(entry.kind, line.debit, line.credit)), zeroMeasures());
}

export function addMeasures(a: Measures, b: Measures): Measures {
  return {
    sales: a.sales + b.sales,
    recognised: a.recognised + b.recognised,
    breakage: a.breakage + b.breakage,
    refunds: a.refunds + b.refunds,
    chargebacks: a.chargebacks + b.chargebacks,
    liability: a.liability + b.liability,
  };
}

export interface Rollforward {
  opening: number;
  sales: number;
  recognised: number;
  breakage: number;
  refunds: number;
  chargebacks: number;
  closing: number;
  /** closing − (opening + sales − recognised − breakage − refunds − chargebacks): always 0 when the books are whole. */
  difference: number;
}

/** A period's rollforward from the running totals at its start and at its end. */
export function rollforward(atStart: Measures, atEnd: Measures): Rollforward {
  const sales = atEnd.sales - atStart.sales;
  const recognised = atEnd.recognised - atStart.recognised;
  const breakage = atEnd.breakage - atStart.breakage;
  const refunds = atEnd.refunds - atStart.refunds;
  const chargebacks = atEnd.chargebacks - atStart.chargebacks;
  const opening = atStart.liability;
  const closing = atEnd.liability;
  return { opening, sales, recognised, breakage, refunds, chargebacks, closing, difference: closing - (opening + sales - recognised - breakage - refunds - chargebacks) };
}
