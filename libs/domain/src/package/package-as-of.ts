import { decidePackage, evolvePackage, initialPackageState, isExpiredAt, PackageSnapshot, PackageState } from './package.decider';
import { PackageEvent } from './package.events';
import { PackageView, toPackageView } from './package.view';

/** A package event with its business time (`metadata.occurredAt` of the stored event). */
export interface DatedPackageEvent {
  event: PackageEvent;
  occurredAt: string;
}

export type PackageAsOf =
  | { existed: false }
  | {
      existed: true;
      view: PackageView;
      /** Stream version of the last event that had happened by then. */
      version: number;
      /** occurredAt of that event. */
      updatedAt: string;
      /**
       * The expiry had passed but the sweep had not recorded PackageExpired yet: the view shows it as
       * the sweep records it (expired, credits forfeited), because from expiresAt on nothing could use them.
       */
      expiryPending: boolean;
    };

// The redemption index only serves decisions on redemptions; evolve copies it on every redemption,
// which makes a long stream quadratic (100 ms for 1,000 redemptions). Like the packages read model,
// the as-of view leaves it empty: no balance depends on it.
const NO_REDEMPTIONS: PackageSnapshot['redemptions'] = Object.freeze({}) as PackageSnapshot['redemptions'];

function evolveWithoutIndex(state: PackageState, event: PackageEvent): PackageState {
  const next = evolvePackage(state, event);
  return next.exists ? { ...next, redemptions: NO_REDEMPTIONS } : next;
}

/**
 * The package as it stood at `asOf` (an ISO-8601 UTC instant): the stream's events that had happened
 * by then, in stream order, folded with the domain's evolve. occurredAt never decreases within a
 * stream, so that is a prefix of the stream. If the package had reached its expiry by then without
 * the sweep having recorded it, the domain's own ExpirePackage decision (decided at `asOf`) is
 * applied, so the answer is what the sweep would have recorded, not a restated rule.
 */
export function packageAsOf(events: readonly DatedPackageEvent[], asOf: string): PackageAsOf {
  const at = Date.parse(asOf);
  let state: PackageState = initialPackageState;
  let version = 0;
  let updatedAt = '';
  for (const { event, occurredAt } of events) {
    if (Date.parse(occurredAt) > at) break;
    state = evolveWithoutIndex(state, event);
    version++;
    updatedAt = occurredAt;
  }
  if (!state.exists) return { existed: false };

  let expiryPending = false;
  if (state.lifecycle === 'active' && isExpiredAt(state, asOf)) {
    // The zone does not matter to an expiry: expiresAt is an instant.
    const expiry = decidePackage({ type: 'ExpirePackage' }, state, { now: asOf, timezone: 'UTC' });
    state = expiry.reduce(evolveWithoutIndex, state);
    expiryPending = true;
  }
  return { existed: true, view: toPackageView(state as PackageSnapshot), version, updatedAt, expiryPending };
}
