import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { openSecretBox, SecretBox } from '@punchcard/payments';
import { Config } from '@punchcard/platform';
import { ApiError } from '../http/problem';
import { APP_CONFIG, Clock, CLOCK, PG_POOL, SYSTEM_POOL } from '../tokens';
import { checkDestination, DestinationRefused } from './destination';
import { newSigningSecret } from './signature';

/** Endpoints per business: enough for several integrations, and one page lists them all. */
export const MAX_ENDPOINTS = 25;

/** The row of signing_secrets holding the generated key, when PUNCHCARD_SECRETS_KEY is not set. */
const KEY_ID = 'outbound-webhook-secrets';

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  /** Why it is off: `admin` (switched off) or `failing` (too many failed attempts in a row); null when on. */
  disabledReason: 'admin' | 'failing' | null;
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string;
}

/** Only when created or rotated: the signing secret, never shown again. */
export type EndpointWithSecret = EndpointView & { secret: string };

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  events?: string[];
  enabled?: boolean;
}

const COLUMNS = 'id, url, description, event_types, enabled, disabled_reason, consecutive_failures, created_at, updated_at, secret_rotated_at';

/**
 * A business's webhook endpoints (ADR 0024), in a service table under row-level security. The signing
 * secret is sealed (AES-256-GCM, bound to the tenant and endpoint) and shown only when made.
 */
@Injectable()
export class WebhookEndpoints implements OnModuleInit {
  private readonly logger = new Logger('WebhookEndpoints');
  private box: SecretBox | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.box = await openSecretBox(this.config.secretsKey, this.systemPool, KEY_ID, () => this.logger.log('Generated the key that encrypts webhook signing secrets (stored in the database; set PUNCHCARD_SECRETS_KEY to use your own).'));
  }

  /** Creates the endpoint (a retry under the same id gets a fresh secret: the first answer was lost). */
  async create(tenantId: string, id: string, input: { url: string; description: string | null; events: string[]; enabled: boolean }): Promise<EndpointWithSecret> {
    await this.checkUrl(input.url);
    // Counted before the insert: two concurrent creates may pass it together (a soft limit).
    const { rows: counted } = await this.pool.query('SELECT count(*)::int AS n, bool_or(id = $2) AS retried FROM webhook_endpoints WHERE tenant_id = $1', [tenantId, id]);
    if (counted[0].n >= MAX_ENDPOINTS && !counted[0].retried)
      throw new ApiError(409, 'webhook_endpoint_limit_reached', `A business may have at most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
    const secret = newSigningSecret();
    const now = this.clock.now();
    const { rows } = await this.pool.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types, enabled, disabled_reason, secret_ciphertext, plan_from, created_at, updated_at, secret_rotated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9)
       ON CONFLICT (id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, secret_rotated_at = EXCLUDED.secret_rotated_at
       RETURNING ${COLUMNS}`,
      [id, tenantId, input.url, input.description, dedupe(input.events), input.enabled, input.enabled ? null : 'admin', this.seal(tenantId, id, secret), now],
    );
    return { ...toView(rows[0]), secret };
  }

  async list(tenantId: string): Promise<EndpointView[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
    return rows.map(toView);
  }

  async get(tenantId: string, id: string): Promise<EndpointView> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    if (!rows[0]) throw notFound();
    return toView(rows[0]);
  }

  /**
   * Re-enabling clears the failure count; re-enabling (after an admin switched it off) or changing the
   * event types moves `plan_from` to now, so a replay of the log decides past events as the live planner
   * did. Re-enabling an endpoint off for failing keeps `plan_from`: its events were planned (held)
   * all along, and the dispatcher releases them.
   */
  async update(tenantId: string, id: string, changes: EndpointChanges): Promise<EndpointView> {
    if (changes.url !== undefined) await this.checkUrl(changes.url);
    const now = this.clock.now();
    const { rows } = await this.pool.query(
      `UPDATE webhook_endpoints SET
         url = COALESCE($3, url),
         description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         plan_from = CASE WHEN ($6::boolean IS TRUE AND NOT enabled AND disabled_reason IS DISTINCT FROM 'failing') OR ($7::text[] IS NOT NULL AND $7::text[] IS DISTINCT FROM event_types) THEN $8 ELSE plan_from END,
         event_types = COALESCE($7, event_types),
         consecutive_failures = CASE WHEN $6::boolean IS TRUE AND NOT enabled THEN 0 ELSE consecutive_failures END,
         disabled_reason = CASE WHEN $6::boolean IS TRUE THEN NULL WHEN $6::boolean IS FALSE THEN 'admin' ELSE disabled_reason END, -- an admin's off wins over 'failing': nothing more is planned
         enabled = COALESCE($6, enabled),
         updated_at = $8
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        tenantId,
        id,
        changes.url ?? null,
        changes.description !== undefined,
        changes.description ?? null,
        changes.enabled ?? null,
        changes.events ? dedupe(changes.events) : null,
        now,
      ],
    );
    if (!rows[0]) throw notFound();
    return toView(rows[0]);
  }

  /** Its deliveries and their attempts go with it. */
  async delete(tenantId: string, id: string): Promise<void> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    if (!rowCount) throw notFound();
  }

  /** A new secret at once; the old one stops signing immediately. */
  async rotateSecret(tenantId: string, id: string): Promise<EndpointWithSecret> {
    const secret = newSigningSecret();
    const { rows } = await this.pool.query(
      `UPDATE webhook_endpoints SET secret_ciphertext = $3, secret_rotated_at = $4, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, this.seal(tenantId, id, secret), this.clock.now()],
    );
    if (!rows[0]) throw notFound();
    return { ...toView(rows[0]), secret };
  }

  /** For the dispatcher: the secret in clear, to sign one call. */
  openSecret(tenantId: string, id: string, sealed: Buffer): string {
    return this.sealer().decrypt(sealed, `${tenantId}/webhook-endpoint/${id}`);
  }

  private seal(tenantId: string, id: string, secret: string): Buffer {
    return this.sealer().encrypt(secret, `${tenantId}/webhook-endpoint/${id}`);
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkDestination(url, this.config.webhooks);
    } catch (error) {
      if (error instanceof DestinationRefused) throw new ApiError(422, error.code, error.message);
      throw error;
    }
  }

  private sealer(): SecretBox {
    if (!this.box) throw new Error('the webhook secrets key is not loaded yet');
    return this.box;
  }
}

export function notFound(): ApiError {
  return new ApiError(404, 'webhook_endpoint_not_found', 'No webhook endpoint with this id.');
}

function dedupe(events: string[]): string[] {
  return [...new Set(events)].sort();
}

function toView(row: any): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    secretRotatedAt: row.secret_rotated_at.toISOString(),
  };
}
