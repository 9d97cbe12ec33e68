import 'reflect-metadata';
import type { EventStore } from '@punchcard/event-store';
import { createInfrastructure, loadConfig, tenantSettingFrom } from '@punchcard/platform';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { AppModule } from '../../apps/api/src/app.module';
import { KeyStore } from '../../apps/api/src/auth/key-store';
import { APP_OPTIONS, configureApp } from '../../apps/api/src/configure-app';
import { NestFactory } from '@nestjs/core';
import { withMethod } from './intercept';

/**
 * A real API server process on a test schema (started by spawnApi): the application as bootstrap.ts
 * builds it, on `PUNCHCARD_TEST_SCHEMA` of DATABASE_URL, on a free port it prints as `listening <port>`.
 */
async function main(): Promise<void> {
  const connectionString = process.env.DATABASE_URL!;
  const infrastructure = await createInfrastructure({ connectionString, schema: process.env.PUNCHCARD_TEST_SCHEMA!, poolSize: 20, tenantSetting: tenantSettingFrom(process.env.PUNCHCARD_DB_TENANT_SETTING), projections: ALL_PROJECTIONS });
  const killAfter = process.env.PUNCHCARD_TEST_KILL_AFTER_APPEND_OF;
  if (killAfter) infrastructure.eventStore = killedAfterAppendOf(infrastructure.eventStore, killAfter);
  // The scheduler (expiry sweep, outbound webhooks) only when a test asks for it.
  const config = { ...loadConfig(), runScheduler: process.env.PUNCHCARD_TEST_SCHEDULER === 'on', rateLimitPerMinute: 0 };
  const app = await NestFactory.create(AppModule.create(infrastructure, config), { ...APP_OPTIONS, logger: ['error'] });
  configureApp(app);
  await app.get(KeyStore).ensureOperatorKey(config.operatorKey);
  infrastructure.runner.start();
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`listening ${app.getHttpServer().address().port}\n`);
  process.once('SIGTERM', () => void app.close().then(() => infrastructure.close()).then(() => process.exit(0)));
}

/**
 * For crash tests: the process dies (SIGKILL, no cleanup) right after an append holding an event of
 * `type` has committed, before the request that made it can answer.
 */
function killedAfterAppendOf(store: EventStore, type: string): EventStore {
  return withMethod(store, 'append', (append) => async (writes, receipt) => {
    const appended = await append(writes, receipt);
    if (writes.some((write) => write.events.some((event) => event.type === type))) process.kill(process.pid, 'SIGKILL');
    return appended;
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
