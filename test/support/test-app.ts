import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../apps/api/src/app.module';
import { issueOperatorKey } from '../../apps/api/src/auth/api-keys';
import { KeyStore } from '../../apps/api/src/auth/key-store';
import { APP_OPTIONS, configureApp } from '../../apps/api/src/configure-app';
import type { EventStore } from '@punchcard/event-store';
import { Config, createInfrastructure, Infrastructure, loadConfig, MIGRATIONS, tenantSettingFrom } from '@punchcard/platform';
import { ALL_PROJECTIONS } from '@punchcard/projections';
import { Clock } from '../../apps/api/src/tokens';
import { createTestDatabase, TestDatabase } from './test-database';

/** A clock tests can move; starts at the real time. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  infrastructure: Infrastructure;
  db: TestDatabase;
  clock: TestClock;
  operatorKey: string;
  /** A new tenant with its admin key, and helpers that call the API as that tenant. */
  newTenant(settings?: { timezone?: string; currency?: string }): Promise<TenantSession>;
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

export interface TenantSession {
  tenantId: string;
  key: string;
  auth: { Authorization: string };
  createClient(name?: string): Promise<string>;
  createOffering(body?: Record<string, unknown>): Promise<string>;
  sellPackage(offeringId: string, clientId: string): Promise<any>;
}

/**
 * The real application on a fresh PostgreSQL schema, projections running, scheduler off (tests call the
 * sweep), and no rate limit unless `rateLimitPerMinute` is given (suites send thousands of requests per key).
 */
export async function createTestApp(
  options: {
    runProjections?: boolean;
    poolSize?: number;
    /** The tenant setting's mode (ADR 0027); default: PUNCHCARD_DB_TENANT_SETTING, else `session`. */
    tenantSetting?: 'session' | 'transaction';
    rateLimitPerMinute?: number;
    /** Decorates the event store the API writes through (e.g. to run something between a decision and its append). */
    wrapEventStore?: (store: EventStore) => EventStore;
    /** Settings on top of the defaults (e.g. `stripeApiUrl`: the stand-in for Stripe's servers). */
    config?: Partial<Config>;
    /** Another app's database: this app is a second process on the same data (its own pools, caches and locks); the first one drops it. */
    sharedWith?: TestApp;
  } = {},
): Promise<TestApp> {
  const db = options.sharedWith?.db ?? (await createTestDatabase(MIGRATIONS));
  // PUNCHCARD_DB_TENANT_SETTING=transaction runs the suite as behind a transaction-mode pooler (ADR 0027).
  const tenantSetting = options.tenantSetting ?? tenantSettingFrom(process.env.PUNCHCARD_DB_TENANT_SETTING);
  const infrastructure = await createInfrastructure({ connectionString: db.connectionString, schema: db.schema, poolSize: options.poolSize ?? 20, tenantSetting, projections: ALL_PROJECTIONS });
  if (options.wrapEventStore) infrastructure.eventStore = options.wrapEventStore(infrastructure.eventStore);
  const clock = new TestClock();
  const config = { ...loadConfig({}), runScheduler: false, rateLimitPerMinute: options.rateLimitPerMinute ?? 0, ...options.config };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.create(infrastructure, config, clock)] }).compile();
  const app = moduleRef.createNestApplication({ ...APP_OPTIONS, logger: ['error'] });
  configureApp(app);
  await app.init();
  const operatorKey = issueOperatorKey();
  await app.get(KeyStore).ensureOperatorKey(operatorKey);
  if (options.runProjections !== false) infrastructure.runner.start();
  const http = request(app.getHttpServer());
  let counter = 0;

  const newTenant = async (settings: { timezone?: string; currency?: string } = {}): Promise<TenantSession> => {
    const created = await http
      .post('/v1/tenants')
      .set('Authorization', `Bearer ${operatorKey}`)
      .send({ name: `Tenant ${++counter}`, timezone: settings.timezone ?? 'America/New_York', currency: settings.currency ?? 'USD' })
      .expect(201);
    const auth = { Authorization: `Bearer ${created.body.adminApiKey}` };
    return {
      tenantId: created.body.id,
      key: created.body.adminApiKey,
      auth,
      async createClient(name = `Client ${++counter}`) {
        const res = await http.post('/v1/clients').set(auth).send({ name, email: `c${++counter}-${Date.now()}@example.com` }).expect(201);
        return res.body.id;
      },
      async createOffering(body = {}) {
        const res = await http
          .post('/v1/offerings')
          .set(auth)
          .send({ name: '6 sessions, 90 days', sessionCount: 6, price: { amount: 54000, currency: 'USD' }, validityDays: 90, ...body })
          .expect(201);
        return res.body.id;
      },
      async sellPackage(offeringId, clientId) {
        const res = await http.post('/v1/packages').set(auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
        return res.body;
      },
    };
  };

  return {
    app,
    http,
    infrastructure,
    db,
    clock,
    operatorKey,
    newTenant,
    async eventCount() {
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events');
      return rows[0].n;
    },
    async close() {
      await app.close();
      await infrastructure.close();
      if (!options.sharedWith) await db.drop();
    },
  };
}
