import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { loadConfig } from './infrastructure/config';

bootstrap(loadConfig(), { withHttp: true }).catch((error) => {
  console.error(error);
  process.exit(1);
});
