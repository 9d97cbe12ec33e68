import { Inject, Injectable } from '@nestjs/common';
import { DatabaseError, Pool } from 'pg';
import { containsPattern, containsSql } from '@punchcard/postgres';
import { ApiError } from '../http/problem';
import { PG_POOL } from '../tokens';

export interface Client {
  id: string;
  name: string;
  email: string;
  timezone: string | null;
  /** Group names (e.g. "VIP"); offerings visible to chosen groups are matched against them exactly. */
  groups: string[];
  createdAt: string;
}

/** What a list row shows of a client; null when the client was erased from the directory. */
export interface ClientContact {
  name: string;
  email: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ClientChanges {
  name?: string;
  email?: string;
  /** null clears it (the tenant's zone applies). */
  timezone?: string | null;
  /** Replaces the whole list. */
  groups?: string[];
}

const COLUMNS = `id, name, email, timezone, groups, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;
/** A search: the name or email contains $2 (a containsPattern). It reads every client of the tenant. */
const NAME_OR_EMAIL_CONTAINS = `(${containsSql('name', '$2')} OR ${containsSql('email', '$2')})`;

/** The client directory: personal data lives here, never in events, so a client can be erased and the ledger stays whole. */
@Injectable()
export class ClientDirectory {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Creating the same id again (a retried request) returns the existing client. */
  async create(tenantId: string, id: string, input: { name: string; email: string; timezone?: string; groups?: string[] }): Promise<Client> {
    try {
      const { rows } = await this.pool.query(
        `INSERT INTO clients (tenant_id, id, name, email, timezone, groups) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, id, input.name, input.email, input.timezone ?? null, input.groups ?? []],
      );
      return rows[0] ?? (await this.get(tenantId, id))!;
    } catch (error) {
      throw emailTaken(error) ?? error;
    }
  }

  /** Changes the given fields; null if the tenant has no such client. */
  async update(tenantId: string, id: string, changes: ClientChanges): Promise<Client | null> {
    const params: unknown[] = [tenantId, id];
    const sets = (['name', 'email', 'timezone', 'groups'] as const)
      .filter((column) => changes[column] !== undefined)
      .map((column) => `${column} = $${params.push(changes[column])}`);
    if (sets.length === 0) return this.get(tenantId, id);
    try {
      const { rows } = await this.pool.query(`UPDATE clients SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`, params);
      return rows[0] ?? null;
    } catch (error) {
      throw emailTaken(error) ?? error;
    }
  }

  /** The client with its groups and time zone (booking rules read both), or null. */
  /**
   * Names and emails of one page's clients, in one primary-key lookup, as a lookup function. Personal
   * data stays here (never in events or read models), so lists join it per page, as it is now.
   */
  async contacts(tenantId: string, clientIds: readonly string[]): Promise<(clientId: string) => ClientContact | null> {
    // The database spells uuids in lower case; an id in an event may not be.
    const ids = [...new Set(clientIds.map((id) => id.toLowerCase()))].filter((id) => UUID.test(id));
    const found = new Map<string, ClientContact>();
    if (ids.length > 0) {
      const { rows } = await this.pool.query<{ id: string; name: string; email: string }>(
        'SELECT id, name, email FROM clients WHERE tenant_id = $1 AND id = ANY($2::uuid[])',
        [tenantId, ids],
      );
      for (const row of rows) found.set(row.id, { name: row.name, email: row.email });
    }
    return (clientId) => found.get(clientId.toLowerCase()) ?? null;
  }

  async get(tenantId: string, id: string): Promise<Client | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM clients WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ?? null;
  }

  /** Name or email contains `q` (case-insensitive); ordered by id (creation order). */
  async list(tenantId: string, query: { q?: string; cursor?: string; limit: number }): Promise<Client[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM clients
       WHERE tenant_id = $1 AND ($2::text IS NULL OR ${NAME_OR_EMAIL_CONTAINS}) AND ($3::uuid IS NULL OR id > $3)
       ORDER BY id LIMIT $4`,
      [tenantId, query.q ? containsPattern(query.q) : null, query.cursor ?? null, query.limit],
    );
    return rows;
  }

  /** Ids of the clients whose name or email contains `q` (for package search by client). */
  async idsMatching(tenantId: string, q: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT id FROM clients WHERE tenant_id = $1 AND ${NAME_OR_EMAIL_CONTAINS} ORDER BY id LIMIT $3`,
      [tenantId, containsPattern(q), limit],
    );
    return rows.map((r) => r.id);
  }
}

function emailTaken(error: unknown): ApiError | null {
  return error instanceof DatabaseError && error.code === '23505' ? new ApiError(409, 'client_email_taken', 'A client with this email already exists.') : null;
}
