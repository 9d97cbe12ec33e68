import { Pool, PoolClient } from 'pg';

/** "Only one instance applies projections / runs the scheduler at a time." */
export interface Lease {
  readonly held: boolean;
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * A PostgreSQL session advisory lock on a dedicated connection. If the holder dies or its
 * connection drops, PostgreSQL releases the lock and another instance takes over. A holder that
 * lost its connection without noticing cannot do harm: checkpoint commits are compare-and-set.
 */
export class PostgresAdvisoryLease implements Lease {
  private client: PoolClient | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly name: string,
  ) {}

  get held(): boolean {
    return this.client !== null;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = await this.pool.connect();
    try {
      const result = await client.query(`SELECT pg_try_advisory_lock(hashtext(current_schema() || ':' || $1)) AS ok`, [this.name]);
      if (!result.rows[0].ok) {
        client.release();
        return false;
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    client.on('error', this.lose);
    this.client = client;
    return true;
  }

  /** Unlocks at once (so another instance can take over now), then returns the connection to the pool. */
  async release(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    client.off('error', this.lose);
    try {
      await client.query(`SELECT pg_advisory_unlock(hashtext(current_schema() || ':' || $1))`, [this.name]);
      client.release();
    } catch {
      client.release(true); // a broken connection: PostgreSQL drops the lock with the session
    }
  }

  private readonly lose = (): void => {
    const client = this.client;
    this.client = null;
    client?.release(true);
  };
}
