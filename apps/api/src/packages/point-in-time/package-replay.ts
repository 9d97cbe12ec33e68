import { Inject, Injectable } from '@nestjs/common';
import { isPackageEvent, packageAsOf, packageStreamId, PackageView, withCreditsExpired } from '@punchcard/domain';
import { EventStore } from '@punchcard/event-store';
import { EVENT_STORE } from '../../tokens';

/** A package as of an instant: the package view, plus what makes it a past answer. */
export type ReplayedPackage = PackageView & {
  creditsExpired: number;
  asOf: string;
  /** Stream version of the last event that had happened by `asOf`, and its occurredAt. */
  version: number;
  updatedAt: string;
  /** Past its expiry by then without a recorded PackageExpired: shown as the sweep records it. */
  expiryPending: boolean;
};

export type ReplayResult =
  | { kind: 'found'; package: ReplayedPackage }
  /** The package exists, but was bought after `asOf`. */
  | { kind: 'not_purchased_yet'; purchasedAt: string }
  | { kind: 'not_found' };

/**
 * Replays a package's stream from the event store (which upcasts it, as for every reader) through the
 * domain's evolve (libs/domain package-as-of). The one read path that reads events, not documents:
 * read models keep only the present.
 */
@Injectable()
export class PackageReplay {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async asOf(tenantId: string, packageId: string, asOf: string): Promise<ReplayResult> {
    const stored = await this.eventStore.readStream(packageStreamId(packageId));
    // Another tenant's package is indistinguishable from a missing one.
    if (stored.length === 0 || stored[0].metadata.tenantId !== tenantId) return { kind: 'not_found' };
    const events = stored.filter(isPackageEvent).map((e) => ({ event: e, occurredAt: e.metadata.occurredAt }));
    const result = packageAsOf(events, asOf);
    if (!result.existed) {
      const first = events[0].event;
      return { kind: 'not_purchased_yet', purchasedAt: first.type === 'PackagePurchased' ? first.data.purchasedAt : events[0].occurredAt };
    }
    const { view, version, updatedAt, expiryPending } = result;
    return { kind: 'found', package: withCreditsExpired({ ...view, asOf, version, updatedAt, expiryPending }) };
  }
}
