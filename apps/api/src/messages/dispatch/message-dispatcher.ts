import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, PoolClient } from 'pg';
import { EventStore } from '@punchcard/event-store';
import { BookingContext, cancelledByPackageEvents, MailTransport, MessageKind, NUDGE_KINDS, PACKAGE_KINDS, SmtpTransport } from '@punchcard/messages';
import { Config } from '@punchcard/platform';
import { inTransaction, withTenant } from '@punchcard/postgres';
import { planMessageFailedDeliveries, redactAddresses } from '../../outbound-webhooks';
import { APP_CONFIG, Clock, CLOCK, SYSTEM_EVENT_STORE, SYSTEM_POOL } from '../../tokens';
import { MessageContent } from '../message-content';
import { MessagePlanner } from '../planner/message-planner';

export const BATCH_SIZE = 50;
export const MAX_ATTEMPTS = 5;
/** A message first reached more than this after its due time is not sent (ADR 0023, "Stale messages"). */
export const TOO_LATE_MS = 48 * 3_600_000;
/** 1, 4, 16, 64 minutes after attempts 1–4. */
export const backoffMs = (attempt: number) => 60_000 * 4 ** (attempt - 1);
/**
 * A message whose package is not projected yet is looked at again after this, without using an attempt;
 * the longer it has waited, the longer the pause (a tenth of its lateness, at most 10 minutes), so a
 * package that never appears costs a bounded number of looks until `too_late` cancels it.
 */
/** Pauses between tries of recording a message the SMTP server accepted (then it is left to the claim deadline). */
export const RECORD_RETRY_DELAYS_MS = [100, 400, 1_600];
const notReadyDelayMs = (lateMs: number) => Math.min(10 * 60_000, Math.max(5_000, lateMs / 10));

interface ClaimedRow {
  tenant_id: string;
  id: string;
  kind: MessageKind;
  package_id: string;
  client_id: string;
  due_at: Date;
  attempts: number;
  resends: number;
  recipient: string | null;
  subject: string | null;
  html: string | null;
  body_text: string | null;
  ics: string | null;
  context: BookingContext | null;
  smtp_message_id: string | null;
  attempt_id: string;
}

/** A transport that tests (or a deployment) put in place of the one `SMTP_URL` names. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * Sends due messages (ADR 0023). Runs only where the `messages` lease is held (MessagesScheduler).
 * Each batch is claimed in one short transaction (`FOR UPDATE SKIP LOCKED`, status `sending`, a claim
 * deadline), then each message is rendered once (stored on the row, so a resend is the same email),
 * sent, and its outcome recorded at once. A dispatcher killed between the server's OK and the record
 * leaves the row `sending`; after the claim deadline it is sent again with the same Message-ID.
 */
