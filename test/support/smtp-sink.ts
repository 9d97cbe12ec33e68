import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 (smtp-server) that keeps every mail it accepted, parsed (mailparser). */
export class SmtpSink {
  readonly mails: ParsedMail[] = [];
  /** Envelope recipients of each accepted mail, in the same order. */
  readonly envelopes: string[][] = [];
  /** When set, the next deliveries are refused with this SMTP reply (e.g. a 451). */
  refuseWith: { code: number; message: string } | null = null;
  private server!: SMTPServer;
  port = 0;

  /** `delayMs`: how long the server takes to accept each mail (a slow server keeps a batch in flight). */
  constructor(private readonly delayMs = 0) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData: (stream, session, callback) => {
        if (this.refuseWith) {
          stream.resume();
          const error = Object.assign(new Error(this.refuseWith.message), { responseCode: this.refuseWith.code });
          stream.on('end', () => callback(error));
          return;
        }
        simpleParser(stream)
          .then(async (mail) => {
            if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
            this.mails.push(mail);
            this.envelopes.push(session.envelope.rcptTo.map((r) => r.address));
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}/?ignoreTLS=true`;
  }

  to(address: string): ParsedMail[] {
    return this.mails.filter((m) => JSON.stringify(m.to).toLowerCase().includes(address.toLowerCase()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
