import { Provider, Type } from '@nestjs/common';

/** API key management (/v1/api-keys). */
export const API_KEY_CONTROLLERS: Type[] = [];
export const API_KEY_PROVIDERS: Provider[] = [];
