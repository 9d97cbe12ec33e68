import type { Response } from 'express';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { csvRecord, streamCsv } from './csv';

/** A response whose socket takes 16 KiB at a time and drains on the next turn: every chunk waits. */
class SlowResponse extends Writable {
  readonly chunks: string[] = [];
  readonly headers: Record<string, string> = {};
  statusCode = 0;
  /** Most listeners seen while rows were still being written (after the end, 'close' clears them anyway). */
  maxListeners = 0;

  constructor() {
    super({ highWaterMark: 16 * 1024, decodeStrings: false });
  }
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  override _write(chunk: string, _: BufferEncoding, done: () => void) {
    this.chunks.push(String(chunk));
    const listeners = ['drain', 'close', 'error'].map((name) => this.listenerCount(name));
    this.maxListeners = Math.max(this.maxListeners, ...listeners);
    setImmediate(done);
  }
}

describe('streamCsv', () => {
  it('sends nothing when the first page cannot be read (e.g. the database is down), so the error still gets its status', async () => {
    const res = new SlowResponse();
    async function* failing(): AsyncIterable<readonly unknown[]> {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    await expect(streamCsv(res as unknown as Response, 'x.csv', ['a'], failing())).rejects.toThrow(/ECONNREFUSED/);
    expect({ status: res.statusCode, headers: res.headers, chunks: res.chunks }).toEqual({ status: 0, headers: {}, chunks: [] });
  });

  it('writes RFC 4180 records with CRLF, quoting and formula defusing', () => {
    expect(csvRecord(['a,b', 'say "hi"', 'two\nlines', '=SUM(A1)', '-1 credit', 3, null, undefined, true])).toBe(
      '"a,b","say ""hi""","two\nlines",\'=SUM(A1),\'-1 credit,3,,,true\r\n',
    );
  });

  it('waits for the socket to drain between chunks without piling up listeners', async () => {
    const res = new SlowResponse();
    async function* rows() {
      for (let i = 0; i < 20_000; i++) yield [i, `row ${i}`, 'x'.repeat(40)];
    }
    await streamCsv(res as unknown as Response, 'big.csv', ['n', 'label', 'pad'], rows());
    await new Promise((resolve) => res.once('finish', resolve));
    await tick();
    const lines = res.chunks.join('').split('\r\n');
    expect(lines[0]).toBe('n,label,pad');
    expect(lines).toHaveLength(20_000 + 2); // header, rows, and the empty string after the last CRLF
    expect(lines[20_000]).toBe(`19999,row 19999,${'x'.repeat(40)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    // Stream internals hold one or two of each; one more per wait would grow with the rows.
    expect(res.maxListeners).toBeLessThanOrEqual(2);
    expect(res.listenerCount('drain')).toBe(0);
  });
});
