import { Pool, PoolClient } from 'pg';

/** How a transaction opens: its isolation level and whether it may write. */
export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

/**
 * A pool whose transactions open with more than a BEGIN: the tenant-scoped pool (./scoped-pool.ts)
 * also sets the tenant the transaction acts for, in the same round trip. `begin` is the BEGIN
 * statement with the transaction's options.
 */
export interface OpensOwnTransactions {
  transactionOpening(begin: string): string;
}

/** `BEGIN`, with an isolation level and READ ONLY when asked. */
export function beginStatement({ isolation, readOnly }: TransactionOptions = {}): string {
  return ['BEGIN', isolation && `ISOLATION LEVEL ${isolation.toUpperCase()}`, readOnly && 'READ ONLY'].filter(Boolean).join(' ');
}

function openingOf(pool: Pool, options: TransactionOptions): string {
  const opener = pool as Pool & Partial<OpensOwnTransactions>;
  const begin = beginStatement(options);
  return typeof opener.transactionOpening === 'function' ? opener.transactionOpening(begin) : begin;
}

/**
 * Runs `work` in one transaction on one connection; rolls back on any error. On a tenant-scoped
 * pool the transaction acts for the current tenant. With `isolation: 'repeatable read'`, every
 * statement of `work` reads one snapshot (taken at its first statement).
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const opening = openingOf(pool, options);
  const client = await pool.connect();
  let unusable: Error | undefined;
  try {
    await client.query(opening);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection whose rollback failed may still be inside the transaction: it is closed, not pooled.
    await client.query('ROLLBACK').catch((rollbackError: Error) => (unusable = rollbackError));
    throw error;
  } finally {
    client.release(unusable);
  }
}
