import { Provider, Type } from '@nestjs/common';
import { ApiKeyRegistry } from './api-key-registry';
import { ApiKeysController } from './api-keys.controller';

/** API key management (/v1/api-keys). */
export const API_KEY_CONTROLLERS: Type[] = [ApiKeysController];
export const API_KEY_PROVIDERS: Provider[] = [ApiKeyRegistry];
