import { lookup as dnsLookup } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { DateTime } from 'luxon';
import * as ical from 'node-ical';

/**
 * PROVISIONAL stand-in for `@punchcard/calendars` (branch i14-ical): the same three functions, so the
 * feature, its tests and the job work before that library lands; replaced by re-exports once merged.
 */

export interface BusyTime {
  start: Date;
  end: Date;
  uid: string;
}

export interface FetchOptions {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  maxBytes: number;
  isPrivateAddress: (address: string) => boolean;
}

export type FetchResult = { kind: 'not_modified' } | { kind: 'fetched'; body: string; etag: string | null; lastModified: string | null };

export class CalendarFetchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GET the calendar, conditionally when `previous` validators are given; SSRF-checked on the addresses actually used. */
export function fetchCalendar(raw: string, previous: { etag: string | null; lastModified: string | null } | null, options: FetchOptions): Promise<FetchResult> {
  const url = new URL(raw);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) return Promise.reject(new CalendarFetchError('calendar_url_not_allowed', 'The calendar URL must be https.'));
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal) && !options.allowPrivateNetworks && options.isPrivateAddress(literal)) {
    return Promise.reject(new CalendarFetchError('calendar_address_not_allowed', `The calendar URL points at ${literal}, a private address.`));
  }
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Punchcard busy-calendar fetcher' };
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  const lookup = (hostname: string, opts: { all?: boolean }, callback: (error: Error | null, address: any, family?: number) => void) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(new CalendarFetchError('calendar_unreachable', `${hostname} did not resolve.`), '');
      const bad = options.allowPrivateNetworks ? undefined : addresses.find((a) => options.isPrivateAddress(a.address));
      if (bad) return callback(new CalendarFetchError('calendar_address_not_allowed', `${hostname} resolves to ${bad.address}, a private address.`), '');
      if (opts.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  return new Promise<FetchResult>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, { method: 'GET', headers, lookup: lookup as never }, (response) => {
      const status = response.statusCode ?? 0;
      if (status === 304) {
        response.resume();
        return resolve({ kind: 'not_modified' });
      }
      if (status < 200 || status >= 300) {
        response.resume();
        return reject(new CalendarFetchError('calendar_http_error', `The calendar server answered ${status}.`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          request.destroy(new CalendarFetchError('calendar_too_large', `The calendar is larger than ${options.maxBytes} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({ kind: 'fetched', body: Buffer.concat(chunks).toString('utf8'), etag: header(response.headers.etag), lastModified: header(response.headers['last-modified']) }),
      );
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new CalendarFetchError('calendar_timeout', `The calendar did not answer within ${options.timeoutMs} ms.`)), options.timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('error', (error) => reject(error instanceof CalendarFetchError ? error : new CalendarFetchError('calendar_unreachable', `The calendar could not be fetched: ${error.message}`)));
    request.end();
  });
}

const header = (value: string | string[] | undefined): string | null => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));

/** Busy occurrences overlapping [from, to): opaque and not cancelled events, recurrences expanded. */
export function expandBusyTimes(icsText: string, window: { from: Date; to: Date; floatingZone: string }): { intervals: BusyTime[]; warnings: string[] } {
  if (!/BEGIN:VCALENDAR/i.test(icsText)) throw new CalendarFetchError('calendar_invalid', 'The answer is not an iCalendar file.');
  let parsed: ical.CalendarResponse;
  try {
    parsed = ical.sync.parseICS(icsText);
  } catch (error) {
    throw new CalendarFetchError('calendar_invalid', `The calendar could not be read: ${String(error)}`);
  }
  const intervals: BusyTime[] = [];
  const warnings: string[] = [];
  for (const component of Object.values(parsed)) {
    if (!component || component.type !== 'VEVENT') continue;
    const event = component as ical.VEvent;
    try {
      for (const instance of ical.expandRecurringEvent(event, { from: window.from, to: window.to, expandOngoing: true })) {
        const source = instance.event ?? event;
        if (!blocks(source)) continue;
        const start = instance.isFullDay ? floating(instance.start, window.floatingZone) : new Date(instance.start);
        const end = instance.isFullDay ? floating(instance.end, window.floatingZone) : new Date(instance.end ?? instance.start);
        if (!(end > start) || end <= window.from || start >= window.to) continue;
        intervals.push({ start, end, uid: String(event.uid ?? '') });
      }
    } catch (error) {
      warnings.push(`An event could not be expanded: ${String(error)}`);
    }
  }
  return { intervals: intervals.sort((a, b) => a.start.getTime() - b.start.getTime()), warnings };
}

function blocks(event: ical.VEvent): boolean {
  const transparency = String((event as { transparency?: unknown }).transparency ?? '').toUpperCase();
  const status = String((event as { status?: unknown }).status ?? '').toUpperCase();
  return transparency !== 'TRANSPARENT' && status !== 'CANCELLED';
}

/** A date-only value as local midnight in `zone` (node-ical builds it in the process's zone). */
function floating(date: Date, zone: string): Date {
  const d = new Date(date);
  return DateTime.fromObject({ year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() }, { zone }).toJSDate();
}

/** Intervals by the local dates (in `zone`) they touch: one entry per date, the interval unclipped. */
export function intervalsByLocalDay(intervals: { start: Date; end: Date }[], zone: string): Map<string, { start: Date; end: Date }[]> {
  const days = new Map<string, { start: Date; end: Date }[]>();
  for (const interval of intervals) {
    const last = DateTime.fromMillis(interval.end.getTime() - 1, { zone }).toISODate()!;
    for (let day = DateTime.fromJSDate(interval.start, { zone }).startOf('day'); day.toISODate()! <= last; day = day.plus({ days: 1 })) {
      const key = day.toISODate()!;
      days.set(key, [...(days.get(key) ?? []), interval]);
    }
  }
  return days;
}
