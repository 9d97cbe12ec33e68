import { randomUUID } from 'node:crypto';
import { TenantPrincipal } from '../auth/principal';

/** Who asked, under which key and correlation: becomes every resulting event's metadata. */
export interface CommandContext {
  tenantId: string;
  actor: { id: string; role: string };
  correlationId: string;
  idempotencyKey: string | null;
}

export function commandContext(principal: TenantPrincipal, request: { headers: Record<string, unknown> }): CommandContext {
  const key = request.headers['idempotency-key'];
  const correlation = request.headers['x-correlation-id'];
  return {
    tenantId: principal.tenantId,
    actor: { id: `api-key:${principal.keyId}`, role: principal.role },
    correlationId: typeof correlation === 'string' && /^[\w.:-]{1,100}$/.test(correlation) ? correlation : randomUUID(),
    idempotencyKey: typeof key === 'string' ? key : null,
  };
}

export function systemContext(tenantId: string, process: string): CommandContext {
  return { tenantId, actor: { id: `system:${process}`, role: 'system' }, correlationId: randomUUID(), idempotencyKey: null };
}
