import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { createInfrastructure, Infrastructure } from '@punchcard/platform';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { Outcome } from './workload';

export interface LedgerFindings {
  acknowledged: number;
  /** Acknowledged (2xx) writes with no append under their key. */
  lost: string[];
  /** Keys (acknowledged or not) whose effects were appended more than once. */
  duplicated: string[];
  /** Packages whose balance went below zero (ledger balances or any ledger entry). */
  negative: number;
}

/**
 * What the ledger says about the answers the clients got: an acknowledged write is one append (one
 * transaction, whatever number of events and streams it holds) under its Idempotency-Key; no key has
 * two; no balance is negative.
 */
export async function inspectLedger(pool: Pool, outcomesSoFar: Outcome[]): Promise<LedgerFindings> {
  // The answers received before the ledger is read (the load may go on meanwhile).
  const outcomes = [...outcomesSoFar];
  const keys = outcomes.map((o) => o.idempotencyKey);
  const { rows } = await pool.query<{ key: string; appends: number }>(
    `SELECT metadata->>'idempotencyKey' AS key, count(DISTINCT transaction_id)::int AS appends
       FROM events WHERE metadata->>'idempotencyKey' = ANY($1::text[]) GROUP BY 1`,
    [keys],
  );
  const appends = new Map(rows.map((r) => [r.key, r.appends]));
  const acknowledged = outcomes.filter((o) => o.status >= 200 && o.status < 300);
  const negative = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM read_documents
      WHERE collection IN ('ledger-balances', 'ledger-entries') AND (data->>'balance')::numeric < 0`,
  );
  return {
    acknowledged: acknowledged.length,
    lost: acknowledged.filter((o) => !appends.get(o.idempotencyKey)).map((o) => `${o.kind} ${o.idempotencyKey}`),
    duplicated: [...appends].filter(([, n]) => n > 1).map(([key]) => key),
    negative: negative.rows[0].n,
  };
}

/**
 * Waits (bounded) until every projection's checkpoint has passed the event that was last when it was
 * called (writes may go on meanwhile); returns the ms it took.
 */
export async function projectionsCaughtUp(pool: Pool, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  const last = await pool.query<{ transaction_id: string; global_position: string }>(
    'SELECT transaction_id::text, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  if (!last.rowCount) return 0;
  const names = ALL_PROJECTIONS.map((p) => p.name);
  while (Date.now() - started < timeoutMs) {
    const { rows } = await pool.query<{ reached: number }>(
      `SELECT count(*)::int AS reached FROM projection_checkpoints
        WHERE projection = ANY($1::text[]) AND (transaction_id, global_position) >= ($2::xid8, $3::bigint)`,
      [names, last.rows[0].transaction_id, last.rows[0].global_position],
    );
    if (rows[0].reached === names.length) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`The projections did not catch up within ${timeoutMs} ms`);
}

/** The CLI's `check` (replay every projection into a scratch copy and compare), run against `connectionString`. */
export class ReplayCheck {
  private constructor(private readonly infrastructure: Infrastructure) {}

  static async open(connectionString: string): Promise<ReplayCheck> {
    return new ReplayCheck(await createInfrastructure({ connectionString, poolSize: 4, projections: ALL_PROJECTIONS }));
  }

  /** Projections whose live documents differ from a replay, with their first differences. */
  async differences(): Promise<string[]> {
    const found: string[] = [];
    for (const projection of ALL_PROJECTIONS) {
      const { differences } = await this.infrastructure.runner.check(projection, 3);
      if (differences.length) found.push(`${projection.name}: ${JSON.stringify(differences)}`);
    }
    return found;
  }

  close(): Promise<void> {
    return this.infrastructure.close();
  }
}
