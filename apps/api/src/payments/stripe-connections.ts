import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import { openSecretBox, SecretBox } from '@punchcard/payments';
import { APP_CONFIG, PG_POOL, SYSTEM_POOL } from '../tokens';
import { ApiError } from '../http/problem';

/** The row of signing_secrets holding the generated key, when PUNCHCARD_SECRETS_KEY is not set. */
const KEY_ID = 'payment-secrets';

export interface StripeSecrets {
  secretKey: string;
  webhookSecret: string;
}

/** What the API shows of a connection: never a secret, only the key's mode and last four characters. */
export interface StripeConnectionView {
  connected: true;
  mode: 'test' | 'live';
  secretKeyLast4: string;
  connectedAt: string;
  updatedAt: string;
  updatedBy: string;
}

/**
 * A business's Stripe secrets (ADR 0020): sealed with AES-256-GCM under the service's secrets key
 * (PUNCHCARD_SECRETS_KEY, or one generated once and kept where only `punchcard_system` reads it, like
 * the client token secret), bound to the tenant and the field. Never returned, never logged.
 */
@Injectable()
export class StripeConnections implements OnModuleInit {
  private readonly logger = new Logger('StripeConnections');
  private box: SecretBox | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {}

  async onModuleInit(): Promise<void> {
    this.box = await openSecretBox(this.config.secretsKey, this.systemPool, KEY_ID, () => this.logger.log('Generated the key that encrypts payment secrets (stored in the database; set PUNCHCARD_SECRETS_KEY to use your own).'));
  }

  /** Stores (or replaces) the business's secrets; the previous ones are gone. */
  async save(tenantId: string, secrets: StripeSecrets, actorId: string): Promise<StripeConnectionView> {
    const { rows } = await this.pool.query(
      `INSERT INTO stripe_connections (tenant_id, secret_key_ciphertext, webhook_secret_ciphertext, key_mode, key_last4, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET secret_key_ciphertext = EXCLUDED.secret_key_ciphertext,
         webhook_secret_ciphertext = EXCLUDED.webhook_secret_ciphertext, key_mode = EXCLUDED.key_mode,
         key_last4 = EXCLUDED.key_last4, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING key_mode, key_last4, connected_at, updated_at, updated_by`,
      [
        tenantId,
        this.sealer().encrypt(secrets.secretKey, `${tenantId}/secret_key`),
        this.sealer().encrypt(secrets.webhookSecret, `${tenantId}/webhook_secret`),
        modeOf(secrets.secretKey),
        secrets.secretKey.slice(-4),
        actorId,
      ],
    );
    return toView(rows[0]);
  }

  async view(tenantId: string): Promise<StripeConnectionView | null> {
    const { rows } = await this.pool.query('SELECT key_mode, key_last4, connected_at, updated_at, updated_by FROM stripe_connections WHERE tenant_id = $1', [tenantId]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The business's secrets in clear, for a call to Stripe or a webhook check only; null when not connected. */
  async secrets(tenantId: string): Promise<StripeSecrets | null> {
    const { rows } = await this.pool.query('SELECT secret_key_ciphertext, webhook_secret_ciphertext FROM stripe_connections WHERE tenant_id = $1', [tenantId]);
    if (!rows[0]) return null;
    try {
      return {
        secretKey: this.sealer().decrypt(rows[0].secret_key_ciphertext, `${tenantId}/secret_key`),
        webhookSecret: this.sealer().decrypt(rows[0].webhook_secret_ciphertext, `${tenantId}/webhook_secret`),
      };
    } catch {
      // Sealed under another key (PUNCHCARD_SECRETS_KEY changed after they were stored): the business must
      // post its secrets again. Stripe's deliveries meanwhile answer 503 and are retried by Stripe.
      this.logger.error(`The Stripe secrets of tenant ${tenantId} do not decrypt with the current payment secrets key`);
      throw new ApiError(503, 'stripe_secrets_unreadable', 'The stored Stripe secrets cannot be read with the current secrets key; an admin must connect Stripe again (POST /v1/payment-settings/stripe).');
    }
  }

  private sealer(): SecretBox {
    if (!this.box) throw new Error('the payment secrets key is not loaded yet');
    return this.box;
  }
}

/** Stripe's key prefixes: sk_test_/rk_test_ for test mode, sk_live_/rk_live_ for live. */
export function modeOf(secretKey: string): 'test' | 'live' {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test';
}

function toView(row: { key_mode: 'test' | 'live'; key_last4: string; connected_at: Date; updated_at: Date; updated_by: string }): StripeConnectionView {
  return {
    connected: true,
    mode: row.key_mode,
    secretKeyLast4: row.key_last4,
    connectedAt: row.connected_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}
