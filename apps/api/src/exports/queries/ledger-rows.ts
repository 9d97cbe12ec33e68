import { FindQuery, ReadStore, scan } from '@punchcard/read-store';
import { LEDGER_ENTRIES, LedgerEntry, ledgerEntryIds, PackageDocument, PACKAGES } from '@punchcard/projections';
import { batches } from './batches';

/** Packages whose entries one ledger query asks for (by the indexed packageId). */
const PACKAGES_PER_QUERY = 100;

/** Which packages an export covers (the packages read model's conditions). */
export type PackageSelection = Pick<FindQuery, 'where' | 'anyOf'>;

/** Every credit movement with the balance after it. `amount` is integer minor units of `amount_currency`. */
export const LEDGER_CSV_HEADER = [
  'entry_id',
  'package_id',
  'client_id',
  'offering_id',
  'sequence',
  'occurred_at',
  'type',
  'delta',
  'balance',
  'credit_kind',
  'paid_delta',
  'goodwill_delta',
  'redemption_id',
  'booking_id',
  'service_id',
  'session_at',
  'amount',
  'amount_currency',
  'reason',
  'rule',
  'note',
  'previous_expires_at',
  'expires_at',
  'actor_id',
  'actor_role',
  'event_id',
] as const;

export function ledgerRow(e: LedgerEntry): unknown[] {
  return [
    e.id,
    e.packageId,
    e.clientId,
    e.offeringId,
    e.sequence,
    e.occurredAt,
    e.type,
    e.delta,
    e.balance,
    e.creditKind,
    e.paidDelta,
    e.goodwillDelta,
    e.redemptionId,
    e.bookingId,
    e.serviceId,
    e.sessionAt,
    e.amount?.amount,
    e.amount?.currency,
    e.reason,
    e.rule,
    e.note,
    e.previousExpiresAt,
    e.expiresAt,
    e.actor.id,
    e.actor.role,
    e.eventId,
  ];
}

/**
 * The tenant's ledger entries in id order (package, then stream order). With a package filter
 * (offering, client, status), the packages come from the packages read model's indexes and their
 * entries from the ledger's packageId index, so a filtered export reads only what it writes.
 */
export async function* ledgerEntries(store: ReadStore, tenantId: string, packages: PackageSelection): AsyncGenerator<LedgerEntry> {
  if (!packages.anyOf && Object.keys(packages.where ?? {}).length === 0) {
    for await (const { data } of scan<LedgerEntry>(store, LEDGER_ENTRIES, tenantId)) yield data;
    return;
  }
  // Packages come in id order and entry ids start with their package id, so the output stays in id order.
  for await (const page of batches(scan<PackageDocument>(store, PACKAGES, tenantId, packages), PACKAGES_PER_QUERY)) {
    const packageId = { in: page.map((p) => p.id) };
    // The id range from the page's first package to its last keeps the scan on the primary key (the
    // packageId index cannot serve a filter under row-level security).
    const idBetween = { from: ledgerEntryIds(page[0].id).from, to: ledgerEntryIds(page[page.length - 1].id).to };
    for await (const { data } of scan<LedgerEntry>(store, LEDGER_ENTRIES, tenantId, { where: { packageId }, idBetween })) yield data;
  }
}

export async function* ledgerRows(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<unknown[]> {
  for await (const entry of entries) yield ledgerRow(entry);
}
