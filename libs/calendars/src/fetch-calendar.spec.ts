import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CalendarFetchError, CalendarFetchOptions, fetchCalendar } from '@punchcard/calendars';
// The API's own notion of "private" (a spec may reach into apps/; the library takes it as a parameter).
import { isPrivateAddress } from '../../../apps/api/src/outbound-webhooks/destination';

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server;
let base: string;
let handler: Handler;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (seen.length = 0));

/** The test server is on loopback: it counts as "public" here, everything else private stays private. */
const options = (overrides: Partial<CalendarFetchOptions> = {}): CalendarFetchOptions => ({
  allowHttp: true,
  allowPrivateNetworks: false,
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  isPrivateAddress: (address) => address !== '127.0.0.1' && isPrivateAddress(address),
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<CalendarFetchError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CalendarFetchError);
    return error as CalendarFetchError;
  }
  throw new Error('expected a CalendarFetchError');
}

describe('fetchCalendar against a local HTTP server', () => {
  it('fetches with its ETag, then gets 304 with If-None-Match', async () => {
    handler = (request, response) => {
      if (request.headers['if-none-match'] === '"v1"') return response.writeHead(304).end();
      response.writeHead(200, { 'Content-Type': 'text/calendar; charset=utf-8', ETag: '"v1"' }).end(ICS);
    };
    const first = await fetchCalendar(`${base}/cal.ics`, null, options());
    expect(first).toEqual({ kind: 'fetched', body: ICS, etag: '"v1"', lastModified: null });
    expect(seen[0].headers['if-none-match']).toBeUndefined();
    const second = await fetchCalendar(`${base}/cal.ics`, { etag: '"v1"' }, options());
    expect(second).toEqual({ kind: 'not_modified' });
    expect(seen[1].headers['if-none-match']).toBe('"v1"');
  });

  it('sends If-Modified-Since from the Last-Modified it got', async () => {
    const stamp = 'Wed, 05 Mar 2025 10:00:00 GMT';
    handler = (request, response) => {
      if (request.headers['if-modified-since'] === stamp) return response.writeHead(304).end();
      response.writeHead(200, { 'Content-Type': 'text/calendar', 'Last-Modified': stamp }).end(ICS);
    };
    const first = await fetchCalendar(`${base}/cal.ics`, null, options());
    expect(first).toMatchObject({ kind: 'fetched', etag: null, lastModified: stamp });
    expect(await fetchCalendar(`${base}/cal.ics`, { lastModified: stamp }, options())).toEqual({ kind: 'not_modified' });
  });

  it('refuses a calendar larger than maxBytes, declared or streamed', async () => {
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/calendar' }).end(ICS + 'X'.repeat(5000));
    expect((await refusal(fetchCalendar(`${base}/big.ics`, null, options({ maxBytes: 1000 })))).code).toBe('calendar_too_large');
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/calendar' }); // chunked: no Content-Length
      response.write(ICS);
      const timer = setInterval(() => (response.writableEnded || response.destroyed ? clearInterval(timer) : response.write('X'.repeat(512))), 5);
    };
    expect((await refusal(fetchCalendar(`${base}/endless.ics`, null, options({ maxBytes: 4096 })))).code).toBe('calendar_too_large');
  });

  it('times out a slow answer (the deadline covers the body, not only the headers)', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/calendar' });
      response.write('BEGIN:VCALENDAR\r\n'); // ...and never finishes
    };
    const started = Date.now();
    expect((await refusal(fetchCalendar(`${base}/slow.ics`, null, options({ timeoutMs: 300 })))).code).toBe('calendar_timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('refuses a redirect into a private network, by literal address or by name', async () => {
    handler = (_request, response) => response.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, options()))).code).toBe('calendar_address_not_allowed');
    handler = (_request, response) => response.writeHead(301, { Location: 'http://intranet.example:8080/cal.ics' }).end();
    const lookup = async (hostname: string) => (hostname === 'intranet.example' ? [{ address: '10.1.2.3', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const error = await refusal(fetchCalendar(`${base}/cal.ics`, null, options({ lookup })));
    expect(error.code).toBe('calendar_address_not_allowed');
    expect(error.message).toContain('10.1.2.3');
  });

  it('follows up to 3 redirects (relative ones too), not a fourth', async () => {
    handler = (request, response) => {
      const hop = Number(/\/hop(\d)/.exec(request.url ?? '')?.[1] ?? 0);
      if (request.url === '/final.ics') return response.writeHead(200, { 'Content-Type': 'text/calendar' }).end(ICS);
      response.writeHead(307, { Location: hop >= 2 ? '/final.ics' : `/hop${hop + 1}` }).end();
    };
    expect(await fetchCalendar(`${base}/hop0`, null, options())).toMatchObject({ kind: 'fetched', body: ICS }); // hop0 -> hop1 -> hop2 -> final
    seen.length = 0;
    handler = (_request, response) => response.writeHead(302, { Location: `/loop${seen.length}` }).end();
    const error = await refusal(fetchCalendar(`${base}/loop`, null, options()));
    expect(error.code).toBe('calendar_redirect_refused');
    expect(seen.map((request) => request.url)).toEqual(['/loop', '/loop1', '/loop2', '/loop3']); // the first and 3 redirects
  });

  it('refuses an answer that is not iCalendar (an HTML login page, or a body without BEGIN:VCALENDAR)', async () => {
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in</html>');
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, options()))).code).toBe('calendar_not_icalendar');
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end('{"error":"nope"}');
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, options()))).code).toBe('calendar_not_icalendar');
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/plain' }).end('\uFEFF' + ICS); // BOM and text/plain are fine
    expect(await fetchCalendar(`${base}/cal.ics`, null, options())).toMatchObject({ kind: 'fetched', body: ICS });
  });

  it('reports an HTTP error with its status', async () => {
    handler = (_request, response) => response.writeHead(404).end('gone');
    const error = await refusal(fetchCalendar(`${base}/cal.ics`, null, options()));
    expect([error.code, error.status]).toEqual(['calendar_http_error', 404]);
  });

  it('refuses loopback unless allowPrivateNetworks (literal address and a name resolving to it)', async () => {
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/calendar' }).end(ICS);
    const strict = options({ isPrivateAddress });
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, strict))).code).toBe('calendar_address_not_allowed');
    const port = new URL(base).port;
    expect((await refusal(fetchCalendar(`http://localhost:${port}/cal.ics`, null, strict))).code).toBe('calendar_address_not_allowed');
    expect(seen).toHaveLength(0);
    expect(await fetchCalendar(`http://localhost:${port}/cal.ics`, null, { ...strict, allowPrivateNetworks: true, lookup: async () => [{ address: '127.0.0.1', family: 4 }] })).toMatchObject({ kind: 'fetched' });
  });

  it('connects to the checked address: the name is resolved once, by the given lookup', async () => {
    handler = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/calendar' }).end(ICS);
    const asked: string[] = [];
    const lookup = async (hostname: string) => {
      asked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const port = new URL(base).port;
    expect(await fetchCalendar(`http://calendar.example:${port}/cal.ics`, null, options({ lookup }))).toMatchObject({ kind: 'fetched' });
    expect(asked).toEqual(['calendar.example']);
    expect(seen[0].headers.host).toBe(`calendar.example:${port}`);
  });

  it('checks the URL form: https only unless http is allowed, no credentials, webcal:// read as https://', async () => {
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, options({ allowHttp: false })))).code).toBe('calendar_url_not_allowed');
    expect((await refusal(fetchCalendar('ftp://example.com/cal.ics', null, options()))).code).toBe('calendar_url_not_allowed');
    expect((await refusal(fetchCalendar('https://user:secret@example.com/cal.ics', null, options()))).code).toBe('calendar_url_not_allowed');
    expect((await refusal(fetchCalendar('not a url', null, options()))).code).toBe('calendar_url_not_allowed');
    // webcal:// becomes https:// to the same host: refused here by address, which shows it got that far.
    expect((await refusal(fetchCalendar('webcal://10.0.0.1/cal.ics', null, options()))).code).toBe('calendar_address_not_allowed');
  });

  it('refuses a redirect to a scheme other than http(s)', async () => {
    handler = (_request, response) => response.writeHead(302, { Location: 'ftp://example.com/cal.ics' }).end();
    expect((await refusal(fetchCalendar(`${base}/cal.ics`, null, options()))).code).toBe('calendar_redirect_refused');
  });
});
