import { Provider, Type } from '@nestjs/common';

/** The client-facing routes (/v1/me/...), called with a client token. */
export const ME_CONTROLLERS: Type[] = [];
export const ME_PROVIDERS: Provider[] = [];
