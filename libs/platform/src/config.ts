export interface Config {
  port: number;
  /** External PostgreSQL; when absent an embedded server is started in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  operatorKey: string | null;
  poolSize: number;
  /** Connections reports and exports may hold at once (their own pool, beside `poolSize`). */
  reportPoolSize: number;
  /** A request waiting longer than this for a database connection answers 503 database_unavailable. */
  dbConnectTimeoutMs: number;
  /** The service roles' `statement_timeout`: a longer statement is cancelled and answers 503 (0 = none). */
  dbStatementTimeoutMs: number;
  /** PUNCHCARD_DB_TENANT_SETTING: `session` (default) or `transaction` behind a transaction-mode pooler (ADR 0027). */
  dbTenantSetting: 'session' | 'transaction';
  runProjections: boolean;
  runScheduler: boolean;
  /** PUNCHCARD_STREAM_CACHE=off: every command reads its streams from the store (the cache is version-checked either way; issue 15). */
  streamCache: boolean;
  expirySweepIntervalMs: number;
  /** Requests per minute per credential (API key or client); 0 = no limit. See rateLimitFrom. */
  rateLimitPerMinute: number;
  /** Idempotency records older than this are purged (a key reused after that is a new request). See retentionHoursFrom. */
  idempotencyRetentionHours: number;
  /** Signs client tokens (HS256, at least 32 characters); when absent one is generated and kept in the database. */
  tokenSecret: string | null;
  /** Encrypts stored payment secrets (AES-256-GCM, 32 bytes as base64 or hex); when absent one is generated and kept in the database. */
  secretsKey: string | null;
  /** Where the Stripe SDK sends its calls (e.g. a local stand-in in tests); null: Stripe's own servers. */
  stripeApiUrl: string | null;
  /** Where lifecycle emails go (`smtp://…`, `smtps://…`); null: messages are recorded `not_sent` (ADR 0023). */
  smtpUrl: string | null;
  /** The From address of lifecycle emails. */
  mailFrom: string;
  /** The service's public base URL, for links in emails (unsubscribe, default booking link). */
  publicUrl: string;
  /** How often the message dispatcher plans and sends (where the scheduler runs). */
  messagesIntervalMs: number;
  /** How long a dispatcher's claim on a message lasts; a message still `sending` after it (its dispatcher died) is sent again. */
  messagesClaimMs: number;
  /** Outbound webhooks (ADR 0024, docs/webhooks.md): SSRF policy, call limits, failure policy, pacing. */
  webhooks: WebhookSettings;
  /** External busy calendars (ADR 0026, docs/calendars-busy.md): SSRF policy, fetch limits, refresh pace, horizon. */
  calendars: CalendarSettings;
}

export interface CalendarSettings {
  /** PUNCHCARD_CALENDARS_ALLOW_HTTP=true: plain http calendar URLs are accepted too (development and tests only). */
  allowHttp: boolean;
  /** PUNCHCARD_CALENDARS_ALLOW_PRIVATE_NETWORKS=true: private, loopback and link-local addresses may be fetched (tests only). */
  allowPrivateNetworks: boolean;
  /** PUNCHCARD_CALENDARS_TIMEOUT_MS (default 10000): the most one fetch may take, connect to last byte. */
  timeoutMs: number;
  /** PUNCHCARD_CALENDARS_MAX_BYTES (default 2 MiB): a larger calendar is refused (calendar_too_large). Parsing is batched, but its total CPU time grows with the size. */
  maxBytes: number;
  /** PUNCHCARD_CALENDARS_INTERVAL_MS (default 15 min): how often each calendar is fetched again. */
  intervalMs: number;
  /** PUNCHCARD_CALENDARS_HORIZON_DAYS (default 120): busy times are expanded from yesterday to this many days ahead. */
  horizonDays: number;
}

