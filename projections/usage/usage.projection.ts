import { StoredEvent } from '@punchcard/event-store';
import { Projection } from '@punchcard/projection-runner';
import { FieldIndex } from '@punchcard/read-store';
import { CLIENT_USAGE, OFFERING_USAGE } from '../collections';
import { countEvent, EMPTY_COUNTERS, isUsageEvent, UsageCounters, UsageEvent } from './usage-counters';

export * from './usage-counters';

/** The client table's filters. They never overlap, so each row sits in exactly one (or neither). */
export type ClientUsageFilter = 'fully_used' | 'not_booked';

/** One document per offering: its usage dashboard. The id is the offering id. */
export type OfferingUsageDocument = UsageCounters & {
  offeringId: string;
  /** Clients holding (or having held) a package of the offering, and how many of them each filter shows. */
  clients: number;
  clientsFullyUsed: number;
  clientsNotBooked: number;
};

/** One document per offering and client: a row of the client usage table. The id is `{offeringId}:{clientId}`. */
export type ClientUsageDocument = UsageCounters & {
  id: string;
  offeringId: string;
  clientId: string;
  /** `{offeringId}:{fully_used|not_booked|other}`: leads the indexes of a filtered, sorted page. */
  offeringFilter: string;
  /** lastBookingAt, or '' when never booked: sort keys are never null (adapters disagree on where null sorts). */
  lastBookingSort: string;
};

/** The client table's sort keys and the document fields behind them (each indexed with and without a filter). */
/** Sort keys of the client usage table, by the API vocabulary; `booked`, `limit` and `left` are the deprecated names of the first three. */
export const CLIENT_USAGE_SORTS = {
  creditsUsed: { field: 'booked', numeric: true },
  creditsTotal: { field: 'granted', numeric: true },
  creditsRemaining: { field: 'left', numeric: true },
  attended: { field: 'attended', numeric: true },
  lastBookingAt: { field: 'lastBookingSort', numeric: false },
  booked: { field: 'booked', numeric: true },
  limit: { field: 'granted', numeric: true },
  left: { field: 'left', numeric: true },
} as const;
export type ClientUsageSort = keyof typeof CLIENT_USAGE_SORTS;

/** fully_used: sessions were booked and none is left to book; not_booked: nothing is booked (now). */
export function filterOf(counters: UsageCounters): ClientUsageFilter | null {
  if (counters.booked === 0) return 'not_booked';
  return counters.left === 0 ? 'fully_used' : null;
}

export const offeringFilterKey = (offeringId: string, filter: ClientUsageFilter | null) => `${offeringId}:${filter ?? 'other'}`;
export const clientUsageId = (offeringId: string, clientId: string) => `${offeringId}:${clientId}`;

// One index per sorted field (an alias shares its field's index).
const SORTED_FIELDS = [...new Map(Object.values(CLIENT_USAGE_SORTS).map((sort) => [sort.field, sort])).values()];
const indexes: FieldIndex[] = SORTED_FIELDS.flatMap(({ field, numeric }) =>
  ['offeringId', 'offeringFilter'].map((within) => ({ collection: CLIENT_USAGE, within, field, numeric })),
);

export const usageProjection: Projection = {
  name: 'usage-v1',
  collections: [OFFERING_USAGE, CLIENT_USAGE],
  indexes,
  keys: (event) => (isUsageEvent(event) ? [offeringKey(event), clientKey(event)] : []),
  apply(stored, documents) {
    if (!isUsageEvent(stored)) return;
    const { offeringId, clientId } = stored.data;
    const offeringBefore = documents.get<OfferingUsageDocument>(offeringKey(stored));
    const clientBefore = documents.get<ClientUsageDocument>(clientKey(stored));

    const counters = countEvent(pick(clientBefore), stored);
    const filter = filterOf(counters);
    documents.put(clientKey(stored), {
      ...counters,
      id: clientUsageId(offeringId, clientId),
      offeringId,
      clientId,
      offeringFilter: offeringFilterKey(offeringId, filter),
      lastBookingSort: counters.lastBookingAt ?? '',
    } satisfies ClientUsageDocument);

    // The offering's filter tallies follow its client's row from the filter it was in to the one it is in.
    const previousFilter = clientBefore ? filterOf(clientBefore) : undefined;
    const tally = (of: ClientUsageFilter) => (filter === of ? 1 : 0) - (previousFilter === of ? 1 : 0);
    documents.put(offeringKey(stored), {
      ...countEvent(pick(offeringBefore), stored),
      offeringId,
      clients: (offeringBefore?.clients ?? 0) + (clientBefore ? 0 : 1),
      clientsFullyUsed: (offeringBefore?.clientsFullyUsed ?? 0) + tally('fully_used'),
      clientsNotBooked: (offeringBefore?.clientsNotBooked ?? 0) + tally('not_booked'),
    } satisfies OfferingUsageDocument);
  },
};

/** Only the counters of a stored document (its other fields are recomputed). */
function pick(document: UsageCounters | null): UsageCounters {
  if (!document) return EMPTY_COUNTERS;
  return Object.fromEntries(Object.keys(EMPTY_COUNTERS).map((k) => [k, document[k as keyof UsageCounters]])) as unknown as UsageCounters;
}

function offeringKey(event: StoredEvent & UsageEvent) {
  return { collection: OFFERING_USAGE, tenantId: event.metadata.tenantId, id: event.data.offeringId };
}

function clientKey(event: StoredEvent & UsageEvent) {
  const { offeringId, clientId } = event.data;
  return { collection: CLIENT_USAGE, tenantId: event.metadata.tenantId, id: clientUsageId(offeringId, clientId) };
}
