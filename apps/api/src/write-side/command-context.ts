import { randomUUID } from 'node:crypto';
import { ClientPrincipal, TenantPrincipal } from '../auth/principal';
import { IdempotencyInfo } from '../http/new-id';

/** Who asked, under which key and correlation: becomes every resulting event's metadata. */
export interface CommandContext {
  tenantId: string;
  actor: { id: string; role: string };
  correlationId: string;
  idempotencyKey: string | null;
}

/** The idempotency key comes from the IdempotencyInterceptor (POST only), never straight from the header. */
export function commandContext(principal: TenantPrincipal | ClientPrincipal, request: { headers: Record<string, unknown> }): CommandContext {
  const key = (request as { idempotency?: IdempotencyInfo }).idempotency?.key;
  const correlation = request.headers['x-correlation-id'];
  return {
    tenantId: principal.tenantId,
    actor: principal.kind === 'client' ? { id: `client:${principal.clientId}`, role: 'client' } : { id: `api-key:${principal.keyId}`, role: principal.role },
    correlationId: typeof correlation === 'string' && /^[\w.:-]{1,100}$/.test(correlation) ? correlation : randomUUID(),
    idempotencyKey: key ?? null,
  };
}

export function systemContext(tenantId: string, process: string): CommandContext {
  return { tenantId, actor: { id: `system:${process}`, role: 'system' }, correlationId: randomUUID(), idempotencyKey: null };
}