@Injectable()
export class MessageDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Messages');
  private transport: MailTransport | null = null;

  constructor(
    private readonly planner: MessagePlanner,
    private readonly content: MessageContent,
    @Inject(SYSTEM_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(SYSTEM_EVENT_STORE) private readonly events: EventStore,
  ) {}

  onModuleInit(): void {
    if (this.config.smtpUrl) this.transport = new SmtpTransport(this.config.smtpUrl);
    else if (this.config.runScheduler) this.logger.warn('SMTP_URL is not set: due messages are recorded as not_sent (smtp_not_configured), nothing is emailed.');
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  /** Tests and embedders may replace the transport (null = no SMTP). */
  useTransport(transport: MailTransport | null): void {
    this.transport = transport;
  }

  /**
   * Plans up to the end of the log first (so a booking committed before this batch has cancelled its
   * nudge), then sends batches until none is due. Returns how many messages it finished.
   */
  async run(maxBatches = 20): Promise<number> {
    let done = 0;
    for (let i = 0; i < maxBatches; i++) {
      // Before every batch, not once per run: a booking committed while earlier batches were sending cancels its nudge.
      await this.planner.catchUp();
      const rows = await this.claim();
      for (const row of rows) {
        await this.process(row);
        done++;
      }
      if (rows.length < BATCH_SIZE) break;
    }
    return done;
  }

  private async claim(): Promise<ClaimedRow[]> {
    const now = this.clock.now();
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<Omit<ClaimedRow, 'attempt_id'> & { was: string }>(
        `WITH due AS (
           SELECT tenant_id, id, status FROM due_messages
           WHERE status IN ('scheduled', 'sending') AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE due_messages m SET status = 'sending', attempts = m.attempts + 1, locked_until = $3, next_attempt_at = $3, updated_at = now()
         FROM due WHERE m.tenant_id = due.tenant_id AND m.id = due.id
         RETURNING m.tenant_id, m.id, m.kind, m.package_id, m.client_id, m.due_at, m.attempts, m.resends, m.recipient, m.subject, m.html, m.body_text,
                   m.ics, m.context, m.smtp_message_id, due.status AS was`,
        [now, BATCH_SIZE, new Date(now.getTime() + this.config.messagesClaimMs)],
      );
      const claimed: ClaimedRow[] = [];
      for (const row of rows) {
        // A row found `sending` was claimed by a dispatcher that died: its attempt ended unrecorded.
        if (row.was === 'sending') {
          await client.query(`UPDATE message_attempts SET outcome = 'interrupted', finished_at = $3 WHERE tenant_id = $1 AND message_id = $2 AND outcome = 'sending'`, [
            row.tenant_id,
            row.id,
            now,
          ]);
        }
        const attempt = await client.query<{ id: string }>(
          `INSERT INTO message_attempts (tenant_id, message_id, started_at, outcome, smtp_message_id) VALUES ($1, $2, $3, 'sending', $4) RETURNING id::text`,
          [row.tenant_id, row.id, now, row.smtp_message_id],
        );
        claimed.push({ ...row, attempt_id: attempt.rows[0].id });
      }
      return claimed;
    });
  }

  private async process(row: ClaimedRow): Promise<void> {
    try {
      await withTenant(row.tenant_id, () => this.deliver(row));
    } catch (error) {
      // A failure of ours (database, rendering) before anything was sent: retried like a refused delivery.
      try {
        await this.retryOrFail(row, `internal: ${String((error as Error)?.message ?? error)}`);
      } catch (again) {
        // Not even that could be written: the row stays `sending` and is taken again after its claim deadline
        // (as after a crash); the rest of the batch goes on.
        this.logger.error(`Message ${row.id} of tenant ${row.tenant_id}: its outcome could not be recorded (${redactAddresses(String((again as Error)?.message ?? again))}); it is taken again after its claim expires`);
      }
    }
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const now = this.clock.now();
    const settings = await this.content.settings(row.tenant_id);
    if (settings.disabledKinds.includes(row.kind)) return void (await this.cancel(row, 'kind_disabled'));
    if (NUDGE_KINDS.includes(row.kind) && (await this.content.isUnsubscribed(row.tenant_id, row.client_id))) return void (await this.cancel(row, 'unsubscribed'));

    if (row.subject === null) {
      if (row.resends === 0 && now.getTime() - row.due_at.getTime() > TOO_LATE_MS) return void (await this.cancel(row, 'too_late'));
      const outcome = await this.content.render(row.tenant_id, row.kind, row.package_id, row.context, row.due_at, settings);
      if (outcome.kind === 'gone') return void (await this.cancel(row, outcome.reason));
      if (outcome.kind === 'not_ready') return void (await this.later(row, outcome.reason));
      const messageId = `<${row.id.replace(/:/g, '.')}.${row.resends}.${row.tenant_id}@punchcard.messages>`;
      const { rows } = await this.pool.query(
        `UPDATE due_messages SET recipient = $3, subject = $4, html = $5, body_text = $6, smtp_message_id = $7, ics = $8, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending' AND attempts = $9 AND resends = $10 RETURNING recipient, subject, html, body_text, smtp_message_id, ics`,
        [row.tenant_id, row.id, outcome.recipient, outcome.rendered.subject, outcome.rendered.html, outcome.rendered.text, messageId, outcome.ics, row.attempts, row.resends],
      );
      // Our claim expired and another dispatcher holds the row now: it sends, not this one.
      if (!rows[0]) return this.stale(row, 'render');
      Object.assign(row, rows[0]);
    }

    if (!this.transport) return void (await this.finish(row, 'not_sent', 'smtp_not_configured', 'not_sent', 'SMTP_URL is not configured'));
    const meanwhile = await this.cancelledMeanwhile(row);
    if (meanwhile) return void (await this.cancel(row, meanwhile, 'planner'));
    const unsubscribe = NUDGE_KINDS.includes(row.kind) ? this.content.unsubscribeUrl(row.tenant_id, row.client_id) : null;
    let response: string;
    try {
      ({ response } = await this.transport.send({
        from: this.config.mailFrom,
        to: row.recipient!,
        subject: row.subject!,
        html: row.html!,
        text: row.body_text!,
        messageId: row.smtp_message_id!,
        headers: unsubscribe ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined,
        icalEvent: row.ics ? { method: row.kind === 'booking_cancelled' ? 'CANCEL' : 'REQUEST', content: row.ics } : undefined,
      }));
    } catch (error) {
      // Refused, or no answer: the server did not accept it, so it is tried again (or failed).
      return void (await this.retryOrFail(row, String((error as Error)?.message ?? error)));
    }
    await this.recordSent(row, response, this.clock.now());
  }

  /**
   * Just before sending a package message (not an admin's resend): do the package's events, read from its
   * stream now, cancel it? The planner's catch-up before the batch reads the log only up to the oldest
   * transaction still open, so a booking committed meanwhile behind another one would not have cancelled
   * the nudge yet; the stream has it.
   */
  private async cancelledMeanwhile(row: ClaimedRow): Promise<string | null> {
    if (row.resends > 0 || !PACKAGE_KINDS.includes(row.kind) || row.id !== `${row.kind}:${row.package_id}`) return null;
    const stream = await this.events.readStream(`package-${row.package_id}`);
    return cancelledByPackageEvents(
      row.id,
      stream.map((e) => ({ type: e.type, data: e.data, occurredAt: e.metadata.occurredAt })),
    );
  }

  /**
   * The server accepted the message: from here on it must never go back to the retry path (that would
   * send it again). The record is tried a few times; if the database still refuses, the row stays
   * `sending` and only the crash path applies (ADR 0023): after the claim deadline it is taken again
   * and sent with the same Message-ID.
   */
  private async recordSent(row: ClaimedRow, response: string, sentAt: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.finish(row, 'sent', null, 'sent', response, sentAt);
        return;
      } catch (error) {
        if (attempt >= RECORD_RETRY_DELAYS_MS.length + 1) {
          this.logger.error(
            `Message ${row.id} of tenant ${row.tenant_id} was accepted by the SMTP server but could not be recorded as sent (${redactAddresses(String((error as Error)?.message ?? error))}); ` +
              'it stays sending and is sent again, with the same Message-ID, after its claim expires',
          );
          return;
        }
        // A pause in real time between tries of one write (not business time: the clock is not involved).
        await sleep(RECORD_RETRY_DELAYS_MS[attempt - 1]);
      }
    }
  }

  /**
   * Every outcome below applies only while the row is still this dispatcher's claim: `sending` with the
   * attempt number it claimed. A dispatcher whose claim expired (and was taken again by another) writes
   * nothing, so it cannot overwrite the newer attempt's outcome.
   */
  private async finish(
    row: ClaimedRow,
    status: 'sent' | 'not_sent' | 'failed',
    reason: string | null,
    outcome: string,
    detail: string | null,
    at: Date = this.clock.now(),
  ): Promise<boolean> {
    const applied = await inTransaction(this.pool, async (client) => {
      const updated = await client.query(
        `UPDATE due_messages SET status = $3, reason = $4, locked_until = NULL, sent_at = CASE WHEN $3 = 'sent' THEN $5::timestamptz ELSE sent_at END,
           server_response = CASE WHEN $3 = 'sent' THEN $6 ELSE server_response END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending' AND attempts = $7 AND resends = $8`,
        [row.tenant_id, row.id, status, reason, at, detail, row.attempts, row.resends],
      );
      if (!updated.rowCount) return false;
      await this.endAttempt(client, row, outcome, detail, at);
      if (status === 'failed') {
        // message.failed for subscribed endpoints, in this transaction: planned once with the failure, never without it.
        await planMessageFailedDeliveries(client, {
          tenantId: row.tenant_id,
          messageId: row.id,
          kind: row.kind,
          clientId: row.client_id,
          packageId: row.package_id,
          bookingId: row.context?.bookingId ?? null,
          reason: reason ?? 'failed',
          attempts: row.attempts,
          resends: row.resends,
          failedAt: at,
        });
      }
      return true;
    });
    if (!applied) this.stale(row, status);
    return applied;
  }

  /**
   * `by`: 'planner' when the cancellation applies the planner's own rules early (the pre-send look at the
   * package stream): the planner may then plan the message again (credits come back), as it would have
   * had it cancelled the row itself.
   */
  private async cancel(row: ClaimedRow, reason: string, by: 'dispatcher' | 'planner' = 'dispatcher'): Promise<boolean> {
    const now = this.clock.now();
    return this.fenced(row, 'cancelled', async (client) => {
      const updated = await client.query(
        `UPDATE due_messages SET status = 'cancelled', reason = $3, cancelled_by = $6, locked_until = NULL, attempts = attempts - 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending' AND attempts = $4 AND resends = $5`,
        [row.tenant_id, row.id, reason, row.attempts, row.resends, by],
      );
      if (updated.rowCount) await this.endAttempt(client, row, 'cancelled', reason, now);
      return !!updated.rowCount;
    });
  }

  /** Not an attempt: the data is not there yet (the package read model lags the planner). */
  private async later(row: ClaimedRow, detail: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const next = new Date(now + notReadyDelayMs(now - row.due_at.getTime()));
    return this.fenced(row, 'later', async (client) => {
      const updated = await client.query(
        `UPDATE due_messages SET status = 'scheduled', attempts = attempts - 1, next_attempt_at = $3, locked_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending' AND attempts = $4 AND resends = $5`,
        [row.tenant_id, row.id, next, row.attempts, row.resends],
      );
      if (updated.rowCount) await this.endAttempt(client, row, 'retry', detail, this.clock.now());
      return !!updated.rowCount;
    });
  }

  private async retryOrFail(row: ClaimedRow, reason: string): Promise<boolean> {
    const now = this.clock.now();
    if (row.attempts >= MAX_ATTEMPTS) {
      const failed = await this.finish(row, 'failed', reason, 'failed', reason);
      if (failed) this.logger.warn(`Message ${row.id} of tenant ${row.tenant_id} failed after ${row.attempts} attempts: ${redactAddresses(reason)}`);
      return failed;
    }
    return this.fenced(row, 'retry', async (client) => {
      const updated = await client.query(
        `UPDATE due_messages SET status = 'scheduled', reason = $3, next_attempt_at = $4, locked_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'sending' AND attempts = $5 AND resends = $6`,
        [row.tenant_id, row.id, `attempt ${row.attempts} failed: ${reason}`, new Date(now.getTime() + backoffMs(row.attempts)), row.attempts, row.resends],
      );
      if (updated.rowCount) await this.endAttempt(client, row, 'retry', reason, now);
      return !!updated.rowCount;
    });
  }

  private async fenced(row: ClaimedRow, what: string, write: (client: PoolClient) => Promise<boolean>): Promise<boolean> {
    const applied = await inTransaction(this.pool, write);
    if (!applied) this.stale(row, what);
    return applied;
  }

  /** Our claim was taken over (it expired): the newer attempt decides; this one's outcome is dropped. */
  private stale(row: ClaimedRow, what: string): void {
    this.logger.warn(`Message ${row.id} of tenant ${row.tenant_id}: attempt ${row.attempts} lost its claim (expired and taken again); its outcome (${what}) is not recorded`);
  }

  /** The attempt's own row, only while it is still open (a reclaim marks it `interrupted`). */
  private async endAttempt(client: PoolClient, row: ClaimedRow, outcome: string, detail: string | null, at: Date): Promise<void> {
    await client.query(
      `UPDATE message_attempts SET outcome = $2, detail = $3, finished_at = $4, smtp_message_id = COALESCE(smtp_message_id, $5) WHERE id = $1 AND outcome = 'sending'`,
      [row.attempt_id, outcome, detail, at, row.smtp_message_id],
    );
  }
}
