import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { MessageDispatcher, MessagePlanner } from '../../apps/api/src/messages';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { MailTransport, OutgoingMail, SmtpTransport } from '@punchcard/messages';
import { Config } from '@punchcard/platform';
import { WebhookScheduler } from '../../apps/api/src/outbound-webhooks/webhook-scheduler';
import { APP_CONFIG } from '../../apps/api/src/tokens';
import { planEverything, verifyWebhook, WebhookReceiver } from '../support/webhook-receiver';
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
  let receiver: WebhookReceiver;
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
    const { runner, system } = t.infrastructure;
    // Every event committed so far, by position: "caught up" alone can be true while the log's visible end
    // is held back by an older open transaction elsewhere on the cluster (gap-free reading), e.g. another
    // test file's; then the planner would not see this test's last write yet either.
    const head = (await t.db.pool.query<{ g: string | null }>('SELECT max(global_position)::text AS g FROM events')).rows[0].g ?? '0';
    const reached = async (position: Promise<{ globalPosition: string }>) => BigInt((await position).globalPosition) >= BigInt(head);
    const planned = async () => {
      await t.app.get(MessagePlanner).catchUp();
      const { rows } = await t.db.pool.query<{ g: string }>('SELECT global_position::text AS g FROM message_planner_checkpoints');
      return rows.length > 0 && BigInt(rows[0].g) >= BigInt(head);
    };
    expect((await runner.waitUntil(() => reached(system.readStore.checkpoint('packages-v2')), 20_000)).reached).toBe(true);
    expect((await runner.waitUntil(planned, 20_000)).reached).toBe(true);
    return dispatcher.run();
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    receiver = await WebhookReceiver.start();
    t = await createTestApp({
      config: {
        smtpUrl: smtp.url,
        publicUrl: 'https://punchcard.test',
        mailFrom: 'Studio <hello@studio.test>',
        webhooks: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000, disableAfter: 3, intervalMs: 5000 },
      },
    });
    dispatcher = t.app.get(MessageDispatcher);
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    offeringId = await studio.createOffering({ name: 'Six <b>sessions</b>', sessionCount: 6, price: { amount: 54000, currency: 'EUR' }, validityDays: 90 });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await receiver?.close();
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

  describe('templates, settings, the message log, resends and unsubscribing (HTTP)', () => {
    const admin = () => studio.auth;

    it('lists every kind with its default and allowed placeholders; refuses unknown placeholders and bad syntax with 422 and the allowed names', async () => {
      const list = await t.http.get('/v1/message-templates').set(admin()).expect(200);
      expect(list.body.items.map((i: any) => i.kind)).toEqual([
        'purchase_confirmation',
        'booking_nudge',
        'expiry_reminder',
        'expiry_notice',
        'renewal_prompt',
        'booking_confirmation',
        'booking_rescheduled',
        'booking_cancelled',
        'session_reminder',
        'feedback_request',
      ]);
      expect(list.body.items.every((i: any) => i.custom === false && i.subject.length > 0)).toBe(true);

      const bad = await t.http
        .put('/v1/message-templates/purchase_confirmation')
        .set(admin())
        .send({ subject: 'Hi {{first_name}}', html: '<p>{{client_name}</p>', text: 'ok' })
        .expect(422);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.body.code).toBe('invalid_template');
      expect(bad.body.allowedPlaceholders).toEqual(['client_name', 'business_name', 'package_name', 'sessions_remaining', 'sessions_total', 'package_expiry', 'booking_url']);
      expect(bad.body.errors).toEqual([
        { field: 'subject', messages: ['unknown placeholder {{first_name}}'] },
        { field: 'html', messages: [expect.stringMatching(/^invalid Handlebars syntax/)] },
      ]);
      await t.http.put('/v1/message-templates/no_such_kind').set(admin()).send({ subject: 'a', html: 'b', text: 'c' }).expect(404);
      await t.http.put('/v1/message-templates/purchase_confirmation').set(admin()).send({ subject: 'a', html: 'b' }).expect(400);
      // Nothing was saved.
      expect((await t.http.get('/v1/message-templates').set(admin()).expect(200)).body.items[0].custom).toBe(false);
    });

    it('a saved template is used for the next email, the preview renders it with real or sample data, and a reset brings the default back', async () => {
      const saved = await t.http
        .put('/v1/message-templates/purchase_confirmation')
        .set(admin())
        .send({ subject: '{{client_name}}: {{sessions_remaining}}/{{sessions_total}} at {{business_name}}', html: '<h1>{{package_name}}</h1><p>until {{package_expiry}}</p>', text: 'Book: {{booking_url}}' })
        .expect(200);
      expect(saved.body).toMatchObject({ kind: 'purchase_confirmation', custom: true });

      const eve = await client('Eve <3', 'Asia/Tokyo');
      const pkg = await studio.sellPackage(offeringId, eve.id);
      const sample = await t.http.post('/v1/message-templates/purchase_confirmation/preview').set(admin()).send({}).expect(200);
      expect(sample.body.subject).toBe('Ada Lovelace: 4/6 at Your business');
      const { runner } = t.infrastructure;
      await runner.waitUntil(() => runner.isCaughtUp('packages-v2'), 10_000);
      const real = await t.http.post('/v1/message-templates/purchase_confirmation/preview').set(admin()).send({ packageId: pkg.id, text: '{{client_name}} {{package_expiry}}' }).expect(200);
      expect(real.body.html).toContain('<h1>Six &lt;b&gt;sessions&lt;/b&gt;</h1>');
      expect(real.body.text).toMatch(/^Eve <3 \w+ \d{1,2}, \d{4}$/);
      await t.http.post('/v1/message-templates/purchase_confirmation/preview').set(admin()).send({ html: '{{nope}}' }).expect(422);
      await t.http.post('/v1/message-templates/purchase_confirmation/preview').set(admin()).send({ packageId: '00000000-0000-4000-8000-000000000000' }).expect(422);

      await dispatch();
      const [mail] = smtp.to(eve.email);
      expect(mail.subject).toBe('Eve <3: 6/6 at Tenant 1');
      expect(mail.html).toContain('<h1>Six &lt;b&gt;sessions&lt;/b&gt;</h1>');
      expect(mail.text).toBe('Book: https://punchcard.test');

      const reset = await t.http.delete('/v1/message-templates/purchase_confirmation').set(admin()).expect(200);
      expect(reset.body).toMatchObject({ custom: false, subject: 'Your {{package_name}} from {{business_name}}' });
    });

    it('a kind switched off is cancelled at send time with that reason; settings validate their input', async () => {
      await t.http.patch('/v1/message-settings').set(admin()).send({ expiryReminderDays: 0 }).expect(400);
      await t.http.patch('/v1/message-settings').set(admin()).send({ disabledKinds: ['nope'] }).expect(400);
      const off = await t.http.patch('/v1/message-settings').set(admin()).send({ disabledKinds: ['purchase_confirmation'], bookingUrl: 'https://studio.test/book' }).expect(200);
      expect(off.body).toEqual({ expiryReminderDays: 7, disabledKinds: ['purchase_confirmation'], bookingUrl: 'https://studio.test/book', language: 'en' });
      const fay = await client('Fay');
      const pkg = await studio.sellPackage(offeringId, fay.id);
      await dispatch();
      expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'cancelled', reason: 'kind_disabled' });
      expect(smtp.to(fay.email)).toHaveLength(0);
      await t.http.patch('/v1/message-settings').set(admin()).send({ disabledKinds: [], bookingUrl: null }).expect(200);
    });

    it("the business's language writes the dates and picks the shipped defaults; a template the business saved stays as written", async () => {
      for (const language of ['', 'xx-nope', 'not a tag', 42]) await t.http.patch('/v1/message-settings').set(admin()).send({ language }).expect(400);
      const set = await t.http.patch('/v1/message-settings').set(admin()).send({ language: 'de-at' }).expect(200);
      expect(set.body.language).toBe('de-AT'); // stored canonical
      const listed = await t.http.get('/v1/message-templates').set(admin()).expect(200);
      expect(listed.body.items.find((i: { kind: string }) => i.kind === 'expiry_reminder')).toMatchObject({ custom: false, defaultLanguage: 'de', subject: 'Ihr {{package_name}} läuft am {{package_expiry}} ab' });

      const gus = await client('Gus', 'Europe/Vienna');
      const pkg = await studio.sellPackage(offeringId, gus.id);
      await dispatch();
      const [mail] = smtp.to(gus.email);
      expect(mail.subject).toBe('Ihr Six <b>sessions</b> von Tenant 1');
      const expiry = DateTime.fromISO(pkg.expiresAt!, { zone: 'Europe/Vienna' }).setLocale('de-AT').toLocaleString(DateTime.DATE_FULL);
      expect(expiry).toMatch(/^\d+\. [A-Za-zä]+ \d{4}$/); // e.g. "7. März 2027": German month names, not English
      expect(mail.text).toContain(`Ihre Termine sind gültig bis ${expiry}.`);
      expect(mail.text).toContain('Ersten Termin buchen: https://punchcard.test');

      // A language Punchcard ships no templates for: English words, dates in that language.
      await t.http.patch('/v1/message-settings').set(admin()).send({ language: 'pt-BR' }).expect(200);
      const preview = await t.http.post('/v1/message-templates/purchase_confirmation/preview').set(admin()).send({}).expect(200);
      expect(preview.body.subject).toBe('Your 6 sessions from Your business');
      expect(preview.body.values.package_expiry).toBe(DateTime.fromISO('2026-07-31', { zone: 'UTC' }).setLocale('pt-BR').toLocaleString(DateTime.DATE_FULL));
      expect(preview.body.values.package_expiry).toContain('julho');
      await t.http.patch('/v1/message-settings').set(admin()).send({ language: 'en' }).expect(200);
    });

    it('the unsubscribe link (GET shows a page, POST unsubscribes) stops nudges; admins see and change the preference', async () => {
      const gil = await client('Gil');
      const pkg = await studio.sellPackage(offeringId, gil.id);
      await dispatch();
      t.clock.advance(25 * HOUR);
      await dispatch();
      const nudge = smtp.to(gil.email).find((m) => m.subject === 'Ready to book your first session?')!;
      const link = new URL(/Unsubscribe from these reminders: (\S+)/.exec(nudge.text!)![1]);
      const path = `${link.pathname}${link.search}`;

      const page = await t.http.get(path).expect(200);
      expect(page.text).toContain('<form method="post">');
      expect(page.headers['content-security-policy']).toContain("form-action 'self'");
      expect((await t.http.get(`/v1/clients/${gil.id}/message-preferences`).set(admin()).expect(200)).body.nudgesUnsubscribed).toBe(false);
      // What a mail client's one-click unsubscribe sends (RFC 8058): a form POST to the List-Unsubscribe URL.
      const oneClick = await t.http.post(path).set('Content-Type', 'application/x-www-form-urlencoded').send('List-Unsubscribe=One-Click');
      expect([oneClick.status, oneClick.body]).toEqual([200, { unsubscribed: true }]);
      expect((await t.http.post(path).expect(200)).body).toEqual({ unsubscribed: true }); // again: still unsubscribed
      await t.http.post(path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))).expect(404);
      await t.http.post('/v1/unsubscribe?token=not-a-token-at-all').expect(404);
      const prefs = await t.http.get(`/v1/clients/${gil.id}/message-preferences`).set(admin()).expect(200);
      expect(prefs.body).toMatchObject({ clientId: gil.id, nudgesUnsubscribed: true, changedBy: 'client:unsubscribe-link' });

      // A nudge due later for this client is cancelled; a confirmation still goes out.
      const second = await studio.sellPackage(offeringId, gil.id);
      await dispatch();
      t.clock.advance(25 * HOUR);
      await dispatch();
      expect((await messagesOf(second.id)).purchase_confirmation).toMatchObject({ status: 'sent' });
      expect((await messagesOf(second.id)).booking_nudge).toMatchObject({ status: 'cancelled', reason: 'unsubscribed' });

      const back = await t.http.patch(`/v1/clients/${gil.id}/message-preferences`).set(admin()).send({ nudgesUnsubscribed: false }).expect(200);
      expect(back.body.nudgesUnsubscribed).toBe(false);
      await t.http.patch(`/v1/clients/${gil.id}/message-preferences`).set(admin()).send({ nudgesUnsubscribed: 'no' }).expect(400);
      await t.http.get(`/v1/clients/00000000-0000-4000-8000-000000000000/message-preferences`).set(admin()).expect(404);
      expect(pkg.id).toBeDefined();
    });

    it('admins list messages per client and per package with status and reason, read one with its attempts, and resend it', async () => {
      const hal = await client('Hal');
      const pkg = await studio.sellPackage(offeringId, hal.id);
      await dispatch();
      const byClient = await t.http.get(`/v1/messages?clientId=${hal.id}`).set(admin()).expect(200);
      expect(byClient.body.items.map((m: any) => [m.kind, m.status]).sort()).toEqual([
        ['booking_nudge', 'scheduled'],
        ['expiry_reminder', 'scheduled'],
        ['purchase_confirmation', 'sent'],
      ]);
      const byPackage = await t.http.get(`/v1/messages?packageId=${pkg.id}&status=sent`).set(admin()).expect(200);
      expect(byPackage.body.items).toHaveLength(1);
      const sent = byPackage.body.items[0];
      expect(sent).toMatchObject({ id: `purchase_confirmation:${pkg.id}`, recipient: hal.email, attempts: 1, resends: 0 });

      const page1 = await t.http.get(`/v1/messages?clientId=${hal.id}&limit=2`).set(admin()).expect(200);
      const page2 = await t.http.get(`/v1/messages?clientId=${hal.id}&limit=2&cursor=${page1.body.nextCursor}`).set(admin()).expect(200);
      expect([...page1.body.items, ...page2.body.items].map((m: any) => m.id).sort()).toEqual(byClient.body.items.map((m: any) => m.id).sort());
      expect(page2.body.nextCursor).toBeNull();
      await t.http.get('/v1/messages?cursor=!!').set(admin()).expect(400);
      await t.http.get('/v1/messages?cursor=abc').set(admin()).expect(400);

      const detail = await t.http.get(`/v1/messages/${sent.id}`).set(admin()).expect(200);
      expect(detail.body.attempts).toEqual([expect.objectContaining({ outcome: 'sent', messageId: sent.messageId })]);
      expect(detail.body.text).toContain('Hello Hal,');

      await t.http.post(`/v1/messages/booking_nudge:${pkg.id}/resend`).set(admin()).expect(409);
      await t.http.post('/v1/messages/nope/resend').set(admin()).expect(404);
      const again = await t.http.post(`/v1/messages/${sent.id}/resend`).set(admin()).set('Idempotency-Key', `resend-${pkg.id}`).expect(202);
      expect(again.body).toMatchObject({ status: 'scheduled', resends: 1 });
      await dispatch();
      const mails = smtp.to(hal.email);
      expect(mails).toHaveLength(2);
      expect(mails[1].messageId).toBe(`<purchase_confirmation.${pkg.id}.1.${studio.tenantId}@punchcard.messages>`);
      expect((await t.http.get(`/v1/messages/${sent.id}`).set(admin()).expect(200)).body).toMatchObject({ status: 'sent', resends: 1 });
    });

    it('without SMTP the message is recorded not_sent with a clear reason', async () => {
      dispatcher.useTransport(null);
      try {
        const ivy = await client('Ivy');
        const pkg = await studio.sellPackage(offeringId, ivy.id);
        await dispatch();
        expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'not_sent', reason: 'smtp_not_configured' });
      } finally {
        dispatcher.useTransport(new SmtpTransport(smtp.url));
      }
    });

    it('another tenant sees none of these messages, templates or preferences', async () => {
      const other = await t.newTenant();
      expect((await t.http.get('/v1/messages').set(other.auth).expect(200)).body.items).toEqual([]);
      const someone = (await t.http.get('/v1/messages').set(admin()).expect(200)).body.items[0];
      await t.http.get(`/v1/messages/${someone.id}`).set(other.auth).expect(404);
      await t.http.post(`/v1/messages/${someone.id}/resend`).set(other.auth).expect(404);
      await t.http.get(`/v1/clients/${someone.clientId}/message-preferences`).set(other.auth).expect(404);
    });
  });

  describe('expiry reminders, expiry notices, renewal prompts, refunds and replays', () => {
    const admin = () => studio.auth;

    it('the expiry reminder is at 09:00 in the client zone 7 local days before expiry, moves with the expiry, and goes out with the credits left', async () => {
      const shortOffer = await studio.createOffering({ name: 'Ten days', sessionCount: 3, price: { amount: 9000, currency: 'EUR' }, validityDays: 10 });
      const jo = await client('Jo', 'America/New_York');
      const pkg = await studio.sellPackage(shortOffer, jo.id);
      await dispatch();
      let reminder = (await messagesOf(pkg.id)).expiry_reminder;
      const local = DateTime.fromJSDate(reminder.due_at, { zone: 'America/New_York' });
      const expiryLocal = DateTime.fromISO(pkg.expiresAt, { zone: 'America/New_York' });
      expect([local.hour, local.minute]).toEqual([9, 0]);
      expect(expiryLocal.startOf('day').diff(local.startOf('day'), 'days').days).toBe(7);

      // Moved with the expiry: 5 more days.
      const later = DateTime.fromISO(pkg.expiresAt).plus({ days: 5 }).toUTC().toISO();
      await t.http.post(`/v1/packages/${pkg.id}/expiry-changes`).set(admin()).send({ expiresAt: later, reason: 'holiday' }).expect(201);
      await dispatch();
      reminder = (await messagesOf(pkg.id)).expiry_reminder;
      expect(DateTime.fromJSDate(reminder.due_at, { zone: 'America/New_York' }).toISODate()).toBe(DateTime.fromISO(later!, { zone: 'America/New_York' }).minus({ days: 7 }).toISODate());
      expect(reminder.status).toBe('scheduled');

      t.clock.advance(reminder.due_at.getTime() - t.clock.now().getTime() + 1_000);
      await dispatch();
      const mail = smtp.to(jo.email).find((m) => m.subject?.startsWith('Your Ten days expires on'))!;
      expect(mail).toBeDefined();
      expect(mail.text).toContain('You still have 3 of 3 sessions.');
      expect(mail.subject).toBe(`Your Ten days expires on ${DateTime.fromISO(later!, { zone: 'America/New_York' }).setLocale('en').toLocaleString(DateTime.DATE_FULL)}`);

      // Past the expiry, the sweep records it: the expiry notice follows (credits were forfeited).
      t.clock.advance(8 * 24 * HOUR);
      await t.app.get(ExpirySweep).run();
      await dispatch();
      expect((await messagesOf(pkg.id)).expiry_notice).toMatchObject({ status: 'sent' });
      expect(smtp.to(jo.email).find((m) => m.subject === 'Your Ten days has expired')!.text).toContain('Sessions that were not used can no longer be booked.');
    });

    it("a message the dispatcher cancels early by the planner's own rules (its look at the package stream) is planned again when the picture changes back", async () => {
      const offer = await studio.createOffering({ name: 'Early look', sessionCount: 2, price: { amount: 6000, currency: 'EUR' }, validityDays: 10 });
      const kim = await client('Kim');
      const pkg = await studio.sellPackage(offer, kim.id);
      await dispatch();
      const reminder = (await messagesOf(pkg.id)).expiry_reminder;
      t.clock.advance(reminder.due_at.getTime() - t.clock.now().getTime() + 1_000);
      // The dispatcher's look at the stream says the credits are gone (a redemption the planner cannot read yet).
      const look = (dispatcher as any).cancelledMeanwhile.bind(dispatcher);
      const spy = jest.spyOn(dispatcher as any, 'cancelledMeanwhile').mockImplementation(async (row: any) => (row.id === reminder.id ? 'credits_used_up' : look(row)));
      try {
        await dispatch();
      } finally {
        spy.mockRestore();
      }
      expect((await messagesOf(pkg.id)).expiry_reminder).toMatchObject({ status: 'cancelled', reason: 'credits_used_up' });
      expect((await t.db.pool.query('SELECT cancelled_by FROM due_messages WHERE id = $1', [reminder.id])).rows[0].cancelled_by).toBe('planner');

      // The expiry moves (credits still there as far as the log says): the reminder is planned again.
      const later = DateTime.fromISO(pkg.expiresAt).plus({ days: 5 }).toUTC().toISO();
      await t.http.post(`/v1/packages/${pkg.id}/expiry-changes`).set(admin()).send({ expiresAt: later, reason: 'holiday' }).expect(201);
      await dispatch();
      expect((await messagesOf(pkg.id)).expiry_reminder).toMatchObject({ status: 'scheduled' });
    });

    it('the last credit used sends the renewal prompt and cancels the reminder; a refund cancels what is pending', async () => {
      const single = await studio.createOffering({ name: 'Single', sessionCount: 1, price: { amount: 9000, currency: 'EUR' }, validityDays: 60 });
      const kim = await client('Kim');
      const used = await studio.sellPackage(single, kim.id);
      await dispatch();
      await t.http.post(`/v1/packages/${used.id}/redemptions`).set(admin()).send({}).expect(201);
      await dispatch();
      const rows = await messagesOf(used.id);
      expect(rows.renewal_prompt).toMatchObject({ status: 'sent' });
      expect(rows.expiry_reminder).toMatchObject({ status: 'cancelled', reason: 'credits_used_up' });
      expect(rows.booking_nudge).toMatchObject({ status: 'cancelled', reason: 'booked' });
      expect(smtp.to(kim.email).find((m) => m.subject === 'You have used all sessions of Single')).toBeDefined();

      const refunded = await studio.sellPackage(offeringId, kim.id);
      await t.http.post(`/v1/packages/${refunded.id}/refunds`).set(admin()).send({ reason: 'changed mind' }).expect(201);
      await dispatch();
      const after = await messagesOf(refunded.id);
      expect(after.booking_nudge).toMatchObject({ status: 'cancelled', reason: 'refunded' });
      expect(after.expiry_reminder).toMatchObject({ status: 'cancelled', reason: 'refunded' });
    });

    it('a replay of the whole log (planner reset) plans nothing twice and sends nothing again', async () => {
      const before = await t.db.pool.query(`SELECT id, status, reason, due_at, attempts FROM due_messages ORDER BY tenant_id, id`);
      const mails = smtp.mails.length;
      await t.app.get(MessagePlanner).reset();
      await dispatch();
      const after = await t.db.pool.query(`SELECT id, status, reason, due_at, attempts FROM due_messages ORDER BY tenant_id, id`);
      expect(after.rows).toEqual(before.rows);
      expect(smtp.mails.length).toBe(mails);
    });
  });

  describe('booking notices with a calendar invitation', () => {
    it('a booking, its reschedule and its cancellation each send a notice in the client zone with an .ics for the same event', async () => {
      const admin = studio.auth;
      const post = async (path: string, body: object) => (await t.http.post(path).set(admin).send(body).expect(201)).body;
      const sessionType = (await post('/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'EUR' } })).id;
      const allDay = [{ start: '00:00', end: '24:00' }];
      const weeklyHours = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, allDay]));
      const schedule = (await post('/v1/schedules', { host: 'Coach', timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionType] })).id;
      const bookable = await studio.createOffering({ name: 'Bookable', sessionCount: 4, price: { amount: 30000, currency: 'EUR' }, scheduleId: schedule, sessionTypeIds: [sessionType] });
      const lea = await client('Lea', 'Asia/Tokyo');
      const pkg = await studio.sellPackage(bookable, lea.id);
      const start = new Date(Math.ceil((t.clock.now().getTime() + 3 * 24 * HOUR) / HOUR) * HOUR).toISOString();
      const booking = await post('/v1/bookings', { clientId: lea.id, scheduleId: schedule, sessionTypeId: sessionType, start, packageId: pkg.id });
      await dispatch();
      const tokyo = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Tokyo' }).setLocale('en').toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY);
      const confirmation = smtp.to(lea.email).find((m) => m.subject === `Booked: ${tokyo(start)}`)!;
      expect(confirmation).toBeDefined();
      const icsOf = (mail: typeof confirmation) => {
        const part = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
        expect(part).toBeDefined();
        return part!.content.toString('utf8').replace(/\r\n /g, '');
      };
      const first = icsOf(confirmation);
      expect(first).toContain('METHOD:REQUEST');
      expect(first).toContain(`UID:${booking.id}@punchcard.bookings`);
      expect(first).toContain(`DTSTART:${start.replace(/[-:]/g, '').replace('.000', '')}`);
      expect(first).toContain(`ATTENDEE;ROLE=REQ-PARTICIPANT;CN="Lea":MAILTO:${lea.email}`);
      expect(first).toContain('SUMMARY:Personal training'); // the event the calendar feeds show (@punchcard/calendar-feed)
      expect(first).toContain('SEQUENCE:0');

      const later = new Date(Date.parse(start) + 2 * HOUR).toISOString();
      await post(`/v1/bookings/${booking.id}/reschedules`, { start: later });
      await dispatch();
      const moved = smtp.to(lea.email).find((m) => m.subject === `Moved to ${tokyo(later)}`)!;
      expect(moved.text).toContain(`Your session on ${tokyo(start)} has moved to ${tokyo(later)}.`);
      expect(icsOf(moved)).toContain('SEQUENCE:1');

      await post(`/v1/bookings/${booking.id}/cancellations`, { reason: 'ill' });
      await dispatch();
      const cancelled = smtp.to(lea.email).find((m) => m.subject === `Cancelled: ${tokyo(later)}`)!;
      const last = icsOf(cancelled);
      expect(last).toContain('METHOD:CANCEL');
      expect(last).toContain('STATUS:CANCELLED');
      expect(last).toContain('SEQUENCE:2');
      const rows = (await t.db.pool.query(`SELECT id, status FROM due_messages WHERE id LIKE $1 ORDER BY id`, [`%${booking.id}%`])).rows;
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    });
  });

  describe('session reminders and feedback requests', () => {
    it("the offering's reminder goes out a local day before the session, and an attended session gets the feedback request", async () => {
      const admin = studio.auth;
      const post = async (path: string, body: object) => (await t.http.post(path).set(admin).send(body).expect(201)).body;
      const sessionType = (await post('/v1/session-types', { name: 'Yoga', durationMinutes: 60, price: { amount: 2000, currency: 'EUR' } })).id;
      const allDay = [{ start: '00:00', end: '24:00' }];
      const weeklyHours = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, allDay]));
      const schedule = (await post('/v1/schedules', { host: 'Coach', timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionType] })).id;
      const offering = await studio.createOffering({
        name: 'Yoga ten',
        sessionCount: 10,
        price: { amount: 15000, currency: 'EUR' },
        scheduleId: schedule,
        sessionTypeIds: [sessionType],
        reminders: [{ amount: 1, unit: 'days' }],
        feedbackRequest: true,
      });
      const max = await client('Max', 'Europe/Berlin');
      const pkg = await studio.sellPackage(offering, max.id);
      const start = new Date(Math.ceil((t.clock.now().getTime() + 3 * 24 * HOUR) / HOUR) * HOUR).toISOString();
      const booking = await post('/v1/bookings', { clientId: max.id, scheduleId: schedule, sessionTypeId: sessionType, start, packageId: pkg.id });
      await dispatch();
      const reminder = (await t.db.pool.query(`SELECT status, due_at FROM due_messages WHERE id = $1`, [`session_reminder:${booking.id}:${start}:0`])).rows[0];
      expect(reminder.status).toBe('scheduled');
      expect(reminder.due_at.toISOString()).toBe(DateTime.fromISO(start, { zone: 'Europe/Berlin' }).minus({ days: 1 }).toUTC().toISO());

      t.clock.advance(reminder.due_at.getTime() - t.clock.now().getTime() + 1_000);
      await dispatch();
      const berlin = DateTime.fromISO(start, { zone: 'Europe/Berlin' }).setLocale('en').toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY);
      const sent = smtp.to(max.email).find((m) => m.subject === `Reminder: your session on ${berlin}`)!;
      expect(sent).toBeDefined();
      expect(sent.headers.has('list-unsubscribe')).toBe(false); // a session reminder is a booking notice

      t.clock.advance(Date.parse(start) + 70 * 60_000 - t.clock.now().getTime());
      await post(`/v1/bookings/${booking.id}/attendance`, { attendance: 'attended' });
      await dispatch();
      const feedback = smtp.to(max.email).find((m) => m.subject === `How was your session on ${berlin}?`)!;
      expect(feedback).toBeDefined();
      expect(feedback.text).toMatch(/Unsubscribe from these reminders: https:\/\/punchcard\.test\/v1\/unsubscribe\?token=/);
    });
  });
  describe('dispatcher outcomes: recorded once, fenced to their claim', () => {
    const claimMs = () => t.app.get<Config>(APP_CONFIG).messagesClaimMs;
    const attemptsOf = async (id: string) => (await t.db.pool.query('SELECT outcome, smtp_message_id FROM message_attempts WHERE message_id = $1 ORDER BY id', [id])).rows;
    /** A real database error on one row's update to `status` (a trigger), failing `times` times (or always). */
    const failUpdates = async (messageId: string, status: string, times: number | null) => {
      const name = `fail_${Math.random().toString(36).slice(2, 10)}`;
      const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
      await t.db.pool.query(`CREATE SEQUENCE ${name}_n`);
      await t.db.pool.query(`GRANT ALL ON SEQUENCE ${name}_n TO PUBLIC`); // the dispatcher's role counts too
      await t.db.pool.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id = ${literal(messageId)} AND NEW.status = ${literal(status)} AND (${times === null ? 'true' : `nextval('${name}_n') <= ${times}`}) THEN
            RAISE EXCEPTION 'injected: the database refused the record';
          END IF;
          RETURN NEW;
        END $$`);
      await t.db.pool.query(`CREATE TRIGGER ${name} BEFORE UPDATE ON due_messages FOR EACH ROW EXECUTE FUNCTION ${name}()`);
      return async () => {
        await t.db.pool.query(`DROP TRIGGER ${name} ON due_messages`);
        await t.db.pool.query(`DROP FUNCTION ${name}()`);
        await t.db.pool.query(`DROP SEQUENCE ${name}_n`);
      };
    };

    beforeEach(async () => {
      await dispatch(); // nothing else due: each test's message is the only one in flight
    });

    it('a database error after the SMTP OK never resends through the retry path; only the claim deadline (same Message-ID) can', async () => {
      const ola = await client('Ola');
      const pkg = await studio.sellPackage(offeringId, ola.id);
      const id = `purchase_confirmation:${pkg.id}`;
      const restore = await failUpdates(id, 'sent', null);
      try {
        await dispatch();
        expect(smtp.to(ola.email)).toHaveLength(1);
        expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'sending', attempts: 1 });
        // Past the first retry's backoff (1 min), before the claim deadline: not sent again.
        t.clock.advance(61_000);
        await dispatch();
        expect(smtp.to(ola.email)).toHaveLength(1);
      } finally {
        await restore();
      }
      // The documented crash path: after the claim deadline the row is taken again and sent with the same Message-ID.
      t.clock.advance(claimMs());
      await dispatch();
      const mails = smtp.to(ola.email);
      expect(mails).toHaveLength(2);
      expect(mails[1].messageId).toBe(mails[0].messageId);
      expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'sent', attempts: 2 });
      expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
    });

    it('a passing database error after the SMTP OK: the record is tried again at once, sent once', async () => {
      const pia = await client('Pia');
      const pkg = await studio.sellPackage(offeringId, pia.id);
      const id = `purchase_confirmation:${pkg.id}`;
      const restore = await failUpdates(id, 'sent', 2);
      try {
        await dispatch();
      } finally {
        await restore();
      }
      t.clock.advance(5 * 60_000);
      await dispatch();
      expect(smtp.to(pia.email)).toHaveLength(1);
      expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'sent', attempts: 1 });
      expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(['sent']);
    });

    it('a dispatcher whose claim expired and was taken again cannot overwrite the newer attempt: its outcome is ignored', async () => {
      const quinn = await client('Quinn');
      const pkg = await studio.sellPackage(offeringId, quinn.id);
      const id = `purchase_confirmation:${pkg.id}`;
      const inner = new SmtpTransport(smtp.url);
      let entered!: () => void;
      const inFlight = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held = false;
      // The first worker's send hangs (a slow server) and is finally refused; every other send goes through.
      const gated: MailTransport = {
        send: async (mail: OutgoingMail) => {
          if (mail.to === quinn.email && !held) {
            held = true;
            entered();
            await released;
            throw new Error('451 too slow, try again');
          }
          return inner.send(mail);
        },
        close: () => inner.close(),
      };
      dispatcher.useTransport(gated);
      try {
        await t.infrastructure.runner.waitUntil(() => t.infrastructure.runner.isCaughtUp('packages-v2'), 10_000);
        const stale = dispatcher.run(); // claims attempt 1, then hangs in the send
        await inFlight;
        t.clock.advance(claimMs() + 1_000); // its claim expires
        await dispatcher.run(); // another run takes the row again (attempt 2) and sends it
        expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'sent', attempts: 2 });
        release();
        await stale; // the first worker's refusal arrives now: it must change nothing
        const row = (await messagesOf(pkg.id)).purchase_confirmation;
        expect(row).toMatchObject({ status: 'sent', attempts: 2, reason: null });
        expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
        // Nothing was put back in the queue: no third send later.
        t.clock.advance(10 * 60_000);
        await dispatch();
        expect(smtp.to(quinn.email)).toHaveLength(1);
        expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'sent', attempts: 2 });
      } finally {
        release();
        dispatcher.useTransport(new SmtpTransport(smtp.url));
      }
    });

    it('an unknown time zone does not stop planning: its messages are planned in UTC and later events still plan', async () => {
      const rae = await client('Rae', 'Europe/Berlin');
      await t.db.pool.query(`UPDATE clients SET timezone = 'Mars/Olympus_Mons' WHERE id = $1`, [rae.id]); // e.g. a zone an update of the zone database removed
      const pkg = await studio.sellPackage(offeringId, rae.id);
      const sam = await client('Sam');
      const after = await studio.sellPackage(offeringId, sam.id);
      await dispatch();
      const rows = await messagesOf(pkg.id);
      expect(rows.purchase_confirmation).toMatchObject({ status: 'sent' });
      expect(rows.booking_nudge.due_at.getTime() - rows.purchase_confirmation.due_at.getTime()).toBe(24 * HOUR); // a UTC day
      expect((await messagesOf(after.id)).purchase_confirmation).toMatchObject({ status: 'sent' });
    });
  });

  describe('message.failed webhooks', () => {
    it('a message that ends failed is delivered to subscribed endpoints once, signed, without personal data; also after a crash in the failing transaction', async () => {
      const shop = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
      const offer = await shop.createOffering({ name: 'Five', sessionCount: 5, price: { amount: 5000, currency: 'EUR' }, validityDays: 30 });
      const endpoint = (await t.http.post('/v1/webhook-endpoints').set(shop.auth).send({ url: receiver.url, events: ['message.failed'] }).expect(201)).body;
      const other = (await t.http.post('/v1/webhook-endpoints').set(shop.auth).send({ url: `${receiver.url}/other`, events: ['package.purchased'] }).expect(201)).body;
      const email = `fails-${Date.now()}@example.com`;
      const clientId = (await t.http.post('/v1/clients').set(shop.auth).send({ name: 'Una Failing', email }).expect(201)).body.id;
      await dispatch();
      receiver.clear();
      smtp.refuseWith = { code: 550, message: `mailbox <${email}> unavailable` };
      let restore: (() => Promise<void>) | null = null;
      try {
        const pkg = await shop.sellPackage(offer, clientId);
        const id = `purchase_confirmation:${pkg.id}`;
        await dispatch();
        for (const minutes of [1, 4, 16]) {
          t.clock.advance(minutes * 60_000 + 1_000);
          await dispatch();
        }
        expect((await t.db.pool.query('SELECT attempts, status FROM due_messages WHERE id = $1', [id])).rows[0]).toEqual({ attempts: 4, status: 'scheduled' });
        // The 5th attempt's failing transaction dies (as in a kill before its commit): nothing of it stays.
        const name = `fail_failed_${Math.random().toString(36).slice(2, 8)}`;
        await t.db.pool.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.status = 'failed' THEN RAISE EXCEPTION 'injected: the dispatcher died'; END IF; RETURN NEW; END $$`);
        await t.db.pool.query(`CREATE TRIGGER ${name} AFTER UPDATE ON due_messages FOR EACH ROW EXECUTE FUNCTION ${name}()`);
        restore = async () => {
          await t.db.pool.query(`DROP TRIGGER IF EXISTS ${name} ON due_messages`);
          await t.db.pool.query(`DROP FUNCTION IF EXISTS ${name}()`);
        };
        t.clock.advance(64 * 60_000 + 1_000);
        await dispatch();
        const deliveriesOf = async () => (await t.db.pool.query(`SELECT id, event_id, body FROM webhook_deliveries WHERE tenant_id = $1 AND event_type = 'message.failed'`, [shop.tenantId])).rows;
        expect((await t.db.pool.query('SELECT status, attempts FROM due_messages WHERE id = $1', [id])).rows[0]).toEqual({ status: 'sending', attempts: 5 });
        expect(await deliveriesOf()).toEqual([]);
        await restore();
        restore = null;

        // Taken again after the claim deadline (the crash path), refused again: failed, and one delivery planned with it.
        t.clock.advance(t.app.get<Config>(APP_CONFIG).messagesClaimMs + 1_000);
        await dispatch();
        const failed = (await t.db.pool.query('SELECT status, attempts, reason FROM due_messages WHERE id = $1', [id])).rows[0];
        expect(failed).toMatchObject({ status: 'failed', attempts: 6 });
        expect(await deliveriesOf()).toHaveLength(1);
        await dispatch(); // nothing more
        expect(await deliveriesOf()).toHaveLength(1);

        await planEverything(t);
        await t.app.get(WebhookScheduler).runOnce();
        await t.app.get(WebhookScheduler).runOnce();
        const got = receiver.received.filter((r) => r.json?.type === 'message.failed' && r.json?.businessId === shop.tenantId);
        expect(got).toHaveLength(1);
        expect(receiver.received.filter((r) => r.json?.type === 'message.failed' && r.headers['punchcard-delivery-id'] && r.json?.businessId !== shop.tenantId)).toEqual([]);
        const [hook] = got;
        expect(verifyWebhook(endpoint.secret, hook.body, hook.headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(true);
        expect(verifyWebhook(other.secret, hook.body, hook.headers['punchcard-signature'] as string, t.clock.now().getTime())).toBe(false);
        expect(hook.headers['punchcard-event-type']).toBe('message.failed');
        expect(hook.headers['punchcard-event-id']).toBe(hook.json.id);
        expect(hook.json).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: 'message.failed',
          createdAt: hook.json.data.failedAt,
          businessId: shop.tenantId,
          data: {
            messageId: id,
            kind: 'purchase_confirmation',
            clientId,
            packageId: pkg.id,
            bookingId: null,
            reason: expect.stringContaining('mailbox <[redacted]> unavailable'),
            attempts: 6,
            failedAt: expect.stringMatching(/Z$/),
          },
        });
        expect(hook.body).not.toContain(email);
        expect(hook.body).not.toContain('Una');
        // The endpoint not subscribed to message.failed got nothing of it.
        expect(receiver.received.filter((r) => r.json?.type === 'message.failed' && r.json?.businessId === shop.tenantId)).toHaveLength(1);
      } finally {
        smtp.refuseWith = null;
        await restore?.();
      }
    });

    it('message.failed is a kind endpoints may subscribe to; unknown kinds are still refused', async () => {
      const shop = await t.newTenant();
      await t.http.post('/v1/webhook-endpoints').set(shop.auth).send({ url: receiver.url, events: ['message.failed', 'package.purchased'] }).expect(201);
      const bad = await t.http.post('/v1/webhook-endpoints').set(shop.auth).send({ url: receiver.url, events: ['message.sent'] }).expect(400);
      expect(bad.body.code).toBe('validation_failed');
    });
  });

  describe('erasing a client\'s message data', () => {
    it('DELETE /v1/clients/{id}/messages/personal-data blanks recipients and bodies, cancels what is scheduled (erased), keeps the log; idempotent', async () => {
      const vic = await client('Vic Erased', 'Europe/Berlin');
      const keep = await client('Wim Kept');
      const pkg = await studio.sellPackage(offeringId, vic.id);
      const kept = await studio.sellPackage(offeringId, keep.id);
      await dispatch();
      const before = await messagesOf(pkg.id);
      expect(before.purchase_confirmation.status).toBe('sent');
      expect(before.booking_nudge.status).toBe('scheduled');

      await t.http.delete(`/v1/clients/${vic.id}/messages/personal-data`).set(studio.auth).set('Idempotency-Key', `erase-${vic.id}`).expect(204);
      const rows = (
        await t.db.pool.query(
          `SELECT id, kind, status, reason, sent_at, due_at, recipient, subject, html, body_text, ics, server_response FROM due_messages WHERE client_id = $1 ORDER BY id`,
          [vic.id],
        )
      ).rows;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const row of rows) expect({ id: row.id, recipient: row.recipient, subject: row.subject, html: row.html, text: row.body_text, ics: row.ics, answer: row.server_response }).toEqual({ id: row.id, recipient: null, subject: null, html: null, text: null, ics: null, answer: null });
      const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]));
      expect(byKind.purchase_confirmation).toMatchObject({ status: 'sent', sent_at: before.purchase_confirmation.sent_at });
      expect(byKind.booking_nudge).toMatchObject({ status: 'cancelled', reason: 'erased' });
      expect(byKind.expiry_reminder).toMatchObject({ status: 'cancelled', reason: 'erased' });
      const attempts = (await t.db.pool.query('SELECT outcome, detail FROM message_attempts WHERE message_id = $1', [`purchase_confirmation:${pkg.id}`])).rows;
      expect(attempts).toEqual([{ outcome: 'sent', detail: null }]);
      const detail = await t.http.get(`/v1/messages/purchase_confirmation:${pkg.id}`).set(studio.auth).expect(200);
      expect(detail.body).toMatchObject({ status: 'sent', kind: 'purchase_confirmation', recipient: null, subject: null, html: null, text: null });
      expect(JSON.stringify(detail.body)).not.toContain(vic.email);

      // Another client's messages are untouched; a repeat is 204 and changes nothing; a replay of the log does not plan them again.
      expect((await t.db.pool.query('SELECT recipient FROM due_messages WHERE id = $1', [`purchase_confirmation:${kept.id}`])).rows[0].recipient).toBe(keep.email);
      await t.http.delete(`/v1/clients/${vic.id}/messages/personal-data`).set(studio.auth).expect(204);
      await t.app.get(MessagePlanner).reset();
      await dispatch();
      expect((await messagesOf(pkg.id)).booking_nudge).toMatchObject({ status: 'cancelled', reason: 'erased' });
      t.clock.advance(25 * HOUR);
      await dispatch();
      expect(smtp.to(vic.email)).toHaveLength(1);
    });

    it('refuses other roles, other tenants and unknown clients', async () => {
      const res = await t.http.delete('/v1/clients/00000000-0000-4000-8000-000000000000/messages/personal-data').set(studio.auth).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('client_not_found');
      await t.http.delete('/v1/clients/not-a-uuid/messages/personal-data').set(studio.auth).expect(404);
      const someone = await client('Xia');
      const other = await t.newTenant();
      expect((await t.http.delete(`/v1/clients/${someone.id}/messages/personal-data`).set(other.auth).expect(404)).body.code).toBe('client_not_found');
      const staff = (await t.http.post('/v1/api-keys').set(studio.auth).send({ role: 'staff', name: 'desk' }).expect(201)).body.key;
      await t.http.delete(`/v1/clients/${someone.id}/messages/personal-data`).set({ Authorization: `Bearer ${staff}` }).expect(403);
    });
  });
  describe('the race at the due time (last: it moves the clock by days)', () => {
    it('a booking committed while the dispatcher is about to send the nudge: sent before the booking, or cancelled; never sent after a booking committed before its batch', async () => {
      // A real race, many times: a redemption (a booking) and a dispatcher run start together, staggered by a
      // random few milliseconds. The times are real (performance.now), taken where each side commits or decides:
      // the booking is committed when its response arrives; the dispatcher decides when it starts its last
      // look before the send (the check of the package stream, else the planner catch-up that starts its batch,
      // else the run's start). A booking committed before that must cancel the nudge; one committed after it
      // came after the nudge was due and about to go (it may go out).
      const planner = t.app.get(MessagePlanner);
      const original = planner.catchUp.bind(planner);
      const catchUps: number[] = [];
      const sends = new Map<string, number>();
      const inner = new SmtpTransport(smtp.url);
      dispatcher.useTransport({
        send: async (mail) => {
          if (mail.subject === 'Ready to book your first session?') sends.set(mail.to, performance.now());
          return inner.send(mail);
        },
        close: () => inner.close(),
      });
      const spy = jest.spyOn(planner, 'catchUp').mockImplementation(async () => {
        catchUps.push(performance.now());
        return original();
      });
      const checks = new Map<string, number>();
      const check = (dispatcher as any).cancelledMeanwhile.bind(dispatcher);
      const checkSpy = jest.spyOn(dispatcher as any, 'cancelledMeanwhile').mockImplementation(async (row: any) => {
        if (row.kind === 'booking_nudge') checks.set(row.package_id, performance.now());
        return check(row);
      });
      const outcomes = { sent: 0, cancelled: 0, bookedBeforeDecision: 0, bookedAfterDecision: 0 };
      try {
        // Ten rounds, then more (up to 30) until both sides of the race were seen: which side a round lands on is timing.
        const bothSeen = () => outcomes.bookedBeforeDecision > 0 && outcomes.bookedAfterDecision > 0;
        for (let round = 0; round < 30 && (round < 10 || !bothSeen()); round++) {
          const buyers = await Promise.all(Array.from({ length: 3 }, (_, i) => client(`Racer ${round}.${i}`)));
          const packages = [];
          for (const b of buyers) packages.push(await studio.sellPackage(offeringId, b.id));
          await planner.catchUp(); // the setup plans without relying on the dispatcher's own catch-up
          await dispatch(); // the confirmations
          t.clock.advance(24 * HOUR + 60_000); // every nudge of this round is due
          catchUps.length = 0;
          checks.clear();
          const bookedAt: number[] = [];
          let runStart = 0;
          await Promise.all([
            ...packages.map(async (p, i) => {
              // Odd rounds lean towards the booking coming second, even rounds towards it coming first.
              await sleep((round % 2 ? 40 : 0) + Math.random() * 20);
              await t.http.post(`/v1/packages/${p.id}/redemptions`).set(studio.auth).send({}).expect(201);
              bookedAt[i] = performance.now();
            }),
            (async () => {
              await sleep(round % 2 ? Math.random() * 5 : [10, 25, 50, 120][(round / 2) % 4] + Math.random() * 10);
              runStart = performance.now();
              await dispatcher.run();
            })(),
          ]);
          await dispatch(); // plans the bookings that came after the run
          for (const [i, p] of packages.entries()) {
            const nudge = (await messagesOf(p.id)).booking_nudge;
            const mails = smtp.to(buyers[i].email).filter((m) => m.subject === 'Ready to book your first session?').length;
            const sentAt = sends.get(buyers[i].email);
            const decision = checks.get(p.id) ?? (sentAt === undefined ? runStart : Math.max(runStart, ...catchUps.filter((c) => c <= sentAt)));
            const bookedFirst = bookedAt[i] < decision;
            outcomes[bookedFirst ? 'bookedBeforeDecision' : 'bookedAfterDecision']++;
            outcomes[nudge.status as 'sent' | 'cancelled']++;
            const seen = { round, i, status: nudge.status, mails, bookedBeforeTheBatchDecided: bookedFirst };
            // Sent exactly once or cancelled (never both, never neither), and never sent when the booking was committed first.
            expect([
              { round, i, status: 'sent', mails: 1, bookedBeforeTheBatchDecided: false },
              { round, i, status: 'cancelled', mails: 0, bookedBeforeTheBatchDecided: false },
              { round, i, status: 'cancelled', mails: 0, bookedBeforeTheBatchDecided: true },
            ]).toContainEqual(seen);
          }
        }
      } finally {
        spy.mockRestore();
        checkSpy.mockRestore();
        dispatcher.useTransport(new SmtpTransport(smtp.url));
      }
      // Both sides of the race happened (otherwise the test proved nothing).
      expect(outcomes.bookedBeforeDecision).toBeGreaterThan(0);
      expect(outcomes.bookedAfterDecision).toBeGreaterThan(0);
    });
  });
});
