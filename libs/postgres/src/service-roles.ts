import { createHash, randomBytes } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';

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
 * Creates the roles if missing and (re)sets their passwords, from PUNCHCARD_DB_SERVICE_PASSWORD when
 * set, else derived from the owner's password, so every instance agrees without storing a secret.
 * An owner without a password in its URL (peer, trust, .pgpass, certificates) would make a derived
 * password public: then a random one is generated once and kept in a table only the owner can read.
 * The owner needs CREATEROLE (or superuser).
 */
export async function ensureServiceRoles(owner: Pool, ownerConnectionString: string, secret = process.env.PUNCHCARD_DB_SERVICE_PASSWORD): Promise<ServiceConnections> {
  const ownerPassword = decodeURIComponent(new URL(ownerConnectionString).password);
  let base = secret ? `set:${secret}` : ownerPassword ? `owner:${ownerPassword}` : null;
  const passwordOf = (role: string) => createHash('sha256').update(`punchcard-service-role\0${role}\0${base}`).digest('base64url');
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(owner, async (client) => {
        // Roles belong to the cluster, not to a schema: instances starting together take turns.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('punchcard:service-roles'))`);
        base ??= `stored:${await storedSecret(client)}`;
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

/** The generated secret, kept where only the owner (no service role) can read it. */
async function storedSecret(client: PoolClient): Promise<string> {
  await client.query(`CREATE TABLE IF NOT EXISTS service_role_secret (id integer PRIMARY KEY CHECK (id = 1), secret text NOT NULL)`);
  await client.query('REVOKE ALL ON service_role_secret FROM PUBLIC');
  await client.query('INSERT INTO service_role_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [randomBytes(32).toString('base64url')]);
  const { rows } = await client.query('SELECT secret FROM service_role_secret WHERE id = 1');
  return rows[0].secret;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
