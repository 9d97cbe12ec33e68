export interface Config {
  port: number;
  /** External PostgreSQL; when absent an embedded server is started in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  operatorKey: string | null;
  poolSize: number;
  runProjections: boolean;
  runScheduler: boolean;
  expirySweepIntervalMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.PUNCHCARD_DATA_DIR ?? './data',
    operatorKey: env.PUNCHCARD_OPERATOR_KEY || null,
    poolSize: Number(env.PUNCHCARD_DB_POOL_SIZE ?? 40),
    runProjections: env.PUNCHCARD_PROJECTIONS !== 'off',
    runScheduler: env.PUNCHCARD_SCHEDULER !== 'off',
    expirySweepIntervalMs: Number(env.PUNCHCARD_EXPIRY_SWEEP_MS ?? 60_000),
  };
}
