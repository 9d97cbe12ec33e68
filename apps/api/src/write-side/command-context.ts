import { randomUUID } from 'node:crypto';
import { ClientPrincipal, TenantPrincipal } from '../auth/principal';
import { IdempotencyInfo, newId, PendingReceipt } from '../http/new-id';

/** Who asked, under which key, correlation and cause: becomes every resulting event's metadata. */
export interface CommandContext {
  tenantId: string;
  actor: { id: string; role: string };
  correlationId: string;
  /**
   * Recorded as each resulting event's `causationId` (docs/event-catalog.md): the id of the command a
   * request carries (under an Idempotency-Key derived from the key and its first-seen time, so a retry
   * carries the same id and a key reused after its record was purged a new one), or, for a process,
   * the id of what it reacts to (an event, or a sweep run).
   */
  causationId: string;
  idempotencyKey: string | null;
  /** The request's answer, to be recorded with its append (ADR 0028); absent for most routes and every process. */
  receipt?: PendingReceipt | null;
}

/** The idempotency key comes from the IdempotencyInterceptor (POST only), never straight from the header. */
export function commandContext(principal: TenantPrincipal | ClientPrincipal, request: { headers: Record<string, unknown> }): CommandContext {
  const idempotency = (request as { idempotency?: IdempotencyInfo }).idempotency;
  const correlation = request.headers['x-correlation-id'];
  return {
    tenantId: principal.tenantId,
    actor: principal.kind === 'client' ? { id: `client:${principal.clientId}`, role: 'client' } : { id: `api-key:${principal.keyId}`, role: principal.role },
    correlationId: typeof correlation === 'string' && /^[\w.:-]{1,100}$/.test(correlation) ? correlation : randomUUID(),
    causationId: newId(request, 'command'),
    idempotencyKey: idempotency?.key ?? null,
    receipt: idempotency?.receipt ?? null,
  };
}

/**
 * A process's command: `cause` (the run or event it reacts to; by default a new id of its own) is both
 * its causation and its correlation.
 */
export function systemContext(tenantId: string, process: string, cause: string = randomUUID()): CommandContext {
  return { tenantId, actor: { id: `system:${process}`, role: 'system' }, correlationId: cause, causationId: cause, idempotencyKey: null };
}
