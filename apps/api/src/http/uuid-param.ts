import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from './problem';

/** A path id that must be a UUID; anything else is simply not found (404 with the given code). */
export const UuidParam = (name: string, notFoundCode: string) =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => new ApiError(404, notFoundCode, 'Not found.') }));
