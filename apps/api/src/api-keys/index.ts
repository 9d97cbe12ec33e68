export { ApiKeysModule } from './api-keys.module';
export { IssuedApiKey, toView } from './api-key-registry';
