import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { KeyStore } from './auth/key-store';
import { APP_OPTIONS, configureApp } from './configure-app';
import { Config, createInfrastructure, openDatabase } from '@punchcard/platform';
import { ALL_PROJECTIONS } from '@punchcard/projections';

/**
 * Starts the service: database (embedded unless DATABASE_URL), migrations, projections, scheduler, HTTP.
 * `withHttp: false` is the worker (projections + scheduler for multi-instance deployments).
 */
export async function bootstrap(config: Config, options: { withHttp: boolean }) {
  const logger = new Logger('Punchcard');
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  if (database.embedded) logger.log(`Embedded PostgreSQL running with data in ${config.dataDir}`);
  const infrastructure = await createInfrastructure({
    connectionString: database.connectionString,
    poolSize: config.poolSize,
    reportPoolSize: config.reportPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    tenantSetting: config.dbTenantSetting,
    projections: ALL_PROJECTIONS,
  });
  const app = await NestFactory.create(AppModule.create(infrastructure, config), { ...APP_OPTIONS, logger: ['log', 'warn', 'error'] });
  configureApp(app);
  await app.get(KeyStore).ensureOperatorKey(config.operatorKey);
  if (config.runProjections) infrastructure.runner.start();

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    await infrastructure.close();
    await database.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().then(() => process.exit(0)));

  if (options.withHttp) {
    await app.listen(config.port);
    logger.log(`Listening on http://localhost:${config.port} (API docs at /docs)`);
  } else {
    await app.init();
  }
  return { app, infrastructure, shutdown };
}
