import { DateTime } from 'luxon';
import { MessageDispatcher, MessagePlanner } from '../../apps/api/src/messages';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { SmtpTransport } from '@punchcard/messages';
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
      expect(off.body).toEqual({ expiryReminderDays: 7, disabledKinds: ['purchase_confirmation'], bookingUrl: 'https://studio.test/book' });
      const fay = await client('Fay');
      const pkg = await studio.sellPackage(offeringId, fay.id);
      await dispatch();
      expect((await messagesOf(pkg.id)).purchase_confirmation).toMatchObject({ status: 'cancelled', reason: 'kind_disabled' });
      expect(smtp.to(fay.email)).toHaveLength(0);
      await t.http.patch('/v1/message-settings').set(admin()).send({ disabledKinds: [], bookingUrl: null }).expect(200);
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
});
