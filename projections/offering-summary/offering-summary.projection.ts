import { evolveOffering, offeringFieldsOf, initialOfferingState, isOfferingEvent, isPackageEvent, OfferingEvent, OfferingFields, OfferingState, OfferingStatus, PackageEvent } from '@punchcard/domain';
import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { OFFERINGS } from '../collections';

/**
 * An offering with what has been sold from it. `creditsGranted` counts purchases and adjustments.
 * A deleted offering keeps its document (deleted: true): its packages and reports still refer to it.
 */
export type OfferingDocument = OfferingFields & {
  id: string;
  tenantId: string;
  status: OfferingStatus;
  deleted: boolean;
  createdAt: string;
  packagesSold: number;
  creditsGranted: number;
  creditsUsed: number;
  creditsRefunded: number;
  creditsForfeited: number;
  /** Credits revoked by lost payment disputes. */
  creditsRevoked: number;
};

const EMPTY_USAGE = { packagesSold: 0, creditsGranted: 0, creditsUsed: 0, creditsRefunded: 0, creditsForfeited: 0, creditsRevoked: 0 };

export const offeringSummaryProjection: Projection = {
  // v2: booking terms and `deleted` joined the document.
  name: 'offering-summary-v3',
  // deleted is not indexed: the list filters it together with the tenant, and few offerings are deleted.
  collections: [OFFERINGS],
  indexes: [{ collection: OFFERINGS, field: 'status' }],
  keys: (event) => (isOfferingEvent(event) || isPackageEvent(event) ? [offeringKey(event)] : []),
  apply(stored, documents) {
    if (!isOfferingEvent(stored) && !isPackageEvent(stored)) return;
    const key = offeringKey(stored);
    const current = documents.get<OfferingDocument>(key);
    if (isOfferingEvent(stored)) {
      // A document already there at OfferingCreated (the stream's first event) was left by an older
      // version of this projection: start afresh, or its usage would be counted twice.
      const previous = stored.type === 'OfferingCreated' ? null : current;
      const before: OfferingState = previous ? { exists: true, offeringId: previous.id, ...previous } : initialOfferingState;
      const state = evolveOffering(before, stored);
      if (!state.exists) return;
      documents.put(key, {
        ...EMPTY_USAGE,
        ...previous,
        id: state.offeringId,
        tenantId: stored.metadata.tenantId,
        createdAt: previous?.createdAt ?? stored.metadata.occurredAt,
        ...offeringFieldsOf(state),
        status: state.status,
        deleted: state.deleted,
      } satisfies OfferingDocument);
      return;
    }
    if (!current) return; // a package of an offering this projection never saw created (not expected)
    documents.put(key, { ...current, ...usageChange(current, stored) });
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
    case 'CreditsRevoked':
      return { creditsRevoked: doc.creditsRevoked + event.data.credits };
    case 'ExpiryChanged':
    case 'SessionRescheduled':
    case 'SessionForfeited':
    case 'PackageFrozen':
    case 'PackageUnfrozen':
    case 'CardRefundRequested': // counted as refunded when Stripe has refunded them (PackageRefunded)
    case 'CardRefundFailed':
      return {};
  }
}

function offeringKey(event: StoredEvent & (OfferingEvent | PackageEvent)) {
  return { collection: OFFERINGS, tenantId: event.metadata.tenantId, id: event.data.offeringId };
}
