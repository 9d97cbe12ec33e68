import { evolveOffering, initialOfferingState, OfferingEvent, OfferingFields, OfferingState, OfferingStatus, PackageEvent } from '../../libs/domain/src';
import { StoredEvent } from '../../libs/event-store/src/event-store.port';
import { Projection } from '../../libs/projection-runner/src/projection';
import { OFFERING_EVENT_TYPES, OFFERINGS, PACKAGE_EVENT_TYPES } from '../collections';

/** An offering with what has been sold from it. `creditsGranted` counts purchases and adjustments. */
export type OfferingDocument = OfferingFields & {
  id: string;
  tenantId: string;
  status: OfferingStatus;
  createdAt: string;
  packagesSold: number;
  creditsGranted: number;
  creditsUsed: number;
  creditsRefunded: number;
  creditsForfeited: number;
};

const EMPTY_USAGE = { packagesSold: 0, creditsGranted: 0, creditsUsed: 0, creditsRefunded: 0, creditsForfeited: 0 };

export const offeringSummaryProjection: Projection = {
  name: 'offering-summary-v1',
  collections: [OFFERINGS],
  indexes: [{ collection: OFFERINGS, field: 'status' }],
  keys: (event) => (OFFERING_EVENT_TYPES.has(event.type) || PACKAGE_EVENT_TYPES.has(event.type) ? [offeringKey(event)] : []),
  apply(stored, documents) {
    const key = offeringKey(stored);
    const current = documents.get<OfferingDocument>(key);
    if (OFFERING_EVENT_TYPES.has(stored.type)) {
      const before: OfferingState = current ? { exists: true, offeringId: current.id, ...current } : initialOfferingState;
      const state = evolveOffering(before, stored as unknown as OfferingEvent);
      if (!state.exists) return;
      const { name, description, sessionCount, price, validity, status } = state;
      documents.put(key, {
        ...EMPTY_USAGE,
        ...current,
        id: state.offeringId,
        tenantId: stored.metadata.tenantId,
        createdAt: current?.createdAt ?? stored.metadata.occurredAt,
        name,
        description,
        sessionCount,
        price,
        validity,
        status,
      } satisfies OfferingDocument);
      return;
    }
    if (!current) return; // a package of an offering this projection never saw created (not expected)
    documents.put(key, { ...current, ...usageChange(current, stored as unknown as PackageEvent) });
  },
};

function usageChange(doc: OfferingDocument, event: PackageEvent): Partial<OfferingDocument> {
  switch (event.type) {
    case 'PackagePurchased':
      return { packagesSold: doc.packagesSold + 1, creditsGranted: doc.creditsGranted + event.data.credits };
    case 'SessionRedeemed':
      return { creditsUsed: doc.creditsUsed + 1 };
    case 'RedemptionReversed':
      return { creditsUsed: doc.creditsUsed - 1 };
    case 'CreditsAdjusted':
      return { creditsGranted: doc.creditsGranted + event.data.delta };
    case 'PackageExpired':
      return { creditsForfeited: doc.creditsForfeited + event.data.creditsForfeited };
    case 'PackageRefunded':
      return { creditsRefunded: doc.creditsRefunded + event.data.credits };
    case 'ExpiryChanged':
      return {};
  }
}

function offeringKey(event: StoredEvent) {
  return { collection: OFFERINGS, tenantId: event.metadata.tenantId, id: (event.data as { offeringId: string }).offeringId };
}
