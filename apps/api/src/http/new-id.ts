import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Set on the request by the IdempotencyInterceptor when an Idempotency-Key is present. */
export interface IdempotencyInfo {
  scope: string;
  key: string;
  /** When the key was first seen; the same on every retry (with a receipt: when this attempt began). */
  firstSeenAt: Date;
  /** Set on a route that records its answer with its append (ADR 0028). */
  receipt?: PendingReceipt;
}

/**
 * An answer the write side records in the same statement as the request's append (ADR 0028): the
 * IdempotencyInterceptor fills in everything but the body, which the command renders from its decision.
 */
export interface PendingReceipt {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  /** The replayed headers the route has set so far (the position is added by the store). */
  headers(): Record<string, string>;
  /** Set by the write side once the append carrying it has committed. */
  recorded: boolean;
}

/**
 * A new time-ordered id (UUIDv7). Under an Idempotency-Key it is derived from the key, so a retry
 * of a request whose first attempt crashed after writing addresses the same package/redemption
 * and is recognised as done instead of creating a second one.
 */
export function newId(request: object, purpose: string): string {
  const info = (request as { idempotency?: IdempotencyInfo }).idempotency;
  if (!info) return uuidv7();
  const random = createHash('sha256').update(`${info.scope}\n${info.key}\n${purpose}`).digest().subarray(0, 16);
  return uuidv7({ msecs: info.firstSeenAt.getTime(), random: Uint8Array.from(random) });
}
