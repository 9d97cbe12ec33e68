/** Measuring helpers shared by the bench sections: HTTP load (autocannon), in-process rates, latency quantiles, the server process, the key ring. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Pool } from 'pg';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

/** Creates the empty database `name` on the server of `baseUrl` and returns its URL (same credentials). */
export async function createScratchDatabase(admin: Pool, baseUrl: string, name: string): Promise<string> {
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a scratch database, closing its connections; one that is gone, or was never made, is no error. */
export async function dropScratchDatabase(admin: Pool, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
}

/** One row of the results table (measure, connections, per second, vs raw insert, p50 ms, p99 ms). */
export type Report = (...cells: (string | number)[]) => void;

/**
 * Operations per second with `connections` concurrent loops for `seconds`, in this process. Only for
 * what is not HTTP (the raw PostgreSQL insert rate, event store appends): HTTP load goes through `load`
 * (autocannon).
 */
export async function rate(connections: number, operation: () => Promise<unknown>, latencies?: number[], seconds = SECONDS): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        await operation();
        latencies?.push(performance.now() - t0);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

export function quantiles(latencies: number[]): [string, string] {
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  return [q(0.5), q(0.99)];
}

export type Answer = { status: number; body: any; headers: http.IncomingHttpHeaders };
export type Call = (method: string, path: string, key: string, body?: unknown) => Promise<Answer>;

/** One call (seeding, set-up, probes): not for load, which goes through `load`. */
export function request(agent: http.Agent, port: number, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${key}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** One request of a load run, chosen by the bench (package, schedule, key, fresh Idempotency-Key…) just before autocannon sends it. */
export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  /** Sent as `Authorization: Bearer …` (a key from a key ring). */
  key?: string;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Handed back to `expect` with this request's answer (e.g. which payload it carried). */
  tag?: unknown;
}

export interface LoadSpec {
  /** Names the run in errors. */
  name: string;
  connections: number;
  /** Default SECONDS. */
  seconds?: number;
  /** The next request; called once for each request autocannon sends. */
  next(): LoadRequest;
  /**
   * Whether an answer is one of the expected ones (default: any 2xx). Any other answer, connection error
   * or timeout fails the run once it has ended, with the counts by status and a sample body.
   */
  expect?(status: number, body: string, tag: unknown): boolean;
  /** The key ring `next` takes its keys from: the run is kept within the ring's per-key budget (KeyRing). */
  ring?: KeyRing;
  /** At most this many requests (e.g. single-use payloads prepared for the run); running out before the time is up fails the run. */
  max?: number;
}

export interface LoadResult {
  perSecond: number;
  /** Answers received (each was an expected one). */
  answered: number;
  seconds: number;
  /** p50 and p99 in ms, one decimal. */
  p50: string;
  p99: string;
}

/**
 * HTTP load from this process with autocannon: `connections` keep-alive connections, each sending its
 * next request as soon as the previous one is answered, for `seconds`. The rate is the answers over
 * autocannon's measured duration. Latencies are autocannon's own per-response times (request written
 * to response complete, the 'response' event); p50/p99 are taken from them rather than from its
 * histogram, which records whole milliseconds (it floors 1.9 ms to 1), too coarse for fast reads.
 *
 * With a key ring, the run is capped at the number of requests the ring has budget for (autocannon's
 * maxOverallRequests, after `reserveFor` has grown the ring to fit the expected count); if the cap ends
 * the run before its time (the server got faster than expected), the ring learns the rate and the
 * run is made again with a budget that fits, so no key ever passes the server's limit.
 */
export async function load(port: number, spec: LoadSpec): Promise<LoadResult> {
  const seconds = spec.seconds ?? SECONDS;
  for (let attempt = 1; ; attempt++) {
    const budget = spec.ring ? await spec.ring.reserveFor(spec.connections, seconds) : undefined;
    const cap = budget === undefined ? spec.max : spec.max === undefined ? budget : Math.min(budget, spec.max);
    const run = await loadOnce(port, spec, seconds, cap);
    if (run.capped) {
      const rateSoFar = run.result.answered / run.busySeconds;
      if (spec.max !== undefined && cap === spec.max) {
        throw new Error(`${spec.name}: all ${spec.max} prepared requests were sent within ${run.busySeconds.toFixed(2)} s of ${seconds} s (${fmt(rateSoFar)}/s); prepare more`);
      }
      spec.ring?.observe(rateSoFar);
      if (attempt < 4) {
        console.log(`  ${spec.name}: the key ring's budget of ${fmt(cap!)} requests ran out after ${run.busySeconds.toFixed(2)} s of ${seconds} s (${fmt(rateSoFar)}/s); again with a larger ring`);
        continue;
      }
      throw new Error(`${spec.name}: still out of key budget after ${attempt} attempts`);
    }
    spec.ring?.observe(run.result.perSecond);
    return run.result;
  }
}

async function loadOnce(port: number, spec: LoadSpec, seconds: number, cap: number | undefined): Promise<{ result: LoadResult; capped: boolean; busySeconds: number }> {
  if (cap !== undefined && cap < spec.connections) throw new Error(`${spec.name}: a cap of ${cap} requests is below ${spec.connections} connections`);
  const expect = spec.expect ?? ((status: number) => status >= 200 && status < 300);
  const latencies: number[] = [];
  const unexpected = new Map<number, { count: number; sample: string }>();
  let sent = 0;
  let answered = 0;
  // First request built to last answer: a capped run idles until autocannon's next tick, which its duration counts.
  let firstSentAt = 0;
  let lastAnsweredAt = 0;
  let failure: unknown;
  let instance: autocannon.Instance | undefined;
  const fail = (error: unknown) => {
    failure ??= error;
    setImmediate(() => instance?.stop());
  };
  const requests: autocannon.Request[] = [
    {
      // Called for each request (pipelining 1, one request in the list: autocannon rebuilds it before each send).
      setupRequest: (defaults, context: { tag?: unknown }) => {
        let next: LoadRequest;
        try {
          next = spec.next();
        } catch (error) {
          fail(error);
          return { ...defaults, method: 'GET', path: '/health', headers: {} }; // harmless while the run stops
        }
        if (sent++ === 0) firstSentAt = performance.now();
        context.tag = next.tag;
        const headers: Record<string, string> = { ...next.headers };
        if (next.key !== undefined) headers.authorization = `Bearer ${next.key}`;
        let body: string | undefined;
        if (next.body !== undefined) {
          body = typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
          headers['content-type'] ??= 'application/json';
        }
        return { ...defaults, method: next.method ?? 'GET', path: next.path, headers, body };
      },
      onResponse: (status, body, context: { tag?: unknown }) => {
        let ok: boolean;
        try {
          ok = expect(status, body, context.tag);
        } catch (error) {
          fail(error);
          return;
        }
        if (ok) return;
        const seen = unexpected.get(status);
        if (seen) seen.count++;
        else unexpected.set(status, { count: 1, sample: body.slice(0, 300) });
      },
    },
  ];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      { url: `http://127.0.0.1:${port}`, connections: spec.connections, duration: seconds, timeout: 60, requests, ...(cap !== undefined ? { maxOverallRequests: cap } : {}) },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      answered++;
      lastAnsweredAt = performance.now();
      latencies.push(responseTime);
    });
  });
  if (failure) throw failure;
  const problems: string[] = [...unexpected].map(([status, { count, sample }]) => `${count} × ${status} (e.g. ${sample})`);
  if (result.errors) problems.push(`${result.errors} connection errors (${result.timeouts} of them timeouts)`);
  if (problems.length) throw new Error(`${spec.name}: answers other than expected: ${problems.join('; ')}`);
  if (answered === 0) throw new Error(`${spec.name}: no answer in ${seconds} s`);
  const [p50, p99] = quantiles(latencies);
  const busySeconds = Math.max(0.001, (lastAnsweredAt - firstSentAt) / 1000);
  return { result: { perSecond: answered / result.duration, answered, seconds: result.duration, p50, p99 }, capped: cap !== undefined && sent >= cap, busySeconds };
}

