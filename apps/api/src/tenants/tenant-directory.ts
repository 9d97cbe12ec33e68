import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { inTransaction } from '@punchcard/postgres';
import { IssuedApiKey, toView } from '../api-keys';
import { issueTenantKey } from '../auth/api-keys';
import { ApiError } from '../http/problem';
import { PG_POOL, SYSTEM_POOL } from '../tokens';

export interface Tenant {
  id: string;
  name: string;
  timezone: string;
  currency: string;
  createdAt: string;
}

/**
 * Tenants and their settings. Settings are read on every command, so they are cached (they rarely change).
 * Creating and listing tenants crosses tenants (system pool); reading one acts for that tenant.
 */
@Injectable()
export class TenantDirectory {
  private readonly cache = new Map<string, Tenant>();
  private readonly logger = new Logger('Tenants');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
  ) {}

  async create(input: { name: string; timezone: string; currency: string }): Promise<{ tenant: Tenant; adminApiKey: string }> {
    const id = randomUUID();
    const key = issueTenantKey();
    return inTransaction(this.systemPool, async (client) => {
      const { rows } = await client.query(
        'INSERT INTO tenants (id, name, timezone, currency) VALUES ($1, $2, $3, $4) RETURNING created_at',
        [id, input.name, input.timezone, input.currency],
      );
      await client.query(`INSERT INTO api_keys (id, tenant_id, role, secret_hash) VALUES ($1, $2, 'admin', $3)`, [key.id, id, key.hash]);
      return { tenant: { id, ...input, createdAt: rows[0].created_at.toISOString() }, adminApiKey: key.key };
    });
  }

  /**
   * Break-glass: a new admin key for a tenant that has none it can use (the first one was lost, and
   * an idempotent replay of the tenant's creation never shows it again). Recorded as created by
   * `operator:<operator key id>` and logged, so the tenant's admins can see who issued it.
   */
  async issueAdminKey(tenantId: string, operatorKeyId: string, name: string): Promise<IssuedApiKey> {
    const issued = issueTenantKey();
    const createdBy = `operator:${operatorKeyId}`;
    const row = await inTransaction(this.systemPool, async (client) => {
      const tenant = await client.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
      if (!tenant.rowCount) throw new ApiError(404, 'tenant_not_found', 'Tenant not found.');
      const { rows } = await client.query(
        `INSERT INTO api_keys (id, tenant_id, role, secret_hash, name, created_by) VALUES ($1, $2, 'admin', $3, $4, $5)
         RETURNING id, role, name, created_at, created_by, revoked_at, revoked_by`,
        [issued.id, tenantId, issued.hash, name, createdBy],
      );
      return rows[0];
    });
    this.logger.log(`Operator key ${operatorKeyId} issued admin key ${issued.id} to tenant ${tenantId}`);
    return { ...toView(row), key: issued.key };
  }

  async get(id: string): Promise<Tenant> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const { rows } = await this.pool.query('SELECT id, name, timezone, currency, created_at FROM tenants WHERE id = $1', [id]);
    if (!rows[0]) throw new Error(`Tenant ${id} not found`);
    const tenant: Tenant = { id: rows[0].id, name: rows[0].name, timezone: rows[0].timezone, currency: rows[0].currency, createdAt: rows[0].created_at.toISOString() };
    this.cache.set(id, tenant);
    return tenant;
  }

  async allIds(): Promise<string[]> {
    const { rows } = await this.systemPool.query('SELECT id FROM tenants ORDER BY id');
    return rows.map((r) => r.id);
  }
}
