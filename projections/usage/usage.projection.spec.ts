import { StoredEvent } from '@punchcard/event-store';
import { DocumentSet } from '@punchcard/projection-runner';
import { DocumentKey } from '@punchcard/read-store';
import { CLIENT_USAGE, OFFERING_USAGE } from '../collections';
import { ClientUsageDocument, OfferingUsageDocument, usageProjection } from './usage.projection';

const TENANT = 't-1';
const OFFERING = '0190a000-0000-7000-8000-00000000000f';
const ADA = '0190a000-0000-7000-8000-0000000000a1';
const ALAN = '0190a000-0000-7000-8000-0000000000a2';

/** Applies events the way the runner does: the documents `keys` names, loaded (frozen) before `apply`. */
function run(events: StoredEvent[]): Map<string, unknown> {
  const store = new Map<string, unknown>();
  const id = (key: DocumentKey) => `${key.collection}|${key.id}`;
  for (const event of events) {
    const loaded = new Map<string, unknown>(usageProjection.keys(event).map((key) => [id(key), deepFreeze(structuredClone(store.get(id(key)) ?? null))]));
    const documents: DocumentSet = {
      get: <T>(key: DocumentKey) => (loaded.get(id(key)) ?? null) as T | null,
      put: (key, data) => {
        loaded.set(id(key), data);
        store.set(id(key), data);
      },
      delete: (key) => store.delete(id(key)),
    };
    usageProjection.apply(event, documents);
  }
  return store;
}

let version = 0;
function event(type: string, clientId: string, data: Record<string, unknown> = {}, occurredAt = '2027-01-10T10:00:00.000Z'): StoredEvent {
  version += 1;
  return {
    eventId: `e-${version}`,
    type,
    schemaVersion: 1,
    data: { packageId: `p-${clientId}`, offeringId: OFFERING, clientId, ...data },
    metadata: { tenantId: TENANT, actor: { id: 'api-key:x', role: 'admin' }, correlationId: 'c', causationId: null, idempotencyKey: null, occurredAt },
    streamId: `package-p-${clientId}`,
    streamVersion: version,
    position: { transactionId: String(version), globalPosition: String(version) },
    recordedAt: occurredAt,
  };
}

const purchased = (clientId: string, credits: number) => event('PackagePurchased', clientId, { credits });
const booked = (clientId: string, bookingId: string, at?: string) => event('SessionRedeemed', clientId, { redemptionId: bookingId, bookingId, serviceId: 'st-1' }, at);
const manual = (clientId: string, redemptionId: string) => event('SessionRedeemed', clientId, { redemptionId, bookingId: null, serviceId: null });
const returned = (clientId: string, redemptionId: string, rule: string | null) => event('RedemptionReversed', clientId, { redemptionId, rule });
const marked = (clientId: string, bookingId: string, attendance: 'attended' | 'no_show') => event('AttendanceMarked', clientId, { bookingId, attendance });

const offeringOf = (store: Map<string, unknown>) => store.get(`${OFFERING_USAGE}|${OFFERING}`) as OfferingUsageDocument;
const rowOf = (store: Map<string, unknown>, clientId: string) => store.get(`${CLIENT_USAGE}|${OFFERING}:${clientId}`) as ClientUsageDocument;

describe('usage projection', () => {
  it('counts bookings, attendance, no-shows, cancellations, manual deductions, adjustments, refunds and expiry', () => {
    const store = run([
      purchased(ADA, 5),
      booked(ADA, 'b1', '2027-01-11T09:00:00.000Z'),
      marked(ADA, 'b1', 'attended'),
      booked(ADA, 'b2', '2027-01-12T09:00:00.000Z'),
      marked(ADA, 'b2', 'no_show'), // forfeited: stays booked
      booked(ADA, 'b3', '2027-01-13T09:00:00.000Z'),
      event('BookingCancelled', ADA, { bookingId: 'b3' }),
      returned(ADA, 'b3', 'cancelled_within_notice'),
      manual(ADA, 'm1'),
      manual(ADA, 'm2'),
      returned(ADA, 'm2', null),
      event('CreditsAdjusted', ADA, { delta: 2 }),
      event('CreditsAdjusted', ADA, { delta: -1 }),
      event('PackageRefunded', ADA, { credits: 1 }),
      event('PackageExpired', ADA, { creditsForfeited: 2 }),
      event('SessionRescheduled', ADA), // moves no figure
    ]);
    const ada = rowOf(store, ADA);
    expect(ada).toMatchObject({
      offeringId: OFFERING,
      clientId: ADA,
      packages: 1,
      purchased: 5,
      added: 2,
      removed: 1,
      granted: 6,
      booked: 3, // b1 attended, b2 no-show (forfeited), m1
      manualDeductions: 1,
      attended: 2, // b1 and m1
      noShows: 1,
      cancellations: 1,
      refunded: 1,
      expired: 2,
      left: 0,
      lastBookingAt: '2027-01-13T09:00:00.000Z',
      lastBookingSort: '2027-01-13T09:00:00.000Z',
      offeringFilter: `${OFFERING}:fully_used`,
    });
    expect(ada.granted).toBe(ada.booked + ada.left + ada.refunded + ada.expired);
    expect(offeringOf(store)).toMatchObject({ granted: 6, booked: 3, attended: 2, clients: 1, clientsFullyUsed: 1, clientsNotBooked: 0 });
  });

  it('keeps the offering totals and filter tallies equal to the sum of its client rows', () => {
    const store = run([
      purchased(ADA, 3),
      purchased(ALAN, 2),
      booked(ADA, 'a1'),
      booked(ALAN, 'l1'),
      returned(ALAN, 'l1', 'cancelled_by_business'),
      booked(ADA, 'a2'),
      booked(ADA, 'a3'),
      purchased(ADA, 3), // a second package: Ada has sessions left again
    ]);
    const ada = rowOf(store, ADA);
    const alan = rowOf(store, ALAN);
    expect([ada.booked, ada.left, ada.granted, ada.packages, ada.offeringFilter]).toEqual([3, 3, 6, 2, `${OFFERING}:other`]);
    expect([alan.booked, alan.left, alan.offeringFilter, alan.lastBookingSort]).toEqual([0, 2, `${OFFERING}:not_booked`, '2027-01-10T10:00:00.000Z']);
    const offering = offeringOf(store);
    for (const field of ['granted', 'booked', 'left', 'packages'] as const) expect(offering[field]).toBe(ada[field] + alan[field]);
    expect(offering).toMatchObject({ clients: 2, clientsFullyUsed: 0, clientsNotBooked: 1 });
  });

  it('moves a client between filters as usage changes; a never-booked row sorts on an empty lastBookingSort', () => {
    let store = run([purchased(ALAN, 1)]);
    expect(rowOf(store, ALAN)).toMatchObject({ offeringFilter: `${OFFERING}:not_booked`, lastBookingAt: null, lastBookingSort: '' });
    expect(offeringOf(store)).toMatchObject({ clientsNotBooked: 1, clientsFullyUsed: 0 });
    store = run([purchased(ALAN, 1), booked(ALAN, 'x')]);
    expect(offeringOf(store)).toMatchObject({ clientsNotBooked: 0, clientsFullyUsed: 1 });
  });

  it('ignores events that move no usage figure', () => {
    expect(usageProjection.keys(event('BookingPlaced', ADA))).toEqual([]);
    expect(usageProjection.keys(event('OfferingCreated', ADA))).toEqual([]);
    expect(usageProjection.keys(purchased(ADA, 1)).map((k) => k.collection)).toEqual([OFFERING_USAGE, CLIENT_USAGE]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
