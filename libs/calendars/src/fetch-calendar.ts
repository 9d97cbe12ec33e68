import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

/**
 * Fetching a host's published calendar (Google "secret address", Outlook published calendar, iCloud
 * public calendar) from a URL the tenant typed: an SSRF surface, guarded like outbound webhooks
 * (apps/api/src/outbound-webhooks/destination.ts, ADR 0024): https only (http when allowed), no
 * credentials in the URL, every address the name resolves to checked, and the connection made to
 * exactly the checked addresses (no second lookup a rebinding DNS server could answer differently).
 */

export type CalendarFetchErrorCode =
  | 'calendar_url_not_allowed'
  | 'calendar_address_not_allowed'
  | 'calendar_redirect_refused'
  | 'calendar_timeout'
  | 'calendar_too_large'
  | 'calendar_http_error'
  | 'calendar_not_icalendar'
  | 'calendar_unreachable';

export class CalendarFetchError extends Error {
  constructor(
    readonly code: CalendarFetchErrorCode,
    message: string,
    /** The HTTP status for calendar_http_error (and refused redirects). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CalendarFetchError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface CalendarFetchOptions {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  /** The whole fetch, redirects and body included. */
  timeoutMs: number;
  /** Body bytes (as sent: no compression is asked for). */
  maxBytes: number;
  /** The service's notion of "our own networks" (the API passes the outbound webhooks' isPrivateAddress). */
  isPrivateAddress: (address: string) => boolean;
  /** Name resolution, all addresses (default: the system resolver). Tests and operators may replace it. */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** Validators of the last fetch, sent back so an unchanged calendar costs a 304. */
export interface CalendarValidators {
  etag?: string;
  lastModified?: string;
}

export type CalendarFetchResult = { kind: 'not_modified' } | { kind: 'fetched'; body: string; etag: string | null; lastModified: string | null };

export const MAX_REDIRECTS = 3;

const systemLookup = (hostname: string): Promise<ResolvedAddress[]> =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * GET the calendar at `url` (webcal:// is read as https://). Follows at most MAX_REDIRECTS redirects,
 * each target checked like the first. Throws CalendarFetchError.
 */
export async function fetchCalendar(url: string, previous: CalendarValidators | null, options: CalendarFetchOptions): Promise<CalendarFetchResult> {
  const deadline = Date.now() + options.timeoutMs;
  let target = checkUrl(url, options);
  for (let redirects = 0; ; redirects++) {
    const answer = await get(target, previous, options, deadline);
    if (answer.kind !== 'redirect') return answer;
    if (redirects >= MAX_REDIRECTS) throw new CalendarFetchError('calendar_redirect_refused', `more than ${MAX_REDIRECTS} redirects`, answer.status);
    let next: URL;
    try {
      next = new URL(answer.location, target);
    } catch {
      throw new CalendarFetchError('calendar_redirect_refused', 'the redirect names no valid URL', answer.status);
    }
    if (target.protocol === 'https:' && next.protocol === 'http:' && !options.allowHttp)
      throw new CalendarFetchError('calendar_redirect_refused', 'a redirect from https to http is refused', answer.status);
    try {
      target = checkUrl(next.href, options);
    } catch (error) {
      const refused = error as CalendarFetchError;
      // Keep the address code: "redirect into our network" is the interesting fact.
      throw refused.code === 'calendar_address_not_allowed' ? refused : new CalendarFetchError('calendar_redirect_refused', `redirect refused: ${refused.message}`, answer.status);
    }
  }
}

/** The URL's form: scheme, no credentials, a host, and a literal address outside our networks. */
export function checkUrl(raw: string, options: Pick<CalendarFetchOptions, 'allowHttp' | 'allowPrivateNetworks' | 'isPrivateAddress'>): URL {
  let url: URL;
  try {
    // webcal:// is "subscribe to this https calendar" (Apple, Google and Outlook all hand it out).
    url = new URL(raw.trim().replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    throw new CalendarFetchError('calendar_url_not_allowed', 'the calendar URL must be an absolute https URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp))
    throw new CalendarFetchError('calendar_url_not_allowed', options.allowHttp ? 'the calendar URL must be an http or https URL.' : 'the calendar URL must be an https URL.');
  if (url.username || url.password) throw new CalendarFetchError('calendar_url_not_allowed', 'the calendar URL must not contain credentials.');
  if (!url.hostname) throw new CalendarFetchError('calendar_url_not_allowed', 'the calendar URL must name a host.');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) && !options.allowPrivateNetworks && options.isPrivateAddress(host))
    throw new CalendarFetchError('calendar_address_not_allowed', `the calendar URL points at ${host}, a private, loopback or link-local address.`);
  return url;
}

type Answer = CalendarFetchResult | { kind: 'redirect'; location: string; status: number };

/** One GET, settled by the first of: answer, error, deadline. */
function get(url: URL, previous: CalendarValidators | null, options: CalendarFetchOptions, deadline: number): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'text/calendar, */*;q=0.5', 'Accept-Encoding': 'identity', 'User-Agent': 'Punchcard-Calendars/1.0' };
  if (previous?.etag) headers['If-None-Match'] = previous.etag;
  if (previous?.lastModified) headers['If-Modified-Since'] = previous.lastModified;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      outcome();
    };
    const fail = (error: CalendarFetchError) => settle(() => reject(error));
    const timer = setTimeout(() => fail(new CalendarFetchError('calendar_timeout', `no complete answer within ${options.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
    const request = transport.request(url, { method: 'GET', headers, lookup: guardedLookup(options) as never, agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = response.headers.location;
        return location
          ? settle(() => resolve({ kind: 'redirect', location, status }))
          : fail(new CalendarFetchError('calendar_http_error', `the server answered ${status} without a Location`, status));
      }
      if (status === 304 && previous) return settle(() => resolve({ kind: 'not_modified' }));
      if (status < 200 || status >= 300) return fail(new CalendarFetchError('calendar_http_error', `the server answered ${status}`, status));
      // A login or error page is the usual wrong answer: refuse it before reading it.
      if (/^\s*(text\/html|application\/(xhtml\+xml|json))/i.test(response.headers['content-type'] ?? ''))
        return fail(new CalendarFetchError('calendar_not_icalendar', `the server sent ${response.headers['content-type']}, not a calendar`));
      const declared = Number(response.headers['content-length']);
      if (declared > options.maxBytes) return fail(new CalendarFetchError('calendar_too_large', `the calendar is larger than ${options.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) return fail(new CalendarFetchError('calendar_too_large', `the calendar is larger than ${options.maxBytes} bytes`));
        chunks.push(chunk);
      });
      response.on('end', () => {
        const body = new TextDecoder('utf-8').decode(Buffer.concat(chunks)); // RFC 5545: UTF-8; strips a BOM
        if (!/^\s*BEGIN:VCALENDAR/i.test(body)) return fail(new CalendarFetchError('calendar_not_icalendar', 'the answer is not an iCalendar file (no BEGIN:VCALENDAR)'));
        settle(() => resolve({ kind: 'fetched', body, etag: header(response.headers.etag), lastModified: header(response.headers['last-modified']) }));
      });
      response.on('error', (error) => fail(new CalendarFetchError('calendar_unreachable', `the connection broke: ${error.message}`)));
    });
    request.on('error', (error) =>
      fail(error instanceof CalendarFetchError ? error : new CalendarFetchError('calendar_unreachable', `connection failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`)),
    );
    request.end();
  });
}

const header = (value: string | string[] | undefined): string | null => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));

/**
 * A `lookup` for http(s).request: resolves once, refuses the name if any address is private, and hands
 * the checked addresses to the socket, so the connection goes where the check looked.
 */
function guardedLookup(options: CalendarFetchOptions) {
  const resolve = options.lookup ?? systemLookup;
  return (hostname: string, lookupOptions: { all?: boolean }, callback: (error: Error | null, address: string | ResolvedAddress[], family?: number) => void): void => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw new CalendarFetchError('calendar_unreachable', `${hostname} did not resolve`);
        const bad = options.allowPrivateNetworks ? undefined : addresses.find((entry) => options.isPrivateAddress(entry.address));
        if (bad) throw new CalendarFetchError('calendar_address_not_allowed', `${hostname} resolves to ${bad.address}, a private, loopback or link-local address.`);
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      })
      .catch((error: Error) =>
        callback(error instanceof CalendarFetchError ? error : new CalendarFetchError('calendar_unreachable', `${hostname} did not resolve: ${(error as NodeJS.ErrnoException).code ?? error.message}`), ''),
      );
  };
}
