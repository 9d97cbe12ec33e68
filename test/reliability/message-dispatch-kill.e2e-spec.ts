import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { SmtpSink } from '../support/smtp-sink';
import { compileService } from './support/compile';
import { createDatabase, report } from './support/databases';
import { freePort, ServerProcess } from './support/server';
import { setupStudio } from './support/workload';

/**
 * kill -9 of the message dispatcher mid-batch (ADR 0023): the real server (a child process) sends
 * purchase confirmations to a slow real SMTP server started here, and is SIGKILLed while batches are in
 * flight, then restarted. Afterwards every due message is sent, each recorded as sent exactly once in
 * the database; a mail the SMTP server accepted just before a kill may arrive again, and then only with
 * the same Message-ID (what SMTP allows).
 */
const MESSAGES = 120;
const KILLS = 3;

describe('message dispatch through kill -9', () => {
  let database: { url: string; drop(): Promise<void> };
  let smtp: SmtpSink;
  let server: ServerProcess | undefined;
  let pool: Pool;

  beforeAll(async () => {
    compileService();
    database = await createDatabase('messages_kill');
    smtp = await new SmtpSink(40).start();
    pool = new Pool({ connectionString: database.url, max: 2 }).on('error', () => undefined);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await pool?.end();
    await database?.drop();
    await smtp?.stop();
  });

  it(`sends every due message, none recorded twice, through ${KILLS} SIGKILLs mid-batch`, async () => {
    const port = await freePort();
    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, PUNCHCARD_MESSAGES_INTERVAL_MS: '200', PUNCHCARD_MESSAGES_CLAIM_MS: '3000' };
    // Sales first, with the scheduler off: MESSAGES confirmations are due when the dispatcher starts.
    const setup = new ServerProcess(port, { ...env, PUNCHCARD_SCHEDULER: 'off' });
    await setup.start();
    const studio = await setupStudio(setup.base, MESSAGES);
    await setup.stop();

    server = new ServerProcess(port, env);
    const killedAt: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      await server.start();
      // Kill while a batch is in flight: after some more mails arrived, never at a quiet moment.
      const target = smtp.mails.length + 8 + Math.floor(Math.random() * 10);
      for (const deadline = Date.now() + 30_000; smtp.mails.length < target && Date.now() < deadline; ) await sleep(5);
      await server.kill(false);
      killedAt.push(smtp.mails.length);
    }
    await server.start();

    const sent = async () => (await pool.query(`SELECT count(*)::int AS n FROM due_messages WHERE kind = 'purchase_confirmation' AND status = 'sent'`)).rows[0].n;
    for (const deadline = Date.now() + 90_000; (await sent()) < MESSAGES && Date.now() < deadline; ) await sleep(200);

    const rows = (await pool.query(`SELECT tenant_id, id, status, smtp_message_id FROM due_messages WHERE kind = 'purchase_confirmation'`)).rows;
    expect(rows).toHaveLength(MESSAGES);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(rows.every((r) => r.tenant_id === studio.tenantId)).toBe(true);

    // The database's record: exactly one "sent" attempt per message.
    const attempts = (await pool.query(`SELECT message_id, outcome FROM message_attempts`)).rows;
    const sentAttempts = new Map<string, number>();
    for (const a of attempts.filter((a) => a.outcome === 'sent')) sentAttempts.set(a.message_id, (sentAttempts.get(a.message_id) ?? 0) + 1);
    expect([...sentAttempts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(sentAttempts.size).toBe(MESSAGES);

    // What arrived: every message, under the Message-ID its row holds; a repeat only with that same id.
    const received = smtp.mails.map((m) => m.messageId);
    const expected = new Set(rows.map((r) => r.smtp_message_id));
    expect(new Set(received)).toEqual(expected);
    const duplicates = received.length - expected.size;
    const interrupted = attempts.filter((a) => a.outcome === 'interrupted').length;
    expect(duplicates).toBeLessThanOrEqual(interrupted);
    // Without SMTP_URL the server says so, once, at start (and sends nothing).
    await server.stop();
    server = new ServerProcess(port, { DATABASE_URL: database.url, PUNCHCARD_MESSAGES_INTERVAL_MS: '200' });
    await server.start();
    await sleep(1_000); // a few dispatcher ticks
    expect(server.log(400).split('SMTP_URL is not set').length - 1).toBe(1);
    expect(smtp.mails.length).toBe(received.length);

    report('message-dispatch-kill', { messages: MESSAGES, kills: KILLS, killedAfterMails: killedAt, interruptedAttempts: interrupted, resentAfterCrash: duplicates });
  }, 240_000);
});
