import { evolvePackage, fromPackageView, initialPackageState, isPackageEvent, PackageEvent, PackageView, toPackageView } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { PACKAGES } from '../collections';

/** One document per package: balances and status for the package list and detail. */
export type PackageDocument = PackageView & { tenantId: string; version: number; updatedAt: string };

export const packagesProjection: Projection = {
  name: 'packages-v1',
  collections: [PACKAGES],
  // purchasedAt, expiresAt: the admin list's date-range filters.
  indexes: ['clientId', 'offeringId', 'status', 'purchasedAt', 'expiresAt'].map((field) => ({ collection: PACKAGES, field })),
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
