import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { checkDestination, DestinationRefused, isPrivateAddress, Resolver } from './destination';
import { afterAttempt, deliveryIdOf, MAX_ATTEMPTS_PER_ROUND, RETRY_DELAYS_MS, shouldDisable, wants, WebhookEnvelope } from './planning';
import { signatureHeader, verifySignature } from './signature';
import { postWebhook } from './webhook-sender';

const STRICT = { allowHttp: false, allowPrivateNetworks: false };
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('planning rules', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('retries after 1 min, 5 min, 30 min, 2 h, 8 h, 24 h, then fails the round', () => {
    const failed = { ok: false as const, statusCode: 500, error: 'x' };
    const waits = RETRY_DELAYS_MS.map((_, i) => Date.parse(afterAttempt(failed, i + 1, now).nextAttemptAt!) - now.getTime());
    expect(waits).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 28_800_000, 86_400_000]);
    expect(afterAttempt(failed, MAX_ATTEMPTS_PER_ROUND, now)).toEqual({ status: 'failed', nextAttemptAt: null });
    expect(afterAttempt({ ok: true, statusCode: 204 }, 3, now)).toEqual({ status: 'delivered', nextAttemptAt: null });
  });

  it('disables at N failures in a row', () => {
    expect(shouldDisable(19, 20)).toBe(false);
    expect(shouldDisable(20, 20)).toBe(true);
  });

  it('one delivery id per (endpoint, event), the same on every replay', () => {
    expect(deliveryIdOf('e1', 'ev1')).toBe(deliveryIdOf('e1', 'ev1'));
    expect(deliveryIdOf('e1', 'ev1')).not.toBe(deliveryIdOf('e2', 'ev1'));
    expect(deliveryIdOf('e1', 'ev1')).not.toBe(deliveryIdOf('e1', 'ev2'));
  });

  it('an endpoint wants its kinds, of its business, that occurred since it was enabled', () => {
    const envelope: WebhookEnvelope = { id: 'ev', type: 'package.purchased', createdAt: '2026-03-01T12:00:00.000Z', businessId: 't1', data: {} };
    const endpoint = { id: 'e', tenantId: 't1', enabled: true, eventTypes: ['package.purchased'], planFrom: '2026-03-01T11:00:00.000Z' };
    expect(wants(endpoint, envelope)).toBe(true);
    expect(wants({ ...endpoint, enabled: false }, envelope)).toBe(false);
    expect(wants({ ...endpoint, enabled: false, disabledReason: 'admin' }, envelope)).toBe(false);
    expect(wants({ ...endpoint, enabled: false, disabledReason: 'failing' }, envelope)).toBe(true); // planned held
    expect(wants({ ...endpoint, tenantId: 't2' }, envelope)).toBe(false);
    expect(wants({ ...endpoint, eventTypes: ['package.expired'] }, envelope)).toBe(false);
    expect(wants({ ...endpoint, planFrom: '2026-03-01T12:00:00.001Z' }, envelope)).toBe(false);
  });
});

describe('signatures', () => {
  it('t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">, verified within the tolerance', () => {
    const at = new Date('2026-03-01T12:00:00Z');
    const header = signatureHeader('whsec_test', '{"a":1}', at);
    expect(header).toMatch(/^t=1772366400,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_test', '{"a":1}', header, at)).toBe(true);
    expect(verifySignature('whsec_other', '{"a":1}', header, at)).toBe(false);
    expect(verifySignature('whsec_test', '{"a":2}', header, at)).toBe(false);
    expect(verifySignature('whsec_test', '{"a":1}', header, new Date(at.getTime() + 301_000))).toBe(false);
  });
});

describe('destinations (SSRF)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.31.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', 'nonsense'])(
    '%s is private',
    (address) => expect(isPrivateAddress(address)).toBe(true),
  );
  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));

  it('checks what a name resolves to: one private answer refuses it; an unresolvable name waits for the call', async () => {
    await expect(checkDestination('https://hooks.example.test/x', STRICT, resolvesTo('93.184.215.14', '10.0.0.7'))).rejects.toMatchObject({ code: 'webhook_address_not_allowed' });
    await expect(checkDestination('https://hooks.example.test/x', STRICT, resolvesTo('93.184.215.14'))).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('https://hooks.example.test/x', STRICT, () => Promise.reject(new Error('ENOTFOUND')))).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('http://hooks.example.test/x', STRICT, resolvesTo('93.184.215.14'))).rejects.toBeInstanceOf(DestinationRefused);
  });
});

describe('postWebhook against a real local server', () => {
  let server: Server;
  let hits = 0;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses, at call time, a name that now resolves to loopback (DNS rebinding): no connection is made', async () => {
    const before = hits;
    const outcome = await postWebhook(`https://rebind.example.test:${port}/`, '{}', {}, { ...STRICT, timeoutMs: 2000 }, resolvesTo('127.0.0.1'));
    expect(outcome).toEqual({ ok: false, statusCode: null, error: expect.stringContaining('resolves to 127.0.0.1') });
    expect(hits).toBe(before);
  });

  it('connects to the very address it checked (allowed here by configuration)', async () => {
    const outcome = await postWebhook(`http://rebind.example.test:${port}/`, '{}', {}, { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 2000 }, resolvesTo('127.0.0.1'));
    expect(outcome).toEqual({ ok: true, statusCode: 200 });
  });

  it('refuses an http URL when http is not allowed, and a literal loopback address', async () => {
    expect(await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { ...STRICT, allowPrivateNetworks: true, timeoutMs: 2000 })).toMatchObject({ ok: false, error: 'url must be an https URL.' });
    expect(await postWebhook(`https://127.0.0.1:${port}/`, '{}', {}, { ...STRICT, timeoutMs: 2000 })).toMatchObject({ ok: false, error: expect.stringContaining('127.0.0.1') });
  });
});
