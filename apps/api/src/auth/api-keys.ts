import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys are shown once and stored as SHA-256 of the whole key. A 256-bit random secret needs no
 * slow hash: there is nothing to brute-force. The key id before the secret finds the row without
 * scanning; the comparison is constant-time.
 */
export const TENANT_KEY_PREFIX = 'pc_';

export interface IssuedKey {
  id: string;
  key: string;
  hash: Buffer;
}

export function issueTenantKey(): IssuedKey {
  const id = randomBytes(8).toString('hex');
  const key = `${TENANT_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashKey(key) };
}

export function issueOperatorKey(): string {
  return `pcop_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The non-secret start of a key (`pc_<id>`): what listings show so a holder can tell keys apart. */
export function keyPrefixOf(id: string): string {
  return `${TENANT_KEY_PREFIX}${id}`;
}

export function isKeyId(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value);
}

export function keyIdOf(key: string): string | null {
  const match = /^pc_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/.exec(key);
  return match ? match[1] : null;
}

export function hashesMatch(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