/** Downloads a body without keeping it: counts bytes and lines (CSV rows end with CRLF). */
export function download(port: number, path: string, key: string): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The worker process (projections and scheduler, no HTTP: `npm run start:worker`), for an API started with
 * PUNCHCARD_PROJECTIONS=off. Its leases keep one runner active. Returns how to stop it.
 */
export function startWorker(databaseUrl: string, env: Record<string, string> = {}): { child: ChildProcess; stop(): Promise<void> } {
  const child = spawn(process.execPath, [join(__dirname, '../../apps/worker/src/main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PUNCHCARD_SCHEDULER: 'off', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, stop: () => stopChild(child) };
}

/** SIGTERM, then its exit. A child killed by a signal keeps exitCode null (signalCode is set): waiting for its exit again would hang. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export interface Server {
  port: number;
  operatorKey: string;
  child: ChildProcess;
  call: Call;
  stop(): Promise<void>;
}

/**
 * The API in its own process (projections on, scheduler off), ready once /health answers 200.
 * `nodeArgs`: options for that node process (e.g. `--cpu-prof`, which NODE_OPTIONS does not accept).
 */
export async function startServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const operatorKey = `pcop_${randomUUID().replace(/-/g, '')}bench`;
  const child = spawn(process.execPath, [...nodeArgs, join(__dirname, '../../apps/api/src/main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), PUNCHCARD_OPERATOR_KEY: operatorKey, PUNCHCARD_SCHEDULER: 'off', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call: Call = (method, path, key, body) => request(agent, port, method, path, key, body);
  const stop = async () => {
    agent.destroy();
    await stopChild(child);
  };
  for (let i = 0; (await call('GET', '/health', '').catch(() => ({ status: 0 }))).status !== 200; i++) {
    if (i > 100) {
      await stop();
      throw new Error('server did not start');
    }
    await sleep(200);
  }
  return { port, operatorKey, child, call, stop };
}

/** How far back the ring counts a key's requests: the server's minute plus slack for a request queued before the server counted it. */
const RING_WINDOW_MS = 75_000;
/** Budget a ring keeps beyond each run's cap, so it can always make more keys (making one is a request too). */
const RING_SPARE = 64;
/** The rate a ring expects before it has seen a run (requests a second); it learns the real one from each run. */
const FIRST_GUESS_PER_SECOND = 1_500;

/**
 * Admin keys to spread the bench's calls over. The per-key rate limit stays ON at whatever the server
 * runs with (default 600 a minute, PUNCHCARD_RATE_LIMIT_PER_MINUTE; the bench never switches it off):
 * the bench acts like many front-desk devices instead of one. The ring reads the limit from the
 * server's own X-RateLimit-Limit header, counts every request it hands a key to over the last
 * RING_WINDOW_MS, and hands out only keys under the limit (round robin, skipping full ones). Before
 * each load run `load` asks it to reserve the run's expected requests (the fastest rate seen so far,
 * × 1.5, × the run's seconds): the ring creates more keys until their unused budget covers that, and
 * the run is capped at that many requests. So the bench runs green with the limit on however fast the
 * server gets; if the limit is off (0, no header) the ring does no accounting.
 */
export type KeyRing = (() => string) & {
  /** Reserves what a run of `connections` for `seconds` is expected to send; returns the cap for that run (undefined: no limit). */
  reserveFor(connections: number, seconds: number): Promise<number | undefined>;
  /** A rate seen in a run (requests a second): the next runs reserve for at least that. */
  observe(perSecond: number): void;
  /** Keys in the ring and the server's limit, for the log. */
  describe(): string;
};

export async function keyRing(call: Call, adminKey: string, count = 128): Promise<KeyRing> {
  const keys: { secret: string; sends: number[]; head: number }[] = [];
  let limit = 0;
  let next = 0;
  let fastest = FIRST_GUESS_PER_SECOND;
  // Requests of this key within the window (drops older ones as it goes).
  const used = (key: (typeof keys)[number], now: number) => {
    while (key.head < key.sends.length && key.sends[key.head] <= now - RING_WINDOW_MS) key.head++;
    if (key.head > 1024) {
      key.sends = key.sends.slice(key.head);
      key.head = 0;
    }
    return key.sends.length - key.head;
  };
  const take = (): string => {
    if (limit === 0) return keys[next++ % keys.length].secret;
    const now = Date.now();
    for (let tried = 0; tried < keys.length; tried++) {
      const key = keys[next++ % keys.length];
      if (used(key, now) < limit) {
        key.sends.push(now);
        return key.secret;
      }
    }
    throw new Error(`bench key ring: all ${keys.length} keys sent ${limit} requests within ${RING_WINDOW_MS / 1000} s; reserve more before the run`);
  };
  const create = async (creator: () => string, n: number) => {
    for (let i = 0; i < n; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, n - i) }, async () => {
          const res = await call('POST', '/v1/api-keys', creator(), { role: 'admin', name: `bench ${keys.length}` });
          if (res.status !== 201) throw new Error(`creating a bench key answered ${res.status}: ${JSON.stringify(res.body)}`);
          const announced = Number(res.headers['x-ratelimit-limit'] ?? 0);
          limit = Number.isFinite(announced) ? announced : 0;
          keys.push({ secret: res.body.key, sends: [], head: 0 });
        }),
      );
    }
  };
  const budget = () => {
    if (limit === 0) return Infinity;
    const now = Date.now();
    return keys.reduce((sum, key) => sum + Math.max(0, limit - used(key, now)), 0);
  };
  // Grows the ring until its keys' unused budget covers `requests`.
  const reserve = async (requests: number) => {
    for (let have = budget(); have < requests; have = budget()) {
      // Each new key brings `limit` requests, less the one its creation costs (creations use ring keys, counted).
      const more = Math.ceil((requests - have) / Math.max(1, limit - 1));
      console.log(`  key ring: ${more} more keys (${keys.length + more} in all) for ~${fmt(requests)} requests within the server's limit of ${limit} a minute per key`);
      await create(take, more);
    }
  };
  // The first key is made with the tenant's own admin key, which also tells the limit; the others by
  // the ring's keys (accounted like any request), so even a limit below `count` is respected.
  await create(() => adminKey, 1);
  await create(take, count - 1);
  return Object.assign(take, {
    reserveFor: async (connections: number, seconds: number) => {
      if (limit === 0) return undefined;
      const expected = Math.ceil(fastest * 1.5 * seconds) + connections;
      await reserve(expected + RING_SPARE);
      return expected;
    },
    observe: (perSecond: number) => {
      fastest = Math.max(fastest, perSecond);
    },
    describe: () => (limit === 0 ? `${keys.length} bench keys; the server has no rate limit` : `${keys.length} bench keys; the server's rate limit is on: ${limit} requests a minute per key`),
  });
}

/** The process's peak resident memory (VmHWM) in MiB. */
export function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** The process's resident memory now (VmRSS) in MiB. */
export function currentRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** Resets the peak (Linux: writing 5 to clear_refs), so the next peakRss covers only what follows. False if not allowed. */
export function resetPeakRss(child: ChildProcess): boolean {
  try {
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;

/**
 * The bench's bookings on `schedules` (open all day in UTC, 30-minute sessions of `sessionTypeId`). Slot n of
 * a schedule is day n / 48 after tomorrow, at (n % 48) × 30 min; each schedule's slots are booked in order.
 */
export function bookingPlan(schedules: string[], sessionTypeId: string, clients: string[]) {
  const tomorrow = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
  const nextSlot = schedules.map(() => 0);
  const day = (n: number) => new Date(tomorrow + n * 86_400_000).toISOString().slice(0, 10);
  /** The body booking schedule `s`'s next slot for a random client. */
  const booking = (s: number) => {
    const n = nextSlot[s]++;
    const start = new Date(tomorrow + Math.floor(n / 48) * 86_400_000 + (n % 48) * 1_800_000).toISOString();
    return { clientId: clients[Math.floor(Math.random() * clients.length)], scheduleId: schedules[s], sessionTypeId, start };
  };
  return {
    booking,
    /** Schedule `s` busy for 4 weeks (~20 bookings a day): runs of 16 bookings, 24 slots left free after each. 409 (taken meanwhile) is fine. */
    async fillBusy(call: Call, key: () => string, s: number): Promise<void> {
      const book = async () => {
        const res = await call('POST', '/v1/bookings', key(), booking(s));
        if (res.status !== 201 && res.status !== 409) throw new Error(`booking answered ${res.status}: ${JSON.stringify(res.body)}`);
      };
      while (nextSlot[s] < 48 * 28) {
        await Promise.all(Array.from({ length: 16 }, book));
        nextSlot[s] += 24;
      }
    },
    /** The slot listing of schedule `s` for the 4 weeks from tomorrow. */
    listingPath: (s: number) => `/v1/schedules/${schedules[s]}/slots?from=${day(0)}&to=${day(27)}`,
  };
}
