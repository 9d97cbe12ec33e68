import { BusyCalendarScheduler } from '../../apps/api/src/busy-calendars/busy-calendar-scheduler';
import { IdempotencyPurge } from '../../apps/api/src/http/idempotency-purge';
import { MessagesScheduler } from '../../apps/api/src/messages/dispatch/messages-scheduler';
import { WebhookScheduler } from '../../apps/api/src/outbound-webhooks/webhook-scheduler';
import { Scheduler } from '../../apps/api/src/packages/expiry-sweep/scheduler';
import { LeasedInterval, Lease } from '@punchcard/projection-runner';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Tests run with the scheduler off and call the jobs directly, so nothing else shows that each job's
 * lease can be taken where the application builds it (the expiry sweep's once sat on the tenant pool,
 * which hands out connections only acting for a tenant: its lease could never be taken).
 */
describe('leased background jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it.each([
    ['expiry sweep', Scheduler],
    ['idempotency purge', IdempotencyPurge],
    ['lifecycle messages', MessagesScheduler],
    ['outbound webhooks', WebhookScheduler],
    ['busy calendars', BusyCalendarScheduler],
  ] as const)('the %s job can take its lease, outside any tenant scope, and give it back', async (_, job) => {
    const loop = (t.app.get(job as never) as { loop: LeasedInterval }).loop;
    expect(loop).toBeInstanceOf(LeasedInterval);
    const lease = (loop as unknown as { lease: Lease }).lease;
    expect(await lease.tryAcquire()).toBe(true);
    await lease.release();
  });
});
