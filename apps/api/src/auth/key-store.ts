import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { SYSTEM_POOL } from '../tokens';
import { hashesMatch, hashKey, issueOperatorKey, keyIdOf } from './api-keys';
import { Principal } from './principal';

const CACHE_MS = 5_000;

/** Verifies bearer keys against their stored hashes; verified keys are remembered for a few seconds. */
@Injectable()
export class KeyStore {
  private readonly logger = new Logger('Keys');
  /** By key hash: a cache hit proves the caller holds the key. */
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(@Inject(SYSTEM_POOL) private readonly pool: Pool) {}

  async verify(key: string): Promise<Principal | null> {
    const hash = hashKey(key);
    const cacheKey = hash.toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.principal;

    const principal = key.startsWith('pcop_') ? await this.verifyOperator(hash) : await this.verifyTenant(key, hash);
    if (this.cache.size > 10_000) this.cache.clear();
    if (principal) this.cache.set(cacheKey, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  private async verifyTenant(key: string, hash: Buffer): Promise<Principal | null> {
    const id = keyIdOf(key);
    if (!id) return null;
    const result = await this.pool.query('SELECT tenant_id, role, secret_hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL', [id]);
    const row = result.rows[0];
    if (!row || !hashesMatch(row.secret_hash, hash)) return null;
    return { kind: 'tenant', tenantId: row.tenant_id, keyId: id, role: row.role };
  }

  private async verifyOperator(hash: Buffer): Promise<Principal | null> {
    const result = await this.pool.query('SELECT id, secret_hash FROM operator_keys');
    const row = result.rows.find((r) => hashesMatch(r.secret_hash, hash));
    return row ? { kind: 'operator', keyId: row.id } : null;
  }

  /**
   * The operator key: PUNCHCARD_OPERATOR_KEY when set (stored hashed under id "env"); otherwise one
   * is generated on first start and printed once. Returns the generated key, if any.
   */
  async ensureOperatorKey(fromEnv: string | null): Promise<string | null> {
    if (fromEnv) {
      if (!fromEnv.startsWith('pcop_') || fromEnv.length < 32) {
        throw new Error('PUNCHCARD_OPERATOR_KEY must start with "pcop_" and be at least 32 characters long');
      }
      await this.pool.query(
        `INSERT INTO operator_keys (id, secret_hash) VALUES ('env', $1) ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
        [hashKey(fromEnv)],
      );
      return null;
    }
    const existing = await this.pool.query(`SELECT 1 FROM operator_keys WHERE id = 'generated'`);
    if (existing.rowCount) return null;
    const key = issueOperatorKey();
    const inserted = await this.pool.query(
      `INSERT INTO operator_keys (id, secret_hash) VALUES ('generated', $1) ON CONFLICT (id) DO NOTHING`,
      [hashKey(key)],
    );
    if (!inserted.rowCount) return null;
    this.logger.log(`Generated the operator key (shown once, store it now): ${key}`);
    return key;
  }
}
