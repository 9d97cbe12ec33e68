import { isIP } from 'node:net';

/**
 * The address guard of every outbound call Punchcard makes to a URL a tenant chose (webhooks, ADR 0024;
 * calendar fetching, issue 14): true for an address such a call must not reach (unless the deployment
 * allows private networks). It works on the address's bytes, not its text, so every spelling of an
 * address (`::ffff:7f00:1`, `::ffff:127.0.0.1`, `0:0:0:0:0:ffff:7f00:0001`) gets the same answer.
 *
 * IPv4: refused in the special-purpose ranges that are not the public internet (IPV4_REFUSED).
 *
 * IPv6: only global unicast (2000::/3) may be reached, minus its special-purpose parts (IPV6_REFUSED);
 * everything outside 2000::/3 (loopback, unspecified, IPv4-compatible `::a.b.c.d`, the NAT64 prefixes
 * 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, unique local fc00::/7, site-local fec0::/10,
 * link-local fe80::/10, multicast ff00::/8, reserved space) is refused. One form is decoded instead:
 * IPv4-mapped `::ffff:a.b.c.d` is the IPv4 address it embeds (a dual-stack socket connects to that
 * IPv4 address), so it gets the IPv4 answer.
 *
 * Forms that embed an IPv4 address for a relay or translator to reach are refused whole, whatever they
 * embed, rather than decoded: 6to4 (2002::/16, deprecated by RFC 7526), Teredo (2001::/32, inside the
 * refused 2001::/23 of IETF protocol assignments), NAT64 (above), IPv4-translated `::ffff:0:a.b.c.d`
 * (SIIT: sent as IPv6, where it goes depends on the deployment's translator) and IPv4-compatible
 * (deprecated by RFC 4291). No webhook receiver needs them, and decoding each scheme is one more place to get wrong.
 */
export function isPrivateAddress(address: string): boolean {
  const bytes = addressBytes(address);
  if (!bytes) return true; // not an address at all: refuse
  if (bytes.length === 4) return inAny(bytes, IPV4_REFUSED);
  const embedded = embeddedIpv4(bytes);
  if (embedded) return inAny(embedded, IPV4_REFUSED);
  return !inPrefix(bytes, GLOBAL_UNICAST) || inAny(bytes, IPV6_REFUSED);
}

/**
 * The address as 4 (IPv4) or 16 (IPv6) bytes, or null when it is not a literal IP address. An IPv6
 * zone (`fe80::1%eth0`) is dropped: it names an interface, not another address.
 */
export function addressBytes(address: string): Uint8Array | null {
  const family = isIP(address);
  if (family === 4) return ipv4Bytes(address);
  if (family !== 6) return null;
  return ipv6Bytes(address.replace(/%.*$/, ''));
}

/** The IPv4 address an IPv4-mapped (::ffff:0:0/96) address stands for. */
function embeddedIpv4(bytes: Uint8Array): Uint8Array | null {
  if (inPrefix(bytes, IPV4_MAPPED)) return bytes.subarray(12);
  return null;
}

interface Prefix {
  bytes: Uint8Array;
  length: number;
}

function prefix(text: string): Prefix {
  const [network, length] = text.split('/');
  const bytes = addressBytes(network);
  if (!bytes) throw new Error(`bad network ${text}`);
  return { bytes, length: Number(length) };
}

function inPrefix(bytes: Uint8Array, { bytes: network, length }: Prefix): boolean {
  if (bytes.length !== network.length) return false;
  for (let bit = 0; bit < length; bit += 8) {
    const mask = length - bit >= 8 ? 0xff : (0xff << (8 - (length - bit))) & 0xff;
    if ((bytes[bit / 8] & mask) !== (network[bit / 8] & mask)) return false;
  }
  return true;
}

function inAny(bytes: Uint8Array, prefixes: Prefix[]): boolean {
  return prefixes.some((candidate) => inPrefix(bytes, candidate));
}

function ipv4Bytes(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return Uint8Array.from(parts.map(Number));
}

/** Eight groups of hex, one `::` at the most, the last 32 bits optionally dotted (validated by isIP first). */
function ipv6Bytes(text: string): Uint8Array | null {
  let tail: number[] = [];
  let head = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Bytes(dotted[2]);
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out = part.split(':').map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? parseInt(group, 16) : NaN));
    return out.some(Number.isNaN) ? null : out;
  };
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  if (!left || !right) return null;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const all = [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

const IPV4_REFUSED = [
  '0.0.0.0/8', // "this" network
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (cloud metadata services live here)
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast (deprecated)
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
].map(prefix);

const GLOBAL_UNICAST = prefix('2000::/3');
const IPV4_MAPPED = prefix('::ffff:0:0/96');

/** Inside 2000::/3, what is not the public internet (outside it everything but IPv4-mapped is refused). */
const IPV6_REFUSED = [
  '2001::/23', // IETF protocol assignments: Teredo 2001::/32 (embeds an IPv4), benchmarking, ORCHID
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4 (embeds an IPv4): refused whole, whatever it embeds
  '3fff::/20', // documentation (RFC 9637)
].map(prefix);
