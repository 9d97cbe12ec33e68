import { Inject, Injectable } from '@nestjs/common';
import { DatabaseError, Pool } from 'pg';
import { ApiError } from '../http/problem';
import { PG_POOL } from '../tokens';

export interface Client {
  id: string;
  name: string;
  email: string;
  timezone: string | null;
  createdAt: string;
}

const COLUMNS = `id, name, email, timezone, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

/** The client directory: personal data lives here, never in events, so a client can be erased and the ledger stays whole. */
@Injectable()
export class ClientDirectory {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Creating the same id again (a retried request) returns the existing client. */
  async create(tenantId: string, id: string, input: { name: string; email: string; timezone?: string }): Promise<Client> {
    try {
      const { rows } = await this.pool.query(
        `INSERT INTO clients (tenant_id, id, name, email, timezone) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, id, input.name, input.email, input.timezone ?? null],
      );
      return rows[0] ?? (await this.get(tenantId, id))!;
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '23505') {
        throw new ApiError(409, 'client_email_taken', 'A client with this email already exists.');
      }
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<Client | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM clients WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ?? null;
  }

  /** Name or email contains `q` (case-insensitive); ordered by id (creation order). */
  async list(tenantId: string, query: { q?: string; cursor?: string; limit: number }): Promise<Client[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM clients
       WHERE tenant_id = $1 AND ($2::text IS NULL OR name ILIKE $2 OR email ILIKE $2) AND ($3::uuid IS NULL OR id > $3)
       ORDER BY id LIMIT $4`,
      [tenantId, query.q ? containsPattern(query.q) : null, query.cursor ?? null, query.limit],
    );
    return rows;
  }

  /** Ids of the clients whose name or email contains `q` (for package search by client). */
  async idsMatching(tenantId: string, q: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      'SELECT id FROM clients WHERE tenant_id = $1 AND (name ILIKE $2 OR email ILIKE $2) ORDER BY id LIMIT $3',
      [tenantId, containsPattern(q), limit],
    );
    return rows.map((r) => r.id);
  }
}

function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}
