import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { loadConfig } from '@punchcard/platform';

bootstrap(loadConfig(), { withHttp: true }).catch((error) => {
  console.error(error);
  process.exit(1);
});
