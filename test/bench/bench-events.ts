/** The bench's own events: a type-and-data event stamped for the bench tenant, and the package seed of the rebuild section. */
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { NewEvent, PostgresEventStore } from '@punchcard/event-store';

export function benchEvent(type: string, data: unknown, tenantId = 'bench'): NewEvent {
  return {
    eventId: uuidv7(),
    type,
    schemaVersion: 1,
    data,
    metadata: { tenantId, actor: { id: 'bench', role: 'admin' }, correlationId: uuidv7(), causationId: null, idempotencyKey: null, occurredAt: new Date().toISOString() },
  };
}

/** Packages of 10 events each (a purchase and 9 redemptions) until the store holds `target` events. */
export async function seedPackages(store: PostgresEventStore, target: number) {
  const pool = (store as unknown as { pool: Pool }).pool;
  const have = Number((await pool.query('SELECT count(*) FROM events')).rows[0].count);
  const offeringId = uuidv7();
  // Each round sells packages of its own offering, so no package refers to an offering that was never created.
  await store.append([{ streamId: `offering-${offeringId}`, expectedVersion: 0, events: [benchEvent('OfferingCreated', { offeringId, name: 'Seed', description: null, sessionCount: 10, price: { amount: 50000, currency: 'USD' }, validity: { kind: 'none' }, status: 'active' })] }]);
  const packagesNeeded = Math.ceil((target - have - 1) / 10);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < packagesNeeded) {
        next++;
        const packageId = uuidv7();
        const clientId = uuidv7();
        const ref = { packageId, offeringId, clientId };
        const events = [
          benchEvent('PackagePurchased', { ...ref, offeringName: 'Seed', credits: 10, price: { amount: 50000, currency: 'USD' }, payment: { method: 'cash', reference: null }, purchasedAt: new Date().toISOString(), expiresAt: null }),
          ...Array.from({ length: 9 }, () =>
            benchEvent('SessionRedeemed', { ...ref, redemptionId: uuidv7(), bookingId: null, serviceId: null, note: null, sessionAt: new Date().toISOString(), creditKind: 'paid', value: 5000 }),
          ),
        ];
        await store.append([{ streamId: `package-${packageId}`, expectedVersion: 0, events }]);
      }
    }),
  );
}
