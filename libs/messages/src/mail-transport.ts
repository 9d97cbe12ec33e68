import nodemailer, { Transporter } from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Derived from the message's row, so a resend after a crash carries the same id (ADR 0023). */
  messageId: string;
  headers?: Record<string, string>;
  /** A calendar invitation (text/calendar), for booking notices. */
  icalEvent?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

/** The port the dispatcher sends through; the answer is the server's response line, kept for admins. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

/**
 * SMTP through nodemailer, from a URL such as `smtp://user:pass@host:587` or `smtps://host:465`
 * (options as query parameters, e.g. `?ignoreTLS=true` for a local server without TLS).
 */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(url: string) {
    // One pooled connection reused across a batch (the dispatcher sends one message at a time); short
    // timeouts so a hung server cannot hold a batch (the row is retried with backoff). The URL's own
    // query parameters win over these.
    this.transporter = nodemailer.createTransport({ url, pool: true, maxConnections: 1, maxMessages: 100, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async send(mail: OutgoingMail): Promise<{ response: string }> {
    const info = await this.transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: mail.messageId,
      headers: mail.headers,
      icalEvent: mail.icalEvent ? { filename: 'invite.ics', method: mail.icalEvent.method, content: mail.icalEvent.content } : undefined,
    });
    return { response: String(info.response ?? '') };
  }

  close(): void {
    this.transporter.close();
  }
}
