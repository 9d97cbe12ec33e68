import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe links carry `{tenantId}.{clientId}.{signature}`: HMAC-SHA256 over both ids with the
 * service's secret, base64url. No expiry: an old email's link must keep working. It proves only "this
 * client may change their own nudge preference", nothing else.
 */
export function signUnsubscribeToken(secret: string, tenantId: string, clientId: string): string {
  return `${tenantId}.${clientId}.${mac(secret, tenantId, clientId)}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): { tenantId: string; clientId: string } | null {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  const [tenantId, clientId, signature] = parts;
  const expected = Buffer.from(mac(secret, tenantId, clientId));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { tenantId, clientId };
}

function mac(secret: string, tenantId: string, clientId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe\n${tenantId}\n${clientId}`).digest('base64url');
}
