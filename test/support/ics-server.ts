import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What one path of the server answers: a body (with an ETag unless `etag: null`), a status, or a delay. */
export interface IcsRoute {
  body?: string;
  status?: number;
  etag?: string | null;
  delayMs?: number;
}

/** A local HTTP server serving .ics files, answering If-None-Match with 304; counts requests per path. */
export class IcsServer {
  readonly routes = new Map<string, IcsRoute>();
  readonly requests: { path: string; ifNoneMatch: string | null; status: number }[] = [];
  /** Paths in the order requests arrived (before any delay); `requests` records them when answered. */
  readonly arrivals: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<IcsServer> {
    let self: IcsServer | null = null;
    const server = createServer((req, res) => void self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new IcsServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  serve(path: string, route: IcsRoute): string {
    this.routes.set(path, route);
    return this.url(path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const route = this.routes.get(path);
    this.arrivals.push(path);
    const ifNoneMatch = (req.headers['if-none-match'] as string | undefined) ?? null;
    if (route?.delayMs) await new Promise((r) => setTimeout(r, route.delayMs));
    let status = route ? (route.status ?? 200) : 404;
    const etag = route?.etag === undefined ? (route?.body ? `"${Buffer.from(route.body).length}-${hash(route.body)}"` : null) : route.etag;
    if (status === 200 && etag && ifNoneMatch === etag) status = 304;
    this.requests.push({ path, ifNoneMatch, status });
    if (res.destroyed) return;
    res.statusCode = status;
    if (etag) res.setHeader('ETag', etag);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.end(status === 200 ? (route?.body ?? '') : undefined);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

/** An iCalendar file of VEVENTs (UTC times). */
export function ics(events: { uid: string; start: string; end: string; rrule?: string; transparent?: boolean; cancelled?: boolean; summary?: string }[]): string {
  const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Punchcard tests//EN'];
  for (const e of events) {
    lines.push('BEGIN:VEVENT', `UID:${e.uid}`, `DTSTAMP:${stamp(e.start)}`, `DTSTART:${stamp(e.start)}`, `DTEND:${stamp(e.end)}`, `SUMMARY:${e.summary ?? 'Private'}`);
    if (e.rrule) lines.push(`RRULE:${e.rrule}`);
    if (e.transparent) lines.push('TRANSP:TRANSPARENT');
    if (e.cancelled) lines.push('STATUS:CANCELLED');
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n') + '\r\n';
}
