import { createServer } from 'node:net';
import { Client, Pool } from 'pg';
import { createPool } from './pool';
import { isDatabaseUnavailable } from './unavailable';

/** The errors are real ones, caught from a real PostgreSQL (DATABASE_URL) and a closed port. */
describe('isDatabaseUnavailable', () => {
  const url = () => process.env.DATABASE_URL!;

  it('recognises a refused connection', async () => {
    const port = await closedPort();
    const client = new Client({ connectionString: `postgres://nobody@127.0.0.1:${port}/none` });
    const error = await client.connect().then(() => null, (e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a statement cancelled by statement_timeout (57014)', async () => {
    const pool = createPool({ connectionString: url(), maxConnections: 1, statementTimeoutMs: 50 });
    try {
      const error = await pool.query('SELECT pg_sleep(2)').then(() => null, (e: { code?: string }) => e);
      expect(error?.code).toBe('57014');
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('recognises a pool whose connections are all taken for longer than the connect timeout', async () => {
    const pool = createPool({ connectionString: url(), maxConnections: 1, connectTimeoutMs: 100 });
    const held = await pool.connect();
    try {
      const error = await pool.query('SELECT 1').then(() => null, (e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('recognises a connection terminated by the server (57P01 / "Connection terminated")', async () => {
    const pool = new Pool({ connectionString: url(), max: 2 });
    const victim = await pool.connect();
    victim.on('error', () => undefined);
    try {
      const { rows } = await victim.query('SELECT pg_backend_pid() AS pid');
      const killed = victim.query('SELECT pg_sleep(5)').then(() => null, (e: unknown) => e);
      await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const error = await killed;
      expect(error).not.toBeNull();
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      victim.release(true);
      await pool.end();
    }
  });

  it('does not take ordinary errors for an outage', async () => {
    const pool = new Pool({ connectionString: url(), max: 1 });
    try {
      const syntax = await pool.query('SELEC 1').then(() => null, (e: unknown) => e);
      const division = await pool.query('SELECT 1/0').then(() => null, (e: unknown) => e);
      expect(isDatabaseUnavailable(syntax)).toBe(false);
      expect(isDatabaseUnavailable(division)).toBe(false);
      expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
      expect(isDatabaseUnavailable(null)).toBe(false);
    } finally {
      await pool.end();
    }
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
