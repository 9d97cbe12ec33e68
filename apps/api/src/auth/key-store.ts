import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { SYSTEM_POOL } from '../tokens';
import { hashesMatch, hashKey, issueOperatorKey, keyIdOf } from './api-keys';
import { Principal } from './principal';

const CACHE_MS = 5_000;

/**
 * Verifies bearer keys against their stored hashes; verified keys are remembered for a few seconds.
 * Revoking or rotating a key evicts it here (`forget`), so this process refuses it at once; other
 * instances may still accept it until their cache entry ends (at most CACHE_MS).
 */
@Injectable()
export class KeyStore {
  private readonly logger = new Logger('Keys');
  /** By key hash: a cache hit proves the caller holds the key. */
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  /** Key id -> cache key, so a revoked tenant key can be evicted without knowing its secret. */
  private readonly cacheKeyById = new Map<string, string>();

  constructor(@Inject(SYSTEM_POOL) private readonly pool: Pool) {}

  async verify(key: string): Promise<Principal | null> {
    const hash = hashKey(key);
    const cacheKey = hash.toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.principal;

    const verified = key.startsWith('pcop_') ? await this.verifyOperator(hash) : await this.verifyTenant(key, hash);
    if (this.cache.size > 10_000) this.clearCache();
    if (!verified) return null;
    // A key whose revocation is scheduled (rotation grace) is not remembered past that moment.
    const until = Math.min(Date.now() + CACHE_MS, verified.validUntil?.getTime() ?? Infinity);
    this.cache.set(cacheKey, { principal: verified.principal, until });
    if (verified.principal.kind === 'tenant') this.cacheKeyById.set(verified.principal.keyId, cacheKey);
    return verified.principal;
  }

  /** Drops a tenant key from this process's cache (after it was revoked or rotated). */
  forget(keyId: string): void {
    const cacheKey = this.cacheKeyById.get(keyId);
    if (cacheKey) this.cache.delete(cacheKey);
    this.cacheKeyById.delete(keyId);
  }

  private clearCache(): void {
    this.cache.clear();
    this.cacheKeyById.clear();
  }

  /** A key is valid until its revocation time; rotation with a grace period sets one in the future. */
  private async verifyTenant(key: string, hash: Buffer): Promise<{ principal: Principal; validUntil: Date | null } | null> {
    const id = keyIdOf(key);
    if (!id) return null;
    const result = await this.pool.query(
      'SELECT tenant_id, role, secret_hash, revoked_at FROM api_keys WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > now())',
      [id],
    );
    const row = result.rows[0];
    if (!row || !hashesMatch(row.secret_hash, hash)) return null;
    return { principal: { kind: 'tenant', tenantId: row.tenant_id, keyId: id, role: row.role }, validUntil: row.revoked_at };
  }

  private async verifyOperator(hash: Buffer): Promise<{ principal: Principal; validUntil: null } | null> {
    const result = await this.pool.query('SELECT id, secret_hash FROM operator_keys');
    const row = result.rows.find((r) => hashesMatch(r.secret_hash, hash));
    return row ? { principal: { kind: 'operator', keyId: row.id }, validUntil: null } : null;
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
