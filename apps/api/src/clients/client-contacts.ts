import { Pool } from 'pg';

/** What a list row shows of a client; null when the client was erased from the directory. */
export interface ClientContact {
  name: string;
  email: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names and emails of one page's clients, in one primary-key lookup, as a lookup function. Personal
 * data stays in the directory (never in events or read models), so lists join it per page, as it is now.
 */
export async function clientContacts(pool: Pool, tenantId: string, clientIds: readonly string[]): Promise<(clientId: string) => ClientContact | null> {
  // The database spells uuids in lower case; an id in an event may not be.
  const ids = [...new Set(clientIds.map((id) => id.toLowerCase()))].filter((id) => UUID.test(id));
  const found = new Map<string, ClientContact>();
  if (ids.length > 0) {
    const { rows } = await pool.query<{ id: string; name: string; email: string }>(
      'SELECT id, name, email FROM clients WHERE tenant_id = $1 AND id = ANY($2::uuid[])',
      [tenantId, ids],
    );
    for (const row of rows) found.set(row.id, { name: row.name, email: row.email });
  }
  return (clientId) => found.get(clientId.toLowerCase()) ?? null;
}
