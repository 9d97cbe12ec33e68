/** Measuring helpers shared by the bench sections: rates, latency quantiles, the server process, HTTP calls. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

/** One row of the results table (measure, connections, per second, vs raw insert, p50 ms, p99 ms). */
export type Report = (...cells: (string | number)[]) => void;

/** Operations per second with `connections` concurrent loops for `seconds`. */
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

export type Call = (method: string, path: string, key: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function request(agent: http.Agent, port: number, method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${key}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
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
    // A child killed by a signal keeps exitCode null (signalCode is set): waiting for its exit again would hang.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
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

/**
 * Admin keys to spread the bench's calls over: the per-key rate limit (default 600 a minute) stays on
 * for everyone, and the bench acts like many front-desk devices instead of one. Each call takes the next key.
 */
export async function keyRing(call: Call, adminKey: string, count = 128): Promise<() => string> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call('POST', '/v1/api-keys', adminKey, { role: 'admin', name: `bench ${i}` });
    if (res.status !== 201) throw new Error(`creating a bench key answered ${res.status}: ${JSON.stringify(res.body)}`);
    keys.push(res.body.key);
  }
  let next = 0;
  return () => keys[next++ % keys.length];
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
