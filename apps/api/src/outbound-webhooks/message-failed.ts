import { v5 as uuidv5 } from 'uuid';
import { deliveryIdOf, EndpointSubscription, wants, WebhookEnvelope } from './planning';

/**
 * `message.failed` (a lifecycle email whose retries ran out, ADR 0023) is not a domain event: the
 * message dispatcher plans its deliveries itself, in the transaction that marks the message failed
 * (`planMessageFailedDeliveries`), so a crash or a retry of that transaction never plans twice.
 */
export interface MessageFailure {
  tenantId: string;
  messageId: string;
  kind: string;
  clientId: string;
  packageId: string | null;
  bookingId: string | null;
  /** The last error (an SMTP reply); addresses in it are redacted before it is sent. */
  reason: string;
  attempts: number;
  /** Admin resends of the message before this failure (a resent message may fail again: another event). */
  resends: number;
  failedAt: Date;
}

const MESSAGE_FAILED_NAMESPACE = 'c7d2f0a4-5e1b-4f7a-9b0e-6a3d8e2f1c55';

/** One event per failure of a message: the message, which send round (resends) and the attempts it took. */
export function messageFailedEventId(failure: Pick<MessageFailure, 'tenantId' | 'messageId' | 'resends' | 'attempts'>): string {
  return uuidv5(`message.failed:${failure.tenantId}:${failure.messageId}:${failure.resends}:${failure.attempts}`, MESSAGE_FAILED_NAMESPACE);
}

/** Email addresses (in an SMTP reply such as `550 <ann@example.com>: no such user`) are personal data: never sent. */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '[redacted]').slice(0, 500);
}

/** The envelope: ids, the kind, the reason and counts; no recipient, subject or body. */
export function messageFailedEnvelope(failure: MessageFailure): WebhookEnvelope {
  const failedAt = failure.failedAt.toISOString();
  return {
    id: messageFailedEventId(failure),
    type: 'message.failed',
    createdAt: failedAt,
    businessId: failure.tenantId,
    data: {
      messageId: failure.messageId,
      kind: failure.kind,
      clientId: failure.clientId,
      packageId: failure.packageId,
      bookingId: failure.bookingId,
      reason: redactAddresses(failure.reason),
      attempts: failure.attempts,
      failedAt,
    },
  };
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/**
 * Inserts one delivery per endpoint of the business subscribed to `message.failed` (enabled, or off for
 * failing: then `held`, like every planned delivery), keyed like every delivery (endpoint, event id),
 * with `ON CONFLICT DO NOTHING`. Call inside the transaction that
 * records the failure, as punchcard_system. Returns how many were planned.
 */
export async function planMessageFailedDeliveries(client: Queryable, failure: MessageFailure): Promise<number> {
  const envelope = messageFailedEnvelope(failure);
  const { rows } = await client.query(
    `SELECT id, tenant_id, enabled, disabled_reason, event_types, plan_from FROM webhook_endpoints
     WHERE tenant_id = $1 AND (enabled OR disabled_reason = 'failing') AND 'message.failed' = ANY(event_types)`,
    [failure.tenantId],
  );
  const endpoints: EndpointSubscription[] = rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    eventTypes: row.event_types,
    planFrom: row.plan_from.toISOString(),
  }));
  const wanting = endpoints.filter((endpoint) => wants(endpoint, envelope));
  if (wanting.length === 0) return 0;
  const body = JSON.stringify(envelope);
  const inserted = await client.query(
    `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, body, status, next_attempt_at, planned_at)
     SELECT r.id, $2, r.endpoint_id, $3, 'message.failed', $4, CASE WHEN e.enabled THEN 'pending' ELSE 'held' END, CASE WHEN e.enabled THEN $5::timestamptz END, $5
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, endpoint_id uuid) JOIN webhook_endpoints e ON e.id = r.endpoint_id
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(wanting.map((endpoint) => ({ id: deliveryIdOf(endpoint.id, envelope.id), endpoint_id: endpoint.id }))), failure.tenantId, envelope.id, body, failure.failedAt],
  );
  return inserted.rowCount ?? 0;
}
