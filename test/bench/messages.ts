/**
 * Lifecycle messages (issue 13, ADR 0023), in this process against the bench database:
 *  - planning cost per event: the pure rules alone, then the planner end to end (read the log, plan,
 *    write rows, state and checkpoint in one transaction per batch);
 *  - the due-message scan (the dispatcher's claim query) with 100,000 scheduled messages, 50 of them due;
 *  - dispatch rate: pre-rendered due messages claimed, sent through nodemailer to a local SMTP server
 *    (smtp-server, the tests' sink) and recorded, messages per second.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { Pool } from 'pg';
import { EventStore, NewEvent } from '@punchcard/event-store';
import { PackagePlanState, planPackageEvent } from '@punchcard/messages';
import { Config, Infrastructure, loadConfig } from '@punchcard/platform';
import { MessageDispatcher } from '../../apps/api/src/messages/dispatch/message-dispatcher';
import { MessageContent } from '../../apps/api/src/messages/message-content';
import { MessagePlanner } from '../../apps/api/src/messages/planner/message-planner';
import { SmtpSink } from '../support/smtp-sink';
import { fmt, pct, quantiles, Report } from './bench-kit';

const TENANT = 'bench-messages';
const PLANNED_PACKAGES = Number(process.env.BENCH_MESSAGE_PACKAGES ?? 20_000);
const SCHEDULED = 100_000;
const DISPATCHED = Number(process.env.BENCH_MESSAGES_SENT ?? 1_000);

/** `raw1`: the raw single-row INSERT rate at one connection of the same run (every row here runs on one connection). */
export async function messageBench(infrastructure: Infrastructure, raw1: number, report: Report): Promise<void> {
  pureRules(report);
  const planner = new MessagePlanner(infrastructure.system.eventStore, infrastructure.system.pool);
  await plannerEndToEnd(planner, infrastructure.system.eventStore, raw1, report);
  await scanLatency(infrastructure.system.pool, raw1, report);
  await dispatchRate(infrastructure, planner, raw1, report);
}

function pureRules(report: Report): void {
  const settings = { zone: 'Europe/Berlin', expiryReminderDays: 7 };
  const at = Date.parse('2026-03-01T10:00:00Z');
  const events = Array.from({ length: 100_000 }, (_, i) => {
    const packageId = `p${Math.floor(i / 5)}`;
    const occurredAt = new Date(at + i * 60_000).toISOString();
    return i % 5 === 0
      ? { type: 'PackagePurchased', occurredAt, data: { packageId, clientId: 'c', credits: 4, purchasedAt: occurredAt, expiresAt: new Date(at + i * 60_000 + 90 * 86_400_000).toISOString() } }
      : { type: 'SessionRedeemed', occurredAt, data: { packageId, redemptionId: `r${i}`, sessionAt: occurredAt } };
  });
  const states = new Map<string, PackagePlanState | null>();
  const started = performance.now();
  for (const event of events) states.set(event.data.packageId, planPackageEvent(states.get(event.data.packageId) ?? null, event, settings).state);
  const ms = performance.now() - started;
  report('message planning rules alone (purchase, 4 redemptions; client zone)', 1, `${fmt(events.length / (ms / 1000))} events/s`, '', `${((ms * 1000) / events.length).toFixed(1)} µs/event`, '');
}

async function plannerEndToEnd(planner: MessagePlanner, store: EventStore, raw1: number, report: Report): Promise<void> {
  // One purchase and one redemption per package (the redemption cancels the nudge): 2 events each.
  const now = Date.now();
  for (let done = 0; done < PLANNED_PACKAGES; done += 500) {
    const writes = Array.from({ length: Math.min(500, PLANNED_PACKAGES - done) }, (_, i) => {
      const packageId = randomUUID();
      const clientId = randomUUID();
      const occurredAt = new Date(now + (done + i) * 1000).toISOString();
      const ref = { packageId, offeringId: randomUUID(), clientId };
      return {
        streamId: `package-${packageId}`,
        expectedVersion: 0,
        events: [
          event('PackagePurchased', { ...ref, offeringName: 'Bench', credits: 5, price: { amount: 100, currency: 'EUR' }, payment: { method: 'cash', reference: null }, purchasedAt: occurredAt, expiresAt: new Date(now + 90 * 86_400_000).toISOString(), visibilityOverride: null }, occurredAt),
          event('SessionRedeemed', { ...ref, redemptionId: randomUUID(), bookingId: null, serviceId: null, note: null, sessionAt: occurredAt, creditKind: 'paid', value: 20 }, occurredAt),
        ],
      };
    });
    await store.append(writes);
  }
  await planner.reset();
  const started = performance.now();
  const events = await planner.catchUp();
  const seconds = (performance.now() - started) / 1000;
  report(`message planner end to end over the whole log (${fmt(PLANNED_PACKAGES)} packages planned, ${fmt(events)} events read)`, 1, `${fmt(events / seconds)} events/s`, pct(events / seconds / raw1), `${((seconds * 1e6) / events).toFixed(0)} µs/event`, '');
}

