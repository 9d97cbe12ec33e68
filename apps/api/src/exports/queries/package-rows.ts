import { ClientDirectory } from '../../clients';
import { effectiveStatus } from '@punchcard/domain';
import { ReadStore, scan } from '@punchcard/read-store';
import { PackageDocument, PACKAGES } from '@punchcard/projections';
import { batches } from './batches';
import { PackageSelection } from './ledger-rows';

const PAGE = 500;

/** Sales and usage, one row per package. Amounts are integer minor units of `price_currency`, as in the API. */
export const PACKAGE_CSV_HEADER = [
  'package_id',
  'client_id',
  'client_name',
  'client_email',
  'offering_id',
  'offering_name',
  'purchased_at',
  'price_amount',
  'price_currency',
  'payment_method',
  'payment_reference',
  'credits_total',
  'credits_used',
  'credits_remaining',
  'credits_refunded',
  'credits_expired',
  'paid_value_remaining',
  'status',
  'expires_at',
] as const;

/**
 * Every package of the tenant (matching `packages`), in id order, a page at a time, each page joined with
 * the client directory in one query. An erased client leaves name and email empty. `status` is the
 * effective status at `now` (a package past its expiry is expired, as GET /v1/packages shows it).
 */
export async function* packageRows(store: ReadStore, clients: ClientDirectory, tenantId: string, packages: PackageSelection, now: string): AsyncGenerator<unknown[]> {
  for await (const page of batches(scan<PackageDocument>(store, PACKAGES, tenantId, { ...packages, pageSize: PAGE }), PAGE)) {
    const contactOf = await clients.contacts(tenantId, page.map((d) => d.data.clientId));
    for (const { data: p } of page) {
      const client = contactOf(p.clientId);
      yield [
        p.id,
        p.clientId,
        client?.name,
        client?.email,
        p.offeringId,
        p.offeringName,
        p.purchasedAt,
        p.price.amount,
        p.price.currency,
        p.payment.method,
        p.payment.reference,
        p.creditsTotal,
        p.creditsUsed,
        p.creditsRemaining,
        p.creditsRefunded,
        p.creditsForfeited,
        p.paidValueRemaining,
        effectiveStatus(p, now),
        p.expiresAt,
      ];
    }
  }
}
