import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { Pool } from 'pg';
import { Config } from '@punchcard/platform';
import {
  BOOKING_KINDS,
  SESSION_KINDS,
  BookingContext,
  bookingIcs,
  defaultTemplate,
  isKnownZone,
  MessageKind,
  MessageTemplate,
  NUDGE_KINDS,
  planningZone,
  RenderedMessage,
  renderTemplate,
  signUnsubscribeToken,
  TemplateValues,
  verifyUnsubscribeToken,
} from '@punchcard/messages';
import { BookingCalendarEventQuery } from '../calendar-feeds';
import { ClientDirectory } from '../clients';
import { GetPackageQuery } from '../packages';
import { TenantDirectory } from '../tenants';
import { APP_CONFIG, PG_POOL, SYSTEM_POOL } from '../tokens';

const SECRET_ID = 'message-unsubscribe';

export interface MessageSettings {
  expiryReminderDays: number;
  disabledKinds: MessageKind[];
  bookingUrl: string | null;
  /** A BCP 47 tag: dates are written in it, and the default templates are in it where one ships (else English). */
  language: string;
}
export const DEFAULT_SETTINGS: MessageSettings = { expiryReminderDays: 7, disabledKinds: [], bookingUrl: null, language: 'en' };

/** Where the values of a message come from: the package read model, the client directory, the tenant, the settings. */
export type ContentOutcome =
  | { kind: 'rendered'; recipient: string; rendered: RenderedMessage; unsubscribeUrl: string | null; ics: string | null }
  | { kind: 'not_ready'; reason: string }
  | { kind: 'gone'; reason: string };

/**
 * Builds messages: their placeholder values (as the package, the client and the business are now),
 * the business's template or the shipped default, and signed unsubscribe links. Reads run as the
 * message's tenant (row-level security), so one tenant's data never fills another's email.
 */
@Injectable()
export class MessageContent implements OnModuleInit {
  private secret: string | null = null;

