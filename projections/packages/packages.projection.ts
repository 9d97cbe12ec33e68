import { evolvePackage, fromPackageView, initialPackageState, isPackageEvent, PackageEvent, PackageStatus, PackageView, toPackageView } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { FindQuery } from '@punchcard/read-store';
import { PACKAGES } from '../collections';

/** One document per package: balances and status for the package list and detail. */
export type PackageDocument = PackageView & { tenantId: string; version: number; updatedAt: string };

export const packagesProjection: Projection = {
  name: 'packages-v2',
  collections: [PACKAGES],
  // purchasedAt, expiresAt: the admin list's date-range filters; status and expiresAt also serve the
  // effective-status filter (packagesWithStatus); offeringName: the text search finds the names sold
  // under that match (distinctValues), then the packages by name.
  indexes: ['clientId', 'offeringId', 'offeringName', 'status', 'purchasedAt', 'expiresAt'].map((field) => ({ collection: PACKAGES, field })),
  keys: (event) => (isPackageEvent(event) ? [packageKey(event)] : []),
  apply(event, documents) {
    if (!isPackageEvent(event)) return;
    const key = packageKey(event);
    const current = documents.get<PackageDocument>(key);
    const state = evolvePackage(current ? fromPackageView(current) : initialPackageState, event);
    if (!state.exists) return;
    const document: PackageDocument = {
      ...toPackageView(state),
      tenantId: event.metadata.tenantId,
      version: event.streamVersion,
      updatedAt: event.metadata.occurredAt,
    };
    documents.put(key, document);
  },
};

function packageKey(event: StoredEvent & PackageEvent) {
  return { collection: PACKAGES, tenantId: event.metadata.tenantId, id: event.data.packageId };
}

/**
 * The conditions that select packages whose effective status at `now` is `status` (the domain's
 * effectiveStatus): an active or used-up package whose expiry has passed counts as expired before the
 * sweep records it. Served by the status and expiresAt indexes.
 */
export function packagesWithStatus(status: PackageStatus, now: string): Pick<FindQuery, 'where' | 'anyOf'> {
  switch (status) {
    case 'expired':
      return { anyOf: [{ status: 'expired' }, { status: { in: ['active', 'used_up'] }, expiresAt: { lte: now } }] };
    case 'active':
    case 'used_up':
      return { where: { status }, anyOf: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    default:
      return { where: { status } };
  }
}