export interface WebhookSettings {
  /** PUNCHCARD_WEBHOOKS_ALLOW_HTTP=true: plain http URLs are accepted too (development and tests only). */
  allowHttp: boolean;
  /** PUNCHCARD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true: private, loopback and link-local addresses may be called (tests only). */
  allowPrivateNetworks: boolean;
  /** PUNCHCARD_WEBHOOKS_TIMEOUT_MS (default 10000): the most one call may take, connect to answer. */
  timeoutMs: number;
  /** PUNCHCARD_WEBHOOKS_DISABLE_AFTER (default 20): failed attempts in a row that switch an endpoint off. */
  disableAfter: number;
  /** PUNCHCARD_WEBHOOKS_INTERVAL_MS (default 5000): how often the dispatcher plans and sends. */
  intervalMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.PUNCHCARD_DATA_DIR ?? './data',
    operatorKey: env.PUNCHCARD_OPERATOR_KEY || null,
    poolSize: Number(env.PUNCHCARD_DB_POOL_SIZE ?? 40),
    reportPoolSize: Number(env.PUNCHCARD_DB_REPORT_POOL_SIZE ?? 4),
    dbConnectTimeoutMs: millisecondsFrom('PUNCHCARD_DB_CONNECT_TIMEOUT_MS', env.PUNCHCARD_DB_CONNECT_TIMEOUT_MS, 5_000),
    dbStatementTimeoutMs: millisecondsFrom('PUNCHCARD_DB_STATEMENT_TIMEOUT_MS', env.PUNCHCARD_DB_STATEMENT_TIMEOUT_MS, 30_000),
    dbTenantSetting: tenantSettingFrom(env.PUNCHCARD_DB_TENANT_SETTING),
    runProjections: env.PUNCHCARD_PROJECTIONS !== 'off',
    runScheduler: env.PUNCHCARD_SCHEDULER !== 'off',
    streamCache: env.PUNCHCARD_STREAM_CACHE !== 'off',
    expirySweepIntervalMs: Number(env.PUNCHCARD_EXPIRY_SWEEP_MS ?? 60_000),
    tokenSecret: env.PUNCHCARD_TOKEN_SECRET || null,
    secretsKey: env.PUNCHCARD_SECRETS_KEY || null,
    stripeApiUrl: env.PUNCHCARD_STRIPE_API_URL || null,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.PUNCHCARD_MAIL_FROM || 'Punchcard <no-reply@punchcard.invalid>',
    publicUrl: (env.PUNCHCARD_PUBLIC_URL || `http://localhost:${Number(env.PORT ?? 3000)}`).replace(/\/+$/, ''),
    messagesIntervalMs: millisecondsFrom('PUNCHCARD_MESSAGES_INTERVAL_MS', env.PUNCHCARD_MESSAGES_INTERVAL_MS, 10_000),
    messagesClaimMs: millisecondsFrom('PUNCHCARD_MESSAGES_CLAIM_MS', env.PUNCHCARD_MESSAGES_CLAIM_MS, 120_000),
    webhooks: {
      allowHttp: env.PUNCHCARD_WEBHOOKS_ALLOW_HTTP === 'true',
      allowPrivateNetworks: env.PUNCHCARD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS === 'true',
      timeoutMs: positiveFrom('PUNCHCARD_WEBHOOKS_TIMEOUT_MS', env.PUNCHCARD_WEBHOOKS_TIMEOUT_MS, 10_000),
      disableAfter: positiveFrom('PUNCHCARD_WEBHOOKS_DISABLE_AFTER', env.PUNCHCARD_WEBHOOKS_DISABLE_AFTER, 20),
      intervalMs: positiveFrom('PUNCHCARD_WEBHOOKS_INTERVAL_MS', env.PUNCHCARD_WEBHOOKS_INTERVAL_MS, 5_000),
    },
    calendars: {
      allowHttp: env.PUNCHCARD_CALENDARS_ALLOW_HTTP === 'true',
      allowPrivateNetworks: env.PUNCHCARD_CALENDARS_ALLOW_PRIVATE_NETWORKS === 'true',
      timeoutMs: positiveFrom('PUNCHCARD_CALENDARS_TIMEOUT_MS', env.PUNCHCARD_CALENDARS_TIMEOUT_MS, 10_000),
      maxBytes: positiveFrom('PUNCHCARD_CALENDARS_MAX_BYTES', env.PUNCHCARD_CALENDARS_MAX_BYTES, 2 * 1024 * 1024),
      intervalMs: positiveFrom('PUNCHCARD_CALENDARS_INTERVAL_MS', env.PUNCHCARD_CALENDARS_INTERVAL_MS, 15 * 60_000),
      horizonDays: positiveFrom('PUNCHCARD_CALENDARS_HORIZON_DAYS', env.PUNCHCARD_CALENDARS_HORIZON_DAYS, 120),
    },
    rateLimitPerMinute: rateLimitFrom(env.PUNCHCARD_RATE_LIMIT_PER_MINUTE),
    idempotencyRetentionHours: retentionHoursFrom(env.PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS),
  };
}

/**
 * PUNCHCARD_RATE_LIMIT_PER_MINUTE: default 600 (10 requests a second, sustained, per key) is far above
 * what a front desk or a client app sends and lets a sync job page through 60,000 rows a minute, yet
 * stops a leaked key or a runaway loop from monopolising the database. `0` or `off` disables it.
 */
export function rateLimitFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 600;
  if (value.trim() === 'off') return 0;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0) throw new Error('PUNCHCARD_RATE_LIMIT_PER_MINUTE must be a whole number of requests (0 or "off" disables the limit)');
  return limit;
}

/**
 * PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS: default 24, the window in which a client retries a request
 * (Stripe keeps keys for 24 hours too). At least 1 hour: a retry after a crash must still find its key.
 */
export function retentionHoursFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 24;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours < 1) throw new Error('PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS must be a number of hours, at least 1');
  return hours;
}

function millisecondsFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`${name} must be a whole number of milliseconds (0 = no limit)`);
  return ms;
}

function positiveFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number, at least 1`);
  return n;
}

/** How the tenant setting reaches a connection (ADR 0027); anything else is a configuration error, not a silent default. */
export function tenantSettingFrom(value: string | undefined): 'session' | 'transaction' {
  if (value === undefined || value === '' || value === 'session') return 'session';
  if (value === 'transaction') return 'transaction';
  throw new Error(`PUNCHCARD_DB_TENANT_SETTING must be "session" or "transaction", not ${JSON.stringify(value)}`);
}
