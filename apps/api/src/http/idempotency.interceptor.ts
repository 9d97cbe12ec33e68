import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { from, lastValueFrom, Observable } from 'rxjs';
import { ReceiptTakenError } from '@punchcard/event-store';
import { Principal } from '../auth/principal';
import { PG_POOL } from '../tokens';
import { IdempotencyInfo, PendingReceipt } from './new-id';
import { ApiError, toProblem } from './problem';

/** A response recorded under an idempotency key, sent again byte for byte by the ProblemFilter. */
export class StoredResponse {
  constructor(
    readonly status: number,
    /** The body's exact text as first sent (null: no body). */
    readonly body: string | null,
    readonly headers: Record<string, string>,
  ) {}
}

/**
 * Answers that invite the client to retry: never stored, and the key is released, so the retry
 * runs. 400 (the request never ran), 429 and every 5xx by status; these by code.
 */
const RETRY_INVITING_CODES = new Set(['concurrency_conflict', 'idempotency_key_in_use', 'read_model_behind', 'rate_limited']);

function isFinalAnswer(problem: { status: number; code: string }): boolean {
  return problem.status !== 400 && problem.status !== 429 && problem.status < 500 && !RETRY_INVITING_CODES.has(problem.code);
}

export const REPLAYED_HEADERS = ['location', 'punchcard-position'];
const LOCK_SECONDS = 30;

const SHOWN_ONCE = 'punchcard:shown-once';
/**
 * Response fields that are secrets shown once (a new API key): never stored for a replay, so a
 * retry under the same Idempotency-Key answers without them instead of keeping the secret in the database.
 */
export const ShownOnce = (...fields: string[]) => SetMetadata(SHOWN_ONCE, fields);

const RECORDED_WITH_APPEND = 'punchcard:recorded-with-append';
/**
 * A route whose command makes exactly one append and nothing else: its answer under an
 * Idempotency-Key is recorded in the append's own statement instead of a claim before and a record
 * after (ADR 0028). Its command must render the answer for the write side (StreamExecutor's
 * `answer`, or `unit.answerWith`).
 */
