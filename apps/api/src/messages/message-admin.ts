import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Pool } from 'pg';
import { inTransaction } from '@punchcard/postgres';
import { DEFAULT_TEMPLATES, MESSAGE_KINDS, templateLanguageFor, MessageKind, MessageTemplate, placeholdersFor, renderTemplate, TemplateValues, validateTemplate } from '@punchcard/messages';
import { ClientDirectory } from '../clients';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { ApiError } from '../http/problem';
import { Clock, CLOCK, PG_POOL } from '../tokens';
import { DEFAULT_SETTINGS, MessageContent, MessageSettings } from './message-content';

/** An email address in a reason or an SMTP reply (`550 <ann@example.com>: unknown user`): POSIX regex for PostgreSQL. */
const ADDRESS_PATTERN = `[^][[:space:]<>()"',;:]+@[^][[:space:]<>()"',;:]+`;

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const ROW = `id, kind, client_id AS "clientId", package_id AS "packageId", status, reason, ${ISO('due_at')} AS "dueAt",
  CASE WHEN status = 'scheduled' THEN ${ISO('next_attempt_at')} END AS "nextAttemptAt", attempts, resends, recipient, subject,
  smtp_message_id AS "messageId", ${ISO('sent_at')} AS "sentAt", ${ISO('created_at')} AS "createdAt", ${ISO('updated_at')} AS "updatedAt"`;

export interface MessageRow {
  id: string;
  kind: MessageKind;
  clientId: string;
  packageId: string;
  status: string;
  reason: string | null;
  dueAt: string;
  nextAttemptAt: string | null;
  attempts: number;
  resends: number;
  recipient: string | null;
  subject: string | null;
  messageId: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Sample values for a preview without a package. */
/** Sample values for a preview without a package, dates written in the business's language. */
function sampleValues(language: string): TemplateValues {
  const at = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' }).setLocale(language);
  return {
    client_name: 'Ada Lovelace',
    business_name: 'Your business',
    package_name: '6 sessions',
    sessions_remaining: 4,
    sessions_total: 6,
    package_expiry: at('2026-07-31').toLocaleString(DateTime.DATE_FULL),
    booking_url: 'https://example.com/book',
    unsubscribe_url: 'https://example.com/unsubscribe',
    session_start: at('2026-07-14T09:00').toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY),
    previous_session_start: at('2026-07-13T18:00').toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY),
  };
}

export function kindOf(value: string): MessageKind {
  if (!(MESSAGE_KINDS as readonly string[]).includes(value)) throw new ApiError(404, 'message_kind_not_found', `No message kind ${JSON.stringify(value)}; kinds: ${MESSAGE_KINDS.join(', ')}.`);
  return value as MessageKind;
}

function refuseInvalid(kind: MessageKind, template: MessageTemplate): void {
  const problems = validateTemplate(kind, template);
  if (problems.length === 0) return;
  const allowed = placeholdersFor(kind);
  throw new ApiError(422, 'invalid_template', `The template cannot be used. Allowed placeholders for ${kind}: ${allowed.join(', ')}.`, {
    errors: problems,
    allowedPlaceholders: allowed,
  } as never);
}

/**
 * The message log, settings, templates and preferences of the current tenant (row-level security on the
 * tenant pool). Personal data (recipients, bodies) stays in these tables.
 */
