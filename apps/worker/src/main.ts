import 'reflect-metadata';
import { bootstrap } from '../../api/src/bootstrap';
import { loadConfig } from '@punchcard/platform';

// Projections and the scheduler without HTTP, for deployments whose API instances run with
// PUNCHCARD_PROJECTIONS=off and PUNCHCARD_SCHEDULER=off. Leases keep exactly one active anyway.
bootstrap(loadConfig(), { withHttp: false }).catch((error) => {
  console.error(error);
  process.exit(1);
});