  constructor(
    private readonly queries: QueryBus,
    private readonly clients: ClientDirectory,
    private readonly tenants: TenantDirectory,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {}

  /** The unsubscribe signing secret: generated once by whichever instance starts first, kept in the database. */
  async onModuleInit(): Promise<void> {
    const generated = randomBytes(32).toString('base64url');
    await this.systemPool.query('INSERT INTO signing_secrets (id, secret) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [SECRET_ID, generated]);
    const { rows } = await this.systemPool.query<{ secret: string }>('SELECT secret FROM signing_secrets WHERE id = $1', [SECRET_ID]);
    this.secret = rows[0].secret;
  }

  unsubscribeUrl(tenantId: string, clientId: string): string {
    return `${this.config.publicUrl}/v1/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken(this.signingSecret(), tenantId, clientId))}`;
  }

  verifyUnsubscribe(token: string): { tenantId: string; clientId: string } | null {
    return verifyUnsubscribeToken(this.signingSecret(), token);
  }

  /** Call inside withTenant(tenantId). */
  async settings(tenantId: string): Promise<MessageSettings> {
    const { rows } = await this.pool.query(
      'SELECT expiry_reminder_days AS "expiryReminderDays", disabled_kinds AS "disabledKinds", booking_url AS "bookingUrl", language FROM message_settings WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0] ?? DEFAULT_SETTINGS;
  }

  /** The business's own template for a kind, or null (the default applies). Call inside withTenant. */
  async customTemplate(tenantId: string, kind: MessageKind): Promise<(MessageTemplate & { updatedAt: string }) | null> {
    const { rows } = await this.pool.query(
      `SELECT subject, html, body_text AS text, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"
       FROM message_templates WHERE tenant_id = $1 AND kind = $2`,
      [tenantId, kind],
    );
    return rows[0] ?? null;
  }

  /** `settings`: the business's, when the caller already read them (else read here if the default applies). */
  async templateFor(tenantId: string, kind: MessageKind, settings?: MessageSettings): Promise<MessageTemplate> {
    const custom = await this.customTemplate(tenantId, kind);
    return custom ? { subject: custom.subject, html: custom.html, text: custom.text } : defaultTemplate(kind, (settings ?? (await this.settings(tenantId))).language);
  }

  async isUnsubscribed(tenantId: string, clientId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT nudges_unsubscribed FROM message_preferences WHERE tenant_id = $1 AND client_id = $2', [tenantId, clientId]);
    return rows[0]?.nudges_unsubscribed === true;
  }

  /** The values of a message about one package, as things are now. Call inside withTenant. */
  async values(
    tenantId: string,
    kind: MessageKind,
    packageId: string,
    context: BookingContext | null = null,
    businessSettings?: MessageSettings,
  ): Promise<{ values: TemplateValues; recipient: string; clientName: string; zone: string } | { missing: 'package' | 'client' }> {
    const pkg = await this.queries.execute(new GetPackageQuery(tenantId, packageId));
    if (!pkg) return { missing: 'package' };
    const client = await this.clients.get(tenantId, pkg.clientId);
    if (!client) return { missing: 'client' };
    const tenant = await this.tenants.get(tenantId);
    const settings = businessSettings ?? (await this.settings(tenantId));
    // A zone the time-zone database does not know: times are shown in UTC and say so (never "Invalid DateTime").
    const known = isKnownZone(client.timezone ?? tenant.timezone);
    const zone = planningZone(client.timezone ?? tenant.timezone);
    const when = (iso: string) => DateTime.fromISO(iso, { zone }).setLocale(settings.language).toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY) + (known ? '' : ' UTC');
    return {
      recipient: client.email,
      clientName: client.name,
      zone,
      values: {
        ...(context && SESSION_KINDS.includes(kind) ? { session_start: when(context.start) } : {}),
        ...(context?.previousStart && kind === 'booking_rescheduled' ? { previous_session_start: when(context.previousStart) } : {}),
        client_name: client.name,
        business_name: tenant.name,
        package_name: pkg.offeringName,
        sessions_remaining: pkg.creditsRemaining,
        sessions_total: pkg.creditsTotal,
        package_expiry: pkg.expiresAt ? DateTime.fromISO(pkg.expiresAt, { zone }).setLocale(settings.language).toLocaleString(DateTime.DATE_FULL) : null,
        booking_url: settings.bookingUrl ?? this.config.publicUrl,
        ...(NUDGE_KINDS.includes(kind) ? { unsubscribe_url: this.unsubscribeUrl(tenantId, client.id) } : {}),
      },
    };
  }

  /**
   * Renders a message for sending (with its calendar invitation for a booking notice), with the
   * business's settings the dispatcher already read. Call inside withTenant.
   */
  async render(tenantId: string, kind: MessageKind, packageId: string, context: BookingContext | null, dueAt: Date, settings: MessageSettings): Promise<ContentOutcome> {
    const found = await this.values(tenantId, kind, packageId, context, settings);
    if ('missing' in found) {
      return found.missing === 'package' ? { kind: 'not_ready', reason: 'the package is not in the read model yet' } : { kind: 'gone', reason: 'client_erased' };
    }
    const rendered = renderTemplate(await this.templateFor(tenantId, kind, settings), found.values);
    let ics: string | null = null;
    if (context && BOOKING_KINDS.includes(kind)) {
      // The same event as the calendar feeds show (zone, summary, location, alarms): read from the bookings read model.
      const event = await this.queries.execute(new BookingCalendarEventQuery(tenantId, context.bookingId));
      if (!event) return { kind: 'not_ready', reason: 'the booking is not in the read model yet' };
      const { bookingEnd, ...details } = event;
      ics = bookingIcs({
        ...details,
        sequence: context.sequence,
        start: context.start,
        // A cancellation's context carries no end: the booking's own (a cancellation does not move it).
        end: context.end > context.start ? context.end : bookingEnd,
        method: kind === 'booking_cancelled' ? 'CANCEL' : 'REQUEST',
        organizer: { name: String(found.values.business_name), email: this.fromAddress() },
        attendee: { name: found.clientName, email: found.recipient },
        stamp: dueAt.toISOString(),
      });
    }
    return { kind: 'rendered', recipient: found.recipient, rendered, unsubscribeUrl: (found.values.unsubscribe_url as string | undefined) ?? null, ics };
  }

  /** The address of PUNCHCARD_MAIL_FROM ("Name <a@b>" or "a@b"). */
  private fromAddress(): string {
    return /<([^>]+)>/.exec(this.config.mailFrom)?.[1] ?? this.config.mailFrom;
  }

  private signingSecret(): string {
    if (this.secret === null) throw new Error('unsubscribe secret not loaded yet');
    return this.secret;
  }
}
