import { isPrivateAddress } from './destination';

/**
 * The address guard (SSRF, ADR 0024), table-driven: every way of writing an address webhooks must not
 * reach, and public addresses that must stay reachable. The same guard serves other outbound calls
 * (apps/api/src/http/outbound-address.ts).
 */
describe('isPrivateAddress', () => {
  const refused: [string, string][] = [
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private 10/8'],
    ['172.31.0.1', 'private 172.16/12'],
    ['192.168.0.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', '"this" network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.88.99.1', '6to4 relay anycast (deprecated)'],
    // IPv6 proper
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:1', 'loopback, uncompressed'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['fd12::1', 'unique local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['100::1', 'discard'],
    // IPv4-mapped, dotted and hex
    ['::ffff:10.0.0.1', 'IPv4-mapped, dotted'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::FFFF:7F00:0001', 'IPv4-mapped loopback, hex, upper case'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, hex'],
    ['0:0:0:0:0:ffff:a00:1', 'IPv4-mapped 10.0.0.1, uncompressed'],
    ['::ffff:0:7f00:1', 'IPv4-translated (RFC 2765) loopback: refused whole'],
    ['::ffff:0:808:808', 'IPv4-translated public: refused whole (SIIT, sent as IPv6)'],
    // IPv4-compatible (deprecated): refused whatever it embeds
    ['::7f00:1', 'IPv4-compatible loopback, hex'],
    ['::a00:1', 'IPv4-compatible 10.0.0.1, hex'],
    ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
    ['::8.8.8.8', 'IPv4-compatible public (deprecated form)'],
    // NAT64
    ['64:ff9b::7f00:1', 'NAT64 well-known prefix, loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 well-known prefix, metadata'],
    ['64:ff9b::8.8.8.8', 'NAT64 well-known prefix, public (refused whole)'],
    ['64:ff9b:1::a00:1', 'NAT64 local-use prefix'],
    ['64:ff9b:1:ffff::1', 'NAT64 local-use prefix, other bits'],
    // 6to4 and Teredo: refused whole
    ['2002:7f00:1::1', '6to4 embedding loopback'],
    ['2002:a9fe:a9fe::', '6to4 embedding metadata'],
    ['2002:808:808::1', '6to4 embedding a public address (refused whole)'],
    ['2001::1', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, real-looking'],
    ['2001:2::1', 'benchmarking (IETF protocol assignments)'],
    ['2001:10::1', 'ORCHID (IETF protocol assignments)'],
    // neither
    ['nonsense', 'not an address'],
    ['', 'empty'],
    ['1.2.3', 'short IPv4'],
    ['::ffff:1.2.3.256', 'bad embedded IPv4'],
  ];
  it.each(refused)('refuses %s (%s)', (address) => expect(isPrivateAddress(address)).toBe(true));

  const allowed: [string, string][] = [
    ['93.184.215.14', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['172.32.0.1', 'just outside 172.16/12'],
    ['100.128.0.1', 'just outside CGNAT'],
    ['2606:4700::1111', 'public IPv6'],
    ['2a00:1450:4001:830::200e', 'public IPv6'],
    ['2001:4860:4860::8888', 'public IPv6 in 2001::/16 outside 2001::/23'],
    ['2001:200::1', 'first global allocation after 2001::/23'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public, dotted'],
    ['::ffff:808:808', 'IPv4-mapped public, hex'],
  ];
  it.each(allowed)('allows %s (%s)', (address) => expect(isPrivateAddress(address)).toBe(false));
});
