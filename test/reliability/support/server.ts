import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_ENTRY } from './compile';

export const OPERATOR_KEY = 'pcop_reliability_operator_key_0123456789abcdef';

/**
 * The real server (`node apps/api/src/main.js` from the swc build) as a child process in its own process
 * group, so a test can SIGKILL the server alone (its embedded PostgreSQL, if any, is orphaned) or the
 * whole group. Its output is kept (the last lines) for the failure messages.
 */
export class ServerProcess {
  readonly base: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];

  constructor(
    readonly port: number,
    private readonly env: Record<string, string | undefined>,
  ) {
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Spawns the server and waits (bounded) until /health answers 200; returns how long that took (ms). */
  async start(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    this.spawn();
    const child = this.child!;
    while (Date.now() - started < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The server exited while starting (${child.exitCode ?? child.signalCode}):\n${this.log()}`);
      const status = await fetch(`${this.base}/health`).then((r) => r.status, () => 0);
      if (status === 200) return Date.now() - started;
      await sleep(50);
    }
    throw new Error(`The server did not answer /health within ${timeoutMs} ms:\n${this.log()}`);
  }

  /** Starts it and waits for it to exit by itself (a start that must fail); returns its output. */
  async startExpectingFailure(timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
    this.spawn();
    const child = this.child!;
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
      sleep(timeoutMs).then(() => 'timeout' as const),
    ]);
    if (code === 'timeout') throw new Error(`The server neither started nor failed within ${timeoutMs} ms:\n${this.log()}`);
    return { code, output: this.log() };
  }

  /** SIGKILL: the server process alone (`group: false`), or its whole process group (with its PostgreSQL). */
  async kill(group: boolean): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(group ? -pid : pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
    this.child = null;
  }

  /** A graceful stop (SIGTERM; SIGKILL after 20 s). */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const stopped = await Promise.race([this.exited.then(() => true), sleep(20_000).then(() => false)]);
    if (!stopped) await this.kill(true);
    this.child = null;
  }

  /** The last `lines` lines the server wrote (stdout and stderr). */
  log(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  private spawn(): void {
    const env: Record<string, string | undefined> = { ...process.env, PORT: String(this.port), PUNCHCARD_OPERATOR_KEY: OPERATOR_KEY, PUNCHCARD_RATE_LIMIT_PER_MINUTE: 'off', ...this.env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    const child = spawn(process.execPath, [SERVER_ENTRY], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Answer {
  /** 0: no answer (connection refused or reset). */
  status: number;
  body: any;
  headers: Headers | null;
}

/** One HTTP request; a connection that fails is an answer with status 0, not an exception. */
export async function call(base: string, method: string, path: string, options: { key?: string; body?: unknown; idempotencyKey?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  } catch {
    return { status: 0, body: null, headers: null };
  }
}
