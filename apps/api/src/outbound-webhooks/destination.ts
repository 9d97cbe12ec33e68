import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from '../http/outbound-address';

/**
 * Where webhooks may go (SSRF, ADR 0024). Only https (http when `allowHttp`), no credentials in the
 * URL, and never an address of the service's own networks (private, loopback, link-local, multicast,
 * reserved) unless `allowPrivateNetworks`. Names are checked by the addresses they resolve to, at
 * save time and again on every call, where the connection uses the very addresses checked (no
 * second lookup a rebinding DNS server could answer differently).
 */
export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

export class DestinationRefused extends Error {
  constructor(
    readonly code: 'webhook_url_not_allowed' | 'webhook_address_not_allowed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * True for an address webhooks must not reach without `allowPrivateNetworks`. The guard itself lives in
 * http/outbound-address.ts (shared with the other outbound calls); re-exported here so imports of this
 * module keep working.
 */
export { isPrivateAddress } from '../http/outbound-address';

/** The URL's form: scheme, no credentials, a host. Throws DestinationRefused. */
export function checkUrl(raw: string, policy: DestinationPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefused('webhook_url_not_allowed', 'url must be an absolute https URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp))
    throw new DestinationRefused('webhook_url_not_allowed', policy.allowHttp ? 'url must be an http or https URL.' : 'url must be an https URL.');
  if (url.username || url.password) throw new DestinationRefused('webhook_url_not_allowed', 'url must not contain credentials.');
  if (!url.hostname) throw new DestinationRefused('webhook_url_not_allowed', 'url must name a host.');
  const literal = hostAddress(url);
  if (literal && !policy.allowPrivateNetworks && isPrivateAddress(literal))
    throw new DestinationRefused('webhook_address_not_allowed', `url points at ${literal}, a private, loopback or link-local address.`);
  return url;
}

/** The host as an IP address when the URL names one ([::1] without brackets), else null. */
export function hostAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** Every address the name resolves to must be allowed (one bad answer refuses the whole name). */
export function checkAddresses(hostname: string, addresses: LookupAddress[], policy: DestinationPolicy): void {
  if (policy.allowPrivateNetworks) return;
  const bad = addresses.find((entry) => isPrivateAddress(entry.address));
  if (bad) throw new DestinationRefused('webhook_address_not_allowed', `${hostname} resolves to ${bad.address}, a private, loopback or link-local address.`);
}

/**
 * The check when an endpoint is saved: the form, and the name's addresses when it resolves within
 * `timeoutMs`. A name that does not resolve (yet) is accepted: every call checks again.
 */
export async function checkDestination(raw: string, policy: DestinationPolicy, resolve: Resolver = systemResolver, timeoutMs = 2000): Promise<URL> {
  const url = checkUrl(raw, policy);
  if (hostAddress(url) || policy.allowPrivateNetworks) return url;
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    resolve(url.hostname).catch(() => null),
    new Promise<null>((done) => (timer = setTimeout(() => done(null), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  if (addresses) checkAddresses(url.hostname, addresses, policy);
  return url;
}

/**
 * A `lookup` for http(s).request: resolves, checks every address, and hands the checked addresses
 * to the socket, so the connection goes where the check looked.
 */
export function guardedLookup(policy: DestinationPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname)
      .then((addresses) => {
        checkAddresses(hostname, addresses, policy);
        if (addresses.length === 0) throw new Error(`${hostname} did not resolve`);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      })
      .catch((error: Error) => callback(error, ''));
  };
}
