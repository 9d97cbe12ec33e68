import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { ApiError } from '../http/problem';
import { isPrivateAddress } from '../outbound-webhooks';

export interface CalendarUrlPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * The check when a calendar is saved (SSRF, ADR 0024 and 0026): `webcal://` is read as `https://`;
 * https only (http when allowed), no credentials, and no address of the service's own networks,
 * literal or resolved (a name that does not resolve within 2 s is accepted: every fetch checks again,
 * on the addresses it connects to). Answers the normalised URL or throws 422 calendar_url_not_allowed
 * / calendar_address_not_allowed.
 */
export async function checkCalendarUrl(raw: string, policy: CalendarUrlPolicy, resolve: Resolver = systemResolver): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw.trim().replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    throw refused('calendar_url_not_allowed', 'url must be an absolute https URL (or webcal://).');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) throw refused('calendar_url_not_allowed', 'url must be an https URL.');
  if (url.username || url.password) throw refused('calendar_url_not_allowed', 'url must not contain credentials.');
  if (!url.hostname) throw refused('calendar_url_not_allowed', 'url must name a host.');
  if (policy.allowPrivateNetworks) return url;
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal)) {
    if (isPrivateAddress(literal)) throw refused('calendar_address_not_allowed', `url points at ${literal}, a private, loopback or link-local address.`);
    return url;
  }
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([resolve(url.hostname).catch(() => null), new Promise<null>((done) => (timer = setTimeout(() => done(null), 2000)))]).finally(() =>
    clearTimeout(timer),
  );
  const bad = addresses?.find((entry) => isPrivateAddress(entry.address));
  if (bad) throw refused('calendar_address_not_allowed', `${url.hostname} resolves to ${bad.address}, a private, loopback or link-local address.`);
  return url;
}

const refused = (code: string, message: string) => new ApiError(422, code, message);

/** What admins see of a secret address: the host and the last four characters. */
export function maskedUrl(host: string, last4: string): string {
  return `${host}/…${last4}`;
}
