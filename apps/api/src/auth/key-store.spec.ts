import { Pool } from 'pg';
import { issueTenantKey } from './api-keys';
import { KeyStore } from './key-store';

/**
 * The verified-key cache: a key is remembered for 5 s, never past its scheduled revocation, and a
 * revoked key is forgotten at once. The "database" is a row the test changes behind the store's back.
 */
describe('KeyStore cache', () => {
  const issued = issueTenantKey();
  let row: { tenant_id: string; role: string; secret_hash: Buffer; revoked_at: Date | null } | null;
  let lookups: number;
  const pool = {
    query: async () => {
      lookups++;
      const valid = row && (row.revoked_at === null || row.revoked_at.getTime() > Date.now());
      return { rows: valid ? [row] : [] };
    },
  } as unknown as Pool;
  const principal = { kind: 'tenant', tenantId: 't1', keyId: issued.id, role: 'staff' };

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    row = { tenant_id: 't1', role: 'staff', secret_hash: issued.hash, revoked_at: null };
    lookups = 0;
  });
  afterEach(() => jest.useRealTimers());

  it('remembers a verified key for 5 s: a revocation elsewhere shows after that', async () => {
    const store = new KeyStore(pool);
    expect(await store.verify(issued.key)).toEqual(principal);
    row = null; // revoked by another instance
    jest.advanceTimersByTime(4_999);
    expect(await store.verify(issued.key)).toEqual(principal);
    expect(lookups).toBe(1);
    jest.advanceTimersByTime(2);
    expect(await store.verify(issued.key)).toBeNull();
  });

  it('forgets a key at once when told (revoked in this process)', async () => {
    const store = new KeyStore(pool);
    expect(await store.verify(issued.key)).toEqual(principal);
    row = null;
    store.forget(issued.id);
    expect(await store.verify(issued.key)).toBeNull();
  });

  it('does not remember a key past its scheduled revocation (rotation grace ending within the 5 s)', async () => {
    const store = new KeyStore(pool);
    row!.revoked_at = new Date(Date.now() + 1_000);
    expect(await store.verify(issued.key)).toEqual(principal);
    jest.advanceTimersByTime(999);
    expect(await store.verify(issued.key)).toEqual(principal);
    jest.advanceTimersByTime(2);
    expect(await store.verify(issued.key)).toBeNull();
  });

  it('refuses a wrong secret for a known key id', async () => {
    const store = new KeyStore(pool);
    const forged = issued.key.slice(0, -1) + (issued.key.endsWith('A') ? 'B' : 'A');
    expect(await store.verify(forged)).toBeNull();
  });
});