export const RecordedWithAppend = () => SetMetadata(RECORDED_WITH_APPEND, true);

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response (success or a final
 * 4xx) is stored as the exact text sent; a retry with the same key and body gets that response again,
 * byte for byte (`Idempotent-Replayed: true`); the same key with another body is refused (422); a retry
 * while the first is still running gets 409. Keys are scoped to the tenant (or the operator). An answer
 * that invites a retry (400, 429, 5xx, `concurrency_conflict`, `read_model_behind`…) is not stored: the
 * key is released, so the retry runs. Records are purged after the retention period (IdempotencyPurge).
 * On a route @RecordedWithAppend there is no claim: the append records the answer, and a concurrent
 * request with the same key waits for it and replays its answer instead of getting 409 (ADR 0028).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest();
    const key = request.headers['idempotency-key'];
    // A public route (Stripe's webhooks) has no caller to scope a key to; it carries its own proof and ids.
    if (request.method !== 'POST' || key === undefined || !request.principal) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const principal: Principal = request.principal;
    const scope = idempotencyScope(principal);
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.path}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');

    const response = context.switchToHttp().getResponse();
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    if (this.reflector.get<boolean>(RECORDED_WITH_APPEND, context.getHandler())) {
      return this.recordWithAppend(request, response, next, { scope, key, requestHash, status, headers: () => replayedHeaders(response, true), recorded: false });
    }

    const firstSeenAt = await this.claim(scope, key, requestHash);
    request.idempotency = { scope, key, firstSeenAt } satisfies IdempotencyInfo;

    return from(
      (async () => {
        try {
          const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
          const headers = replayedHeaders(response, false);
          const secrets = this.reflector.get<string[]>(SHOWN_ONCE, context.getHandler()) ?? [];
          // The text Express sends for the body (res.json is JSON.stringify), minus secrets shown once.
          await this.record(scope, key, status, body === undefined ? null : JSON.stringify(withoutFields(body, secrets)), headers);
          return body;
        } catch (error) {
          // Only final answers are stored; the rest release the key so a corrected or repeated request runs.
          const problem = toProblem(error);
          if (isFinalAnswer(problem)) await this.record(scope, key, problem.status, JSON.stringify(problem), {});
          else await this.pool.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
          throw error;
        }
      })(),
    );
  }

  /**
   * ADR 0028: no claim. The write side records the answer with the append; what it did not record (a
   * command that appended nothing, a final refusal) is recorded here unless the key already holds an
   * answer. A key that already holds one (a retry, or a concurrent request that won) replays it.
   */
  private recordWithAppend(request: { idempotency?: IdempotencyInfo }, response: { getHeader(name: string): unknown }, next: CallHandler, receipt: PendingReceipt) {
    request.idempotency = { scope: receipt.scope, key: receipt.key, firstSeenAt: new Date(), receipt };
    return from(
      (async () => {
        try {
          const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
          if (!receipt.recorded) await this.recordOnce(receipt, receipt.status, body === undefined ? null : JSON.stringify(body), replayedHeaders(response, false));
          return body;
        } catch (error) {
          if (error instanceof StoredResponse) throw error;
          if (error instanceof ReceiptTakenError) throw await this.answered(receipt);
          const problem = toProblem(error);
          if (isFinalAnswer(problem)) await this.recordOnce(receipt, problem.status, JSON.stringify(problem), {});
          throw error;
        }
      })(),
    );
  }

  /** Records an answer no append carried; if the key already holds one, throws that instead (replayed). */
  private async recordOnce(receipt: PendingReceipt, status: number, body: string | null, headers: Record<string, string>): Promise<void> {
    const inserted = await this.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, response_headers) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (scope, key) DO NOTHING`,
      [receipt.scope, receipt.key, receipt.requestHash, status, body, JSON.stringify(headers)],
    );
    if (!inserted.rowCount) throw await this.answered(receipt);
  }

  /** What a key that is already taken answers: its stored response, 422 for another request, 409 while a claim runs. */
  private async answered({ scope, key, requestHash }: PendingReceipt): Promise<Error | StoredResponse> {
    const { rows } = await this.pool.query(
      'SELECT request_hash, status_code, response_body, response_headers FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    if (row && row.request_hash !== requestHash) {
      return new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request.');
    }
    if (row?.status_code == null) {
      // A claim by a route that claims first, still running (or released after a 5xx in between).
      return new ApiError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    return new StoredResponse(row.status_code, row.response_body, row.response_headers ?? {});
  }

  /** Claims the key for this request; returns when the key was first seen. */
  private async claim(scope: string, key: string, requestHash: string): Promise<Date> {
    const claimed = await this.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, locked_until) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (scope, key) DO NOTHING RETURNING created_at`,
      [scope, key, requestHash, LOCK_SECONDS],
    );
    if (claimed.rowCount) return claimed.rows[0].created_at;
    const { rows } = await this.pool.query(
      `SELECT request_hash, status_code, response_body, response_headers, created_at, locked_until < now() AS lock_expired
       FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    if (!row) return this.claim(scope, key, requestHash); // deleted after a 5xx in between: claim again
    if (row.request_hash !== requestHash) {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request.');
    }
    if (row.status_code !== null) throw new StoredResponse(row.status_code, row.response_body, row.response_headers ?? {});
    // Still running elsewhere, unless its holder died: then take the key over (the write side
    // recognises events already appended under this key, so nothing is applied twice).
    const takenOver =
      row.lock_expired &&
      (
        await this.pool.query(
          `UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $3)
           WHERE scope = $1 AND key = $2 AND status_code IS NULL AND locked_until < now()`,
          [scope, key, LOCK_SECONDS],
        )
      ).rowCount;
    if (!takenOver) {
      throw new ApiError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    return row.created_at;
  }

  private async record(scope: string, key: string, status: number, body: string | null, headers: Record<string, string>): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4, response_headers = $5, locked_until = NULL
       WHERE scope = $1 AND key = $2`,
      [scope, key, status, body, JSON.stringify(headers)],
    );
  }
}

/** The headers a replay sends again, as the route has set them (without the position: the store adds it). */
function replayedHeaders(response: { getHeader(name: string): unknown }, withoutPosition: boolean): Record<string, string> {
  const names = withoutPosition ? REPLAYED_HEADERS.filter((h) => h !== 'punchcard-position') : REPLAYED_HEADERS;
  return Object.fromEntries(names.filter((h) => response.getHeader(h) !== undefined).map((h) => [h, String(response.getHeader(h))]));
}

function withoutFields(body: unknown, fields: string[]): unknown {
  if (!fields.length || body === null || typeof body !== 'object') return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));
}

/** JSON with object keys sorted, so the same body always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One key space per tenant (its API keys share it), per client (a client never sees another's replay), and the operator's. */
function idempotencyScope(principal: Principal): string {
  if (principal.kind === 'operator') return 'operator';
  return principal.kind === 'client' ? `${principal.tenantId}:client:${principal.clientId}` : principal.tenantId;
}
