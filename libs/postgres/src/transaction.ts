import { Pool, PoolClient } from 'pg';

/**
 * A pool whose transactions open with more than a plain BEGIN: the tenant-scoped pool
 * (./scoped-pool.ts) also sets the tenant the transaction acts for, in the same round trip.
 */
export interface OpensOwnTransactions {
  transactionOpening(): string;
}

function openingOf(pool: Pool): string {
  const opener = pool as Pool & Partial<OpensOwnTransactions>;
  return typeof opener.transactionOpening === 'function' ? opener.transactionOpening() : 'BEGIN';
}

/**
 * Runs `work` in one transaction on one connection; rolls back on any error. On a tenant-scoped
 * pool the transaction acts for the current tenant.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const opening = openingOf(pool);
  const client = await pool.connect();
  try {
    await client.query(opening);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