@Injectable()
export class MessageAdmin {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly content: MessageContent,
    private readonly clients: ClientDirectory,
  ) {}

  settings(tenantId: string): Promise<MessageSettings> {
    return this.content.settings(tenantId);
  }

  async updateSettings(tenantId: string, changes: Partial<MessageSettings>): Promise<MessageSettings> {
    const next = { ...DEFAULT_SETTINGS, ...(await this.settings(tenantId)), ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
    await this.pool.query(
      `INSERT INTO message_settings (tenant_id, expiry_reminder_days, disabled_kinds, booking_url, language, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET expiry_reminder_days = EXCLUDED.expiry_reminder_days, disabled_kinds = EXCLUDED.disabled_kinds,
         booking_url = EXCLUDED.booking_url, language = EXCLUDED.language, updated_at = EXCLUDED.updated_at`,
      [tenantId, next.expiryReminderDays, next.disabledKinds, next.bookingUrl, Intl.getCanonicalLocales(next.language)[0], this.clock.now()],
    );
    return this.settings(tenantId);
  }

  async templates(tenantId: string) {
    const { language } = await this.settings(tenantId); // once for every kind
    return Promise.all(MESSAGE_KINDS.map((kind) => this.template(tenantId, kind, language)));
  }

  async template(tenantId: string, kind: MessageKind, businessLanguage?: string) {
    const custom = await this.content.customTemplate(tenantId, kind);
    const language = templateLanguageFor(businessLanguage ?? (await this.settings(tenantId)).language);
    const template = custom ?? DEFAULT_TEMPLATES[language][kind];
    return { kind, custom: custom !== null, defaultLanguage: language, subject: template.subject, html: template.html, text: template.text, placeholders: placeholdersFor(kind), updatedAt: custom?.updatedAt ?? null };
  }

  async saveTemplate(tenantId: string, kind: MessageKind, template: MessageTemplate, actor: string) {
    refuseInvalid(kind, template);
    await this.pool.query(
      `INSERT INTO message_templates (tenant_id, kind, subject, html, body_text, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, kind) DO UPDATE SET subject = EXCLUDED.subject, html = EXCLUDED.html, body_text = EXCLUDED.body_text,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [tenantId, kind, template.subject, template.html, template.text, this.clock.now(), actor],
    );
    return this.template(tenantId, kind);
  }

  async resetTemplate(tenantId: string, kind: MessageKind) {
    await this.pool.query('DELETE FROM message_templates WHERE tenant_id = $1 AND kind = $2', [tenantId, kind]);
    return this.template(tenantId, kind);
  }

  /** Renders the saved template (or the parts given instead) with a package's real data, or sample data. */
  async preview(tenantId: string, kind: MessageKind, input: Partial<MessageTemplate> & { packageId?: string }) {
    const settings = await this.settings(tenantId);
    const saved = await this.content.templateFor(tenantId, kind, settings);
    const template = { subject: input.subject ?? saved.subject, html: input.html ?? saved.html, text: input.text ?? saved.text };
    refuseInvalid(kind, template);
    let values: TemplateValues = sampleValues(settings.language);
    if (input.packageId) {
      const found = await this.content.values(tenantId, kind, input.packageId, null, settings);
      if ('missing' in found) throw new ApiError(422, found.missing === 'package' ? 'unknown_package' : 'unknown_client', `No ${found.missing} for package ${input.packageId}.`);
      values = found.values;
    }
    for (const name of Object.keys(values) as (keyof TemplateValues)[]) if (!placeholdersFor(kind).includes(name)) delete values[name];
    return { kind, ...renderTemplate(template, values), values };
  }

  async list(tenantId: string, filter: { clientId?: string; packageId?: string; status?: string; kind?: string; cursor?: string; limit: number }) {
    const after = filter.cursor ? decodeCursor(filter.cursor, { code: 'invalid_cursor' }) : null;
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${ROW} FROM due_messages
       WHERE tenant_id = $1 AND ($2::uuid IS NULL OR client_id = $2) AND ($3::uuid IS NULL OR package_id = $3)
         AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR kind = $5)
         AND ($6::timestamptz IS NULL OR (due_at, id) < ($6::timestamptz, $7::text))
       ORDER BY due_at DESC, id DESC LIMIT $8`,
      [tenantId, filter.clientId ?? null, filter.packageId ?? null, filter.status ?? null, filter.kind ?? null, after?.at ?? null, after?.id ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.dueAt, last.id) : null };
  }

  /** One message with its rendered bodies (as sent) and every attempt. */
  async get(tenantId: string, id: string) {
    const { rows } = await this.pool.query(`SELECT ${ROW}, html, body_text AS text, server_response AS "serverResponse" FROM due_messages WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    if (!rows[0]) throw new ApiError(404, 'message_not_found', 'Not found.');
    const attempts = await this.pool.query(
      `SELECT ${ISO('started_at')} AS "startedAt", ${ISO('finished_at')} AS "finishedAt", outcome, detail, smtp_message_id AS "messageId"
       FROM message_attempts WHERE tenant_id = $1 AND message_id = $2 ORDER BY id`,
      [tenantId, id],
    );
    return { ...rows[0], attempts: attempts.rows };
  }

  /**
   * Sends a message again: it is rendered afresh (current data) under a new Message-ID and goes out with
   * the next batch. Refused while it is still scheduled or being sent.
   */
  async resend(tenantId: string, id: string) {
    const { rows } = await this.pool.query<{ status: string }>(
      `UPDATE due_messages m SET status = 'scheduled', reason = NULL, cancelled_by = NULL, attempts = 0, resends = m.resends + 1, next_attempt_at = $3,
         recipient = NULL, subject = NULL, html = NULL, body_text = NULL, ics = NULL, smtp_message_id = NULL, server_response = NULL, sent_at = NULL, updated_at = now()
       FROM (SELECT status FROM due_messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE) old
       WHERE m.tenant_id = $1 AND m.id = $2 AND old.status IN ('sent', 'failed', 'not_sent', 'cancelled')
       RETURNING old.status`,
      [tenantId, id, this.clock.now()],
    );
    if (!rows[0]) {
      const existing = await this.pool.query('SELECT status FROM due_messages WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
      if (!existing.rows[0]) throw new ApiError(404, 'message_not_found', 'Not found.');
      throw new ApiError(409, 'message_pending', `The message is ${existing.rows[0].status}: it goes out by itself; resend it once it was sent, failed or cancelled.`);
    }
    return this.get(tenantId, id);
  }

  /**
   * Erases what the message log holds about a client (recipients, subjects, bodies, invitations, server
   * answers; addresses in reasons and attempt details) and cancels their messages still scheduled
   * (`erased`). Ids, kinds, statuses and times stay, so the log still says what happened. Idempotent.
   * A message being sent at this moment (`sending`) is cancelled too: it may still go out (its content is
   * already in the dispatcher's hands), but the dispatcher's outcome no longer applies to the row (its
   * writes are fenced on `sending`), so it is never retried, rendered again or re-recorded.
   */
  async erasePersonalData(tenantId: string, clientId: string): Promise<void> {
    const known = (await this.clients.get(tenantId, clientId)) !== null;
    await inTransaction(this.pool, async (client) => {
      const cancelled = await client.query(
        `UPDATE due_messages SET status = 'cancelled', reason = 'erased', cancelled_by = 'erasure', locked_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND client_id = $2 AND status IN ('scheduled', 'sending')`,
        [tenantId, clientId],
      );
      const erased = await client.query(
        `UPDATE due_messages SET recipient = NULL, subject = NULL, html = NULL, body_text = NULL, ics = NULL, server_response = NULL,
           reason = regexp_replace(reason, $3, '[redacted]', 'g'), updated_at = now()
         WHERE tenant_id = $1 AND client_id = $2
           AND (recipient IS NOT NULL OR subject IS NOT NULL OR html IS NOT NULL OR body_text IS NOT NULL OR ics IS NOT NULL OR server_response IS NOT NULL OR reason ~ $3)
         RETURNING id`,
        [tenantId, clientId, ADDRESS_PATTERN],
      );
      // The attempts: a sent one's detail is the server's answer (blank), a failed one's the error (addresses redacted).
      await client.query(
        `UPDATE message_attempts a SET detail = CASE WHEN a.outcome = 'sent' THEN NULL ELSE regexp_replace(a.detail, $3, '[redacted]', 'g') END
         FROM due_messages m
         WHERE m.tenant_id = $1 AND m.client_id = $2 AND a.tenant_id = m.tenant_id AND a.message_id = m.id
           AND a.detail IS NOT NULL AND (a.outcome = 'sent' OR a.detail ~ $3)`,
        [tenantId, clientId, ADDRESS_PATTERN],
      );
      if (known || cancelled.rowCount || erased.rowCount) return;
      const any = await client.query('SELECT 1 FROM due_messages WHERE tenant_id = $1 AND client_id = $2 LIMIT 1', [tenantId, clientId]);
      // Neither in the directory nor in the log (another business's client is unknown here too).
      if (!any.rows[0]) throw new ApiError(404, 'client_not_found', 'Not found.');
    });
  }

  async preferences(tenantId: string, clientId: string) {
    if (!(await this.clients.get(tenantId, clientId))) throw new ApiError(404, 'client_not_found', 'Not found.');
    const { rows } = await this.pool.query(
      `SELECT nudges_unsubscribed AS "nudgesUnsubscribed", ${ISO('changed_at')} AS "changedAt", changed_by AS "changedBy" FROM message_preferences WHERE tenant_id = $1 AND client_id = $2`,
      [tenantId, clientId],
    );
    return { clientId, ...(rows[0] ?? { nudgesUnsubscribed: false, changedAt: null, changedBy: null }) };
  }

  async setPreferences(tenantId: string, clientId: string, nudgesUnsubscribed: boolean, by: string) {
    if (!(await this.clients.get(tenantId, clientId))) throw new ApiError(404, 'client_not_found', 'Not found.');
    await this.pool.query(
      `INSERT INTO message_preferences (tenant_id, client_id, nudges_unsubscribed, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, client_id) DO UPDATE SET nudges_unsubscribed = EXCLUDED.nudges_unsubscribed, changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by`,
      [tenantId, clientId, nudgesUnsubscribed, this.clock.now(), by],
    );
    return this.preferences(tenantId, clientId);
  }
}
