import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { inTransaction } from './pool';

/**
 * The service never works as the database owner. It logs in as two roles the owner creates, neither
 * owning a table nor holding BYPASSRLS:
 * - `punchcard_app`: requests; sees only the tenant set on its transaction (row-level security);
 * - `punchcard_system`: key lookup, tenant provisioning, projections, the sweep's candidate search.
 * Neither may UPDATE or DELETE events. Grants and policies are in the security migration.
 */
export const SERVICE_ROLES = { app: 'punchcard_app', system: 'punchcard_system' } as const;

export interface ServiceConnections {
  app: string;
  system: string;
}

/**
 * Creates the roles if missing and (re)sets their passwords: PUNCHCARD_DB_SERVICE_PASSWORD when set,
 * else derived from the owner's password, so every instance and schema on the cluster agrees.
 * The owner needs CREATEROLE (or superuser).
 */
export async function ensureServiceRoles(owner: Pool, ownerConnectionString: string, secret = process.env.PUNCHCARD_DB_SERVICE_PASSWORD): Promise<ServiceConnections> {
  const ownerUrl = new URL(ownerConnectionString);
  const base = secret || `owner:${decodeURIComponent(ownerUrl.password)}`;
  const passwordOf = (role: string) => createHash('sha256').update(`punchcard-service-role\0${role}\0${base}`).digest('base64url');
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(owner, async (client) => {
        // Roles belong to the cluster, not to a schema: instances starting together take turns.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('punchcard:service-roles'))`);
        for (const role of Object.values(SERVICE_ROLES)) {
          const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
          if (!exists.rowCount) await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT`);
          // Enforced even for a role an operator created by hand.
          await client.query(`ALTER ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${literal(passwordOf(role))}`);
        }
      });
      break;
    } catch (error) {
      // Two databases on one cluster can still race on a role's catalog row; the second attempt sees it.
      if (attempt >= 3) throw error;
    }
  }
  const urlFor = (role: string) => {
    const url = new URL(ownerConnectionString);
    url.username = role;
    url.password = passwordOf(role);
    return url.toString();
  };
  return { app: urlFor(SERVICE_ROLES.app), system: urlFor(SERVICE_ROLES.system) };
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
