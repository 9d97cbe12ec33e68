import { MessageDispatcher } from '../../apps/api/src/messages';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Lifecycle messages end to end (issue 13, ADR 0023): the real app on PostgreSQL, the planner and the
 * dispatcher run by the test (the scheduler is off in tests), delivery through nodemailer to a real SMTP
 * server started here, each mail parsed back with mailparser. Time moves through the test clock.
 */
describe('Lifecycle messages over SMTP', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let studio: TenantSession;
  let dispatcher: MessageDispatcher;
  let offeringId: string;
  const HOUR = 3_600_000;
  let counter = 0;

  const client = async (name: string, timezone?: string) => {
    const email = `m${++counter}-${Date.now()}@example.com`;
    const res = await t.http.post('/v1/clients').set(studio.auth).send({ name, email, ...(timezone ? { timezone } : {}) }).expect(201);
    return { id: res.body.id as string, email };
  };
  const messagesOf = async (packageId: string) => {
    const { rows } = await t.db.pool.query('SELECT id, kind, status, reason, attempts, due_at, sent_at FROM due_messages WHERE package_id = $1 ORDER BY kind', [packageId]);
    return Object.fromEntries(rows.map((r) => [r.kind, r]));
  };
  /** Plans and sends, after the read models caught up with every write (rendering reads the package read model). */
  const dispatch = async () => {
    const { runner } = t.infrastructure;
    expect((await runner.waitUntil(() => runner.isCaughtUp('packages-v2'), 10_000)).reached).toBe(true);
    return dispatcher.run();
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({ config: { smtpUrl: smtp.url, publicUrl: 'https://punchcard.test', mailFrom: 'Studio <hello@studio.test>' } });
    dispatcher = t.app.get(MessageDispatcher);
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    offeringId = await studio.createOffering({ name: 'Six <b>sessions</b>', sessionCount: 6, price: { amount: 54000, currency: 'EUR' }, validityDays: 90 });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('a purchase sends the confirmation at once: recipient, subject, placeholders rendered and escaped, Message-ID from the row', async () => {
    const ann = await client('Ann & <Co>', 'America/New_York');
    const pkg = await studio.sellPackage(offeringId, ann.id);
    expect(await dispatch()).toBeGreaterThanOrEqual(1);

    const [mail] = smtp.to(ann.email);
    expect(mail).toBeDefined();
    expect(mail.from!.value).toEqual([{ name: 'Studio', address: 'hello@studio.test' }]);
    expect(smtp.envelopes[smtp.mails.indexOf(mail)]).toEqual([ann.email]);
    expect(mail.subject).toBe('Your Six <b>sessions</b> from Tenant 1');
    expect(mail.text).toContain('Hello Ann & <Co>,');
    expect(mail.text).toContain('You have 6 of 6 sessions to use.');
    expect(mail.text).toContain('Book your first session: https://punchcard.test');
    expect(mail.html).toContain('Hello Ann &amp; &lt;Co&gt;,');
    expect(mail.html).toContain('Six &lt;b&gt;sessions&lt;/b&gt;');
    expect(mail.messageId).toBe(`<purchase_confirmation.${pkg.id}.0.${studio.tenantId}@punchcard.messages>`);
    expect(mail.headers.has('list-unsubscribe')).toBe(false); // not a nudge

    const rows = await messagesOf(pkg.id);
    expect(rows.purchase_confirmation).toMatchObject({ status: 'sent', attempts: 1 });
    expect(rows.booking_nudge).toMatchObject({ status: 'scheduled' });
    expect(rows.expiry_reminder).toMatchObject({ status: 'scheduled' });
    // Nothing is sent twice: another run finds nothing due.
    expect(await dispatch()).toBe(0);
    expect(smtp.to(ann.email)).toHaveLength(1);
  });

  it('the nudge goes out a local day after the purchase if nothing was booked, with a signed unsubscribe link', async () => {
    const bob = await client('Bob', 'Europe/Berlin');
    const pkg = await studio.sellPackage(offeringId, bob.id);
    await dispatch();
    t.clock.advance(23 * HOUR);
    await dispatch();
    expect(smtp.to(bob.email).map((m) => m.subject)).toEqual(['Your Six <b>sessions</b> from Tenant 1']); // not due yet
    t.clock.advance(2 * HOUR);
    await dispatch();
    const nudge = smtp.to(bob.email).find((m) => m.subject === 'Ready to book your first session?')!;
    expect(nudge).toBeDefined();
    expect(nudge.text).toContain('You have 6 sessions waiting.');
    const link = /Unsubscribe from these reminders: (\S+)/.exec(nudge.text!)![1];
    expect(link).toMatch(/^https:\/\/punchcard\.test\/v1\/unsubscribe\?token=/);
    const header = (name: string) => nudge.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n\s+/g, " ");
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    // Handlebars escapes "=" in values as &#x3D; (a browser reads the same URL).
    expect((nudge.html as string).replace(/&#x3D;/g, '=')).toContain(`href="${link}"`);
    expect((await messagesOf(pkg.id)).booking_nudge).toMatchObject({ status: 'sent' });
  });

  it('a booking (a redemption) before the nudge is due cancels it, with the reason', async () => {
    const cat = await client('Cat');
    const pkg = await studio.sellPackage(offeringId, cat.id);
    await dispatch();
    t.clock.advance(23 * HOUR + 59 * 60_000);
    await t.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).send({ note: 'walk-in' }).expect(201);
    t.clock.advance(2 * 60_000);
    await dispatch();
    expect((await messagesOf(pkg.id)).booking_nudge).toMatchObject({ status: 'cancelled', reason: 'booked' });
    expect(smtp.to(cat.email).map((m) => m.subject)).toEqual(['Your Six <b>sessions</b> from Tenant 1']);
  });

  it('the race at the due time: every package either gets its nudge or has it cancelled by its booking, never both, never neither', async () => {
    const buyers = await Promise.all(Array.from({ length: 8 }, (_, i) => client(`Racer ${i}`)));
    const packages = [];
    for (const b of buyers) packages.push(await studio.sellPackage(offeringId, b.id));
    await dispatch();
    t.clock.advance(24 * HOUR + 60_000);
    // Half the clients book at the very moment the dispatcher runs.
    await Promise.all([
      ...packages.filter((_, i) => i % 2 === 0).map((p) => t.http.post(`/v1/packages/${p.id}/redemptions`).set(studio.auth).send({}).expect(201)),
      dispatch(),
    ]);
    await dispatch();
    for (const [i, p] of packages.entries()) {
      const nudge = (await messagesOf(p.id)).booking_nudge;
      const mails = smtp.to(buyers[i].email).filter((m) => m.subject === 'Ready to book your first session?');
      if (i % 2 === 1) expect({ i, status: nudge.status, mails: mails.length }).toEqual({ i, status: 'sent', mails: 1 });
      else expect([{ i, status: 'sent', mails: 1 }, { i, status: 'cancelled', mails: 0 }]).toContainEqual({ i, status: nudge.status, mails: mails.length });
    }
  });

  it('a refused delivery is retried with backoff, and recorded as failed with the reason after the last attempt', async () => {
    const dan = await client('Dan');
    smtp.refuseWith = { code: 451, message: 'mailbox busy, try later' };
    try {
      const pkg = await studio.sellPackage(offeringId, dan.id);
      await dispatch();
      let row = (await messagesOf(pkg.id)).purchase_confirmation;
      expect(row).toMatchObject({ status: 'scheduled', attempts: 1 });
      expect(row.reason).toContain('mailbox busy');
      await dispatch(); // not due again before the backoff
      expect((await messagesOf(pkg.id)).purchase_confirmation.attempts).toBe(1);
      for (const minutes of [1, 4, 16, 64]) {
        t.clock.advance(minutes * 60_000 + 1_000);
        await dispatch();
      }
      row = (await messagesOf(pkg.id)).purchase_confirmation;
      expect(row).toMatchObject({ status: 'failed', attempts: 5 });
      expect(row.reason).toContain('mailbox busy');
      const { rows } = await t.db.pool.query(`SELECT outcome FROM message_attempts WHERE message_id = $1 ORDER BY id`, [row.id]);
      expect(rows.map((r) => r.outcome)).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
    } finally {
      smtp.refuseWith = null;
    }
    expect(smtp.to(dan.email)).toHaveLength(0);
  });
});