async function scanLatency(pool: Pool, raw1: number, report: Report): Promise<void> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM due_messages WHERE status = 'scheduled'`);
  const missing = Math.max(0, SCHEDULED - rows[0].n);
  // Filled up to 100,000 scheduled messages due over the next 90 days; 50 of them due now.
  await pool.query(
    `INSERT INTO due_messages (tenant_id, id, kind, package_id, client_id, due_at, status, next_attempt_at)
     SELECT $1, 'expiry_reminder:' || gen_random_uuid(), 'expiry_reminder', gen_random_uuid(), gen_random_uuid(), d, 'scheduled', d
     FROM (SELECT now() + (random() * interval '90 days') + interval '1 hour' AS d FROM generate_series(1, $2)) s`,
    [TENANT, missing],
  );
  await pool.query(`UPDATE due_messages SET next_attempt_at = now() - interval '1 minute' WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM due_messages WHERE status = 'scheduled' ORDER BY id LIMIT 50)`);
  await pool.query('ANALYZE due_messages');
  const total = (await pool.query(`SELECT count(*)::int AS n FROM due_messages WHERE status IN ('scheduled', 'sending')`)).rows[0].n;
  const latencies: number[] = [];
  const client = await pool.connect();
  try {
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await client.query('BEGIN');
      // The claim's scan (message-dispatcher.ts), rolled back: nothing is taken.
      await client.query(
        `SELECT tenant_id, id, status FROM due_messages WHERE status IN ('scheduled', 'sending') AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED`,
      );
      await client.query('ROLLBACK');
      latencies.push(performance.now() - started);
    }
  } finally {
    client.release();
  }
  const scansPerSecond = 1000 / (latencies.reduce((a, b) => a + b, 0) / latencies.length);
  report(`due-message scan (claim query, 50 due of ${fmt(total)} scheduled)`, 1, fmt(scansPerSecond), pct(scansPerSecond / raw1), ...quantiles(latencies));
  await pool.query(`DELETE FROM due_messages WHERE tenant_id = $1`, [TENANT]).catch(() => undefined);
}

async function dispatchRate(infrastructure: Infrastructure, planner: MessagePlanner, raw1: number, report: Report): Promise<void> {
  const smtp = await new SmtpSink().start();
  const config: Config = { ...loadConfig({}), smtpUrl: smtp.url, runScheduler: false, messagesClaimMs: 120_000 };
  const clock = { now: () => new Date() };
  // Rendering reads the package read model and the client directory; these messages are pre-rendered
  // (as a retry's are), so the rate is claim + SMTP + record.
  const content = new MessageContent(null as never, null as never, null as never, infrastructure.pool, infrastructure.system.pool, config);
  await content.onModuleInit();
  const dispatcher = new MessageDispatcher(planner, content, infrastructure.system.pool, clock, config, infrastructure.system.eventStore);
  dispatcher.onModuleInit();
  const pool = infrastructure.system.pool;
  // Only these are sent: what the planner section planned is set aside.
  await pool.query(`UPDATE due_messages SET status = 'cancelled', reason = 'bench' WHERE status = 'scheduled'`);
  await pool.query(
    `INSERT INTO due_messages (tenant_id, id, kind, package_id, client_id, due_at, status, next_attempt_at, recipient, subject, html, body_text, smtp_message_id)
     SELECT $1, 'purchase_confirmation:' || u, 'purchase_confirmation', u, gen_random_uuid(), now(), 'scheduled', now() - interval '1 second',
            'client' || g || '@bench.test', 'Your 6 sessions from Bench', '<p>Hello, you have 6 of 6 sessions.</p>', 'Hello, you have 6 of 6 sessions.', '<' || u || '@bench>'
     FROM (SELECT gen_random_uuid() AS u, g FROM generate_series(1, $2) g) s`,
    [TENANT, DISPATCHED],
  );
  try {
    const started = performance.now();
    let sent = 0;
    while (sent < DISPATCHED) {
      const done = await dispatcher.run(1000);
      if (done === 0) break;
      sent += done;
    }
    const seconds = (performance.now() - started) / 1000;
    const delivered = smtp.mails.length;
    if (delivered !== DISPATCHED) throw new Error(`message bench: ${delivered} of ${DISPATCHED} messages arrived`);
    report(`message dispatch to a local SMTP server (pre-rendered; batches of 50, one pooled SMTP connection)`, 1, `${fmt(delivered / seconds)} messages/s`, pct(delivered / seconds / raw1), '', '');
  } finally {
    dispatcher.onApplicationShutdown();
    await smtp.stop();
    await pool.query(`DELETE FROM message_attempts WHERE tenant_id = $1`, [TENANT]).catch(() => undefined);
  }
}

function event(type: string, data: unknown, occurredAt: string): NewEvent {
  return {
    eventId: uuidv7(),
    type,
    schemaVersion: type === 'PackagePurchased' ? 2 : 1,
    data,
    metadata: { tenantId: TENANT, actor: { id: 'bench', role: 'admin' }, correlationId: uuidv7(), causationId: null, idempotencyKey: null, occurredAt },
  };
}
