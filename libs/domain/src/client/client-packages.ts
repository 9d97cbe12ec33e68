import { Evolver } from '../shared/decider';
import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';

/**
 * `client-{clientId}-packages`: the index of a client's packages, one `ClientPackageAdded` per sale,
 * appended in the sale's own atomic append. Booking decisions read the client's packages from here
 * (not from a read model that may lag) and the append asserts this stream's version: a package sold
 * while a booking is being decided makes that booking decide again (weekly caps count every
 * package of the offering). Packages sold before this stream existed are not in it (see ADR 0016).
 */
export type ClientPackageAdded = {
  type: 'ClientPackageAdded';
  data: { clientId: string; packageId: string; offeringId: string };
};
export type ClientPackagesEvent = ClientPackageAdded;
export type ClientPackagesEventType = ClientPackagesEvent['type'];

export const CLIENT_PACKAGES_SCHEMA_VERSIONS = {
  ClientPackageAdded: 1,
} satisfies SchemaVersions<ClientPackagesEventType>;

export const CLIENT_PACKAGES_EVENT_TYPES = eventTypeSet(CLIENT_PACKAGES_SCHEMA_VERSIONS);
export const isClientPackagesEvent = eventGuard<ClientPackagesEvent>(CLIENT_PACKAGES_EVENT_TYPES);

export interface ClientPackagesState {
  packageIds: string[];
}

export const clientPackagesStreamId = (clientId: string) => `client-${clientId}-packages`;

export const clientPackagesDecider: Evolver<ClientPackagesState, ClientPackagesEvent> = {
  initialState: { packageIds: [] },
  evolve: (state, event) => (state.packageIds.includes(event.data.packageId) ? state : { packageIds: [...state.packageIds, event.data.packageId] }),
};
