import { Module } from '@nestjs/common';
import { ApiKeyRegistry } from './api-key-registry';
import { ApiKeysController } from './api-keys.controller';

/** API key management (/v1/api-keys). */
@Module({ controllers: [ApiKeysController], providers: [ApiKeyRegistry] })
export class ApiKeysModule {}
