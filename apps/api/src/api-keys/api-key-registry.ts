import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { inTransaction } from '@punchcard/postgres';
import { issueTenantKey, keyPrefixOf } from '../auth/api-keys';
import { KeyStore } from '../auth/key-store';
import { TenantPrincipal, TenantRole } from '../auth/principal';
import { ApiError } from '../http/problem';
import { PG_POOL } from '../tokens';

/** What a listing shows of a key: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  /** The non-secret start of the key (`pc_<id>`). */
  prefix: string;
  role: TenantRole;
  name: string;
  createdAt: string;
  /** The id of the API key that created it, `operator:<id>` for a break-glass key; null for the tenant's first key. */
  createdBy: string | null;
  /** When it stops (or stopped) working; in the future while a rotation's grace period runs. */
  revokedAt: string | null;
  revokedBy: string | null;
}

/** A key as created: the only time its secret is shown. */
export type IssuedApiKey = ApiKeyView & { key: string };

const COLUMNS = 'id, role, name, created_at, created_by, revoked_at, revoked_by';

const notFound = () => new ApiError(404, 'api_key_not_found', 'API key not found.');

/**
 * The tenant's API keys: list, create, revoke, rotate. All SQL runs on the tenant-scoped pool, so
 * row-level security keeps every statement inside the caller's tenant.
 */
@Injectable()
export class ApiKeyRegistry {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly keyStore: KeyStore,
  ) {}

  /** Newest first; `cursor` is the id of the last key of the previous page. */
  async list(tenantId: string, page: { cursor?: string; limit: number }): Promise<ApiKeyView[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM api_keys
       WHERE tenant_id = $1 AND ($2::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM api_keys WHERE tenant_id = $1 AND id = $2))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [tenantId, page.cursor ?? null, page.limit],
    );
    return rows.map(toView);
  }

  async create(actor: TenantPrincipal, input: { role: TenantRole; name: string }): Promise<IssuedApiKey> {
    return inTransaction(this.pool, (db) => this.insert(db, actor, input));
  }

  /**
   * Revokes now (also a key whose rotation grace is still running). Idempotent: an already revoked
   * key is answered as it is. The tenant's last active admin key cannot be revoked.
   */
  async revoke(actor: TenantPrincipal, id: string): Promise<ApiKeyView> {
    const revoked = await inTransaction(this.pool, async (db) => {
      const target = await this.lockForChange(db, actor.tenantId, id);
      if (!target.activeNow) return target.view;
      if (target.view.role === 'admin' && !(await this.anotherAdminKeyRemains(db, actor.tenantId, id))) {
        throw new ApiError(409, 'last_admin_key', 'This is the last active admin key of the tenant: create or rotate to another admin key before revoking it.');
      }
      const { rows } = await db.query(
        `UPDATE api_keys SET revoked_at = now(), revoked_by = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [actor.tenantId, id, actor.keyId],
      );
      return toView(rows[0]);
    });
    this.keyStore.forget(id);
    return revoked;
  }

  /** A new key with the same role and name; the old one stops working now or after `graceSeconds`. */
  async rotate(actor: TenantPrincipal, id: string, graceSeconds: number): Promise<IssuedApiKey & { previous: ApiKeyView }> {
    const rotated = await inTransaction(this.pool, async (db) => {
      const target = await this.lockForChange(db, actor.tenantId, id);
      if (target.view.revokedAt !== null) {
        throw new ApiError(409, 'api_key_revoked', 'This key is revoked or already rotated (its revocation is scheduled); create a new key instead.');
      }
      const issued = await this.insert(db, actor, { role: target.view.role, name: target.view.name });
      const { rows } = await db.query(
        `UPDATE api_keys SET revoked_at = now() + make_interval(secs => $3), revoked_by = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [actor.tenantId, id, graceSeconds, actor.keyId],
      );
      return { ...issued, previous: toView(rows[0]) };
    });
    // Re-verified on its next use, so the cache never outlives the scheduled revocation.
    this.keyStore.forget(id);
    return rotated;
  }

  private async insert(db: PoolClient, actor: TenantPrincipal, input: { role: TenantRole; name: string }): Promise<IssuedApiKey> {
    const issued = issueTenantKey();
    const { rows } = await db.query(
      `INSERT INTO api_keys (id, tenant_id, role, secret_hash, name, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [issued.id, actor.tenantId, input.role, issued.hash, input.name, actor.keyId],
    );
    const { id, ...rest } = toView(rows[0]);
    return { id, key: issued.key, ...rest };
  }

  /**
   * Locks the tenant's admin keys and the target (in id order, so concurrent changes queue instead of
   * deadlocking): two admins revoking each other's key at once cannot both succeed and lock the tenant out.
   */
  private async lockForChange(db: PoolClient, tenantId: string, id: string): Promise<{ view: ApiKeyView; activeNow: boolean }> {
    await db.query(`SELECT id FROM api_keys WHERE tenant_id = $1 AND (role = 'admin' OR id = $2) ORDER BY id FOR UPDATE`, [tenantId, id]);
    const { rows } = await db.query(
      `SELECT ${COLUMNS}, (revoked_at IS NULL OR revoked_at > now()) AS active_now FROM api_keys WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    if (!rows[0]) throw notFound();
    return { view: toView(rows[0]), activeNow: rows[0].active_now };
  }

  /** Another admin key that is not on its way out (a key in a rotation grace period does not count). */
  private async anotherAdminKeyRemains(db: PoolClient, tenantId: string, id: string): Promise<boolean> {
    const { rowCount } = await db.query(
      `SELECT 1 FROM api_keys WHERE tenant_id = $1 AND role = 'admin' AND revoked_at IS NULL AND id <> $2 LIMIT 1`,
      [tenantId, id],
    );
    return !!rowCount;
  }
}

/** A key's row as listings show it: the prefix, never the secret or its hash. */
export function toView(row: Record<string, any>): ApiKeyView {
  return {
    id: row.id,
    prefix: keyPrefixOf(row.id),
    role: row.role,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revokedBy: row.revoked_by,
  };
}
