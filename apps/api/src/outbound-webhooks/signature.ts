import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signatures like Stripe's (ADR 0024): header `Punchcard-Signature: t=<unix seconds>,v1=<hex>`, where
 * v1 is HMAC-SHA256 over `${t}.${raw body}` with the endpoint's secret. The timestamp is signed, so a
 * receiver that rejects old timestamps also rejects replays of a captured request.
 */
export const SIGNATURE_HEADER = 'Punchcard-Signature';

export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, `${t}.${body}`)}`;
}

/** What a receiver does (the integrators' guide shows the same steps); tolerance in seconds. */
export function verifySignature(secret: string, body: string, header: string, now: Date, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((part) => part.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, `${t}.${body}`), 'hex');
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}

/** A new signing secret: `whsec_` and 32 random bytes (base64url). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}
