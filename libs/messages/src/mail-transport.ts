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
    // Short timeouts: a hung server must not hold a batch (the row is retried with backoff).
    this.transporter = nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as never);
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
    });
    return { response: String(info.response ?? '') };
  }

  close(): void {
    this.transporter.close();
  }
}
