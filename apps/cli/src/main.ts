import 'reflect-metadata';
import { openDatabase } from '../../api/src/infrastructure/database';
import { createInfrastructure } from '../../api/src/infrastructure/infrastructure';
import { loadConfig } from '../../api/src/infrastructure/config';
import { PostgresAdvisoryLease } from '../../../libs/projection-runner/src/lease';
import { ALL_PROJECTIONS } from '../../../projections';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  rebuild [name|all]   Empty a projection's documents and replay every event into it (default: all).
                       Needs the projections lease: stop running instances first (or run it on the only one).
  projections          List projections and their checkpoints.

Uses DATABASE_URL, or the embedded PostgreSQL in PUNCHCARD_DATA_DIR (default ./data) when it is not set.`;

async function main(argv: string[]): Promise<number> {
  const [command, name = 'all'] = argv;
  if (command !== 'rebuild' && command !== 'projections') {
    console.log(USAGE);
    return command ? 2 : 0;
  }
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  const infrastructure = await createInfrastructure({ connectionString: database.connectionString, poolSize: 4 });
  try {
    if (command === 'projections') {
      for (const projection of ALL_PROJECTIONS) {
        const at = await infrastructure.readStore.checkpoint(projection.name);
        console.log(`${projection.name.padEnd(24)} checkpoint ${at.transactionId}-${at.globalPosition}`);
      }
      return 0;
    }
    const selected = name === 'all' ? ALL_PROJECTIONS : ALL_PROJECTIONS.filter((p) => p.name === name || p.name.startsWith(`${name}-v`));
    if (selected.length === 0) {
      console.error(`No projection "${name}". Known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
      return 2;
    }
    const lease = new PostgresAdvisoryLease(infrastructure.pool, 'projections');
    if (!(await lease.tryAcquire())) {
      console.error('Another instance is applying projections (it holds the lease). Stop it, then run rebuild again.');
      return 1;
    }
    try {
      for (const projection of selected) {
        const started = Date.now();
        const events = await infrastructure.runner.rebuild(projection);
        const seconds = (Date.now() - started) / 1000;
        console.log(`${projection.name}: replayed ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / Math.max(seconds, 0.001))} events/s)`);
      }
    } finally {
      await lease.release();
    }
    return 0;
  } finally {
    await infrastructure.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
