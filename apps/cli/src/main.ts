import 'reflect-metadata';
import { createInfrastructure, loadConfig, openDatabase } from '@punchcard/platform';
import { Projection, ProjectionRunner } from '@punchcard/projection-runner';
import { DocumentDifference } from '@punchcard/read-store';
import { ALL_PROJECTIONS } from '@punchcard/projections';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  rebuild [name|all]   Replay every event into a new generation of a projection's documents while the
                       live one keeps serving, then switch to it in one transaction (default: all).
                       Safe while the service runs on DATABASE_URL. (The embedded database serves one
                       process: stop the service first, or it refuses to open a second time.)
  check [name|all]     Replay every event into a scratch copy up to the live checkpoint and compare it
                       with the live documents. Exit 0 when equal; 1 with the differences listed.
  projections          List projections and their checkpoints.

Uses DATABASE_URL, or the embedded PostgreSQL in PUNCHCARD_DATA_DIR (default ./data) when it is not set.`;

async function main(argv: string[]): Promise<number> {
  const [command, name = 'all'] = argv;
  if (command !== 'rebuild' && command !== 'check' && command !== 'projections') {
    console.log(USAGE);
    return command ? 2 : 0;
  }
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  const infrastructure = await createInfrastructure({ connectionString: database.connectionString, poolSize: 4, projections: ALL_PROJECTIONS });
  try {
    if (command === 'projections') {
      for (const projection of ALL_PROJECTIONS) {
        const at = await infrastructure.system.readStore.checkpoint(projection.name);
        console.log(`${projection.name.padEnd(24)} checkpoint ${at.transactionId}-${at.globalPosition}`);
      }
      return 0;
    }
    const selected = name === 'all' ? ALL_PROJECTIONS : ALL_PROJECTIONS.filter((p) => p.name === name || p.name.startsWith(`${name}-v`));
    if (selected.length === 0) {
      console.error(`No projection "${name}". Known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
      return 2;
    }
    if (command === 'check') return await check(infrastructure.runner, selected);
    for (const projection of selected) {
      const started = Date.now();
      const events = await infrastructure.runner.rebuild(projection);
      const seconds = (Date.now() - started) / 1000;
      console.log(`${projection.name}: rebuilt from ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / Math.max(seconds, 0.001))} events/s) and switched`);
    }
    return 0;
  } finally {
    await infrastructure.close();
    await database.stop();
  }
}

async function check(runner: ProjectionRunner, projections: Projection[]): Promise<number> {
  let failed = 0;
  for (const projection of projections) {
    const { at, differences } = await runner.check(projection);
    if (differences.length === 0) {
      console.log(`${projection.name}: equal to a replay up to ${at.transactionId}-${at.globalPosition}`);
      continue;
    }
    failed++;
    console.log(`${projection.name}: DIFFERS from a replay up to ${at.transactionId}-${at.globalPosition} (first ${differences.length} documents):`);
    for (const difference of differences) console.log(describe(difference));
  }
  return failed ? 1 : 0;
}

/** One differing document: which top-level fields differ, live value -> replayed value. */
function describe({ collection, tenantId, id, live, rebuilt }: DocumentDifference): string {
  const head = `  ${collection} ${tenantId}/${id}:`;
  if (live === null) return `${head} missing from the live documents`;
  if (rebuilt === null) return `${head} in the live documents but not in the replay`;
  const before = live as Record<string, unknown>;
  const after = rebuilt as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
  return [head, ...fields.map((f) => `    ${f}: live ${JSON.stringify(before[f]) ?? 'missing'} -> replay ${JSON.stringify(after[f]) ?? 'missing'}`)].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
