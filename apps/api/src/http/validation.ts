import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './problem';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Prototype keys, and the names of Object.prototype's methods (toString, valueOf, hasOwnProperty...):
 * class-transformer silently skips a key the DTO instance already has as a function, so the whitelist
 * never sees it and an unknown field would be accepted.
 */
const FORBIDDEN_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Finds what class-transformer would silently drop or PostgreSQL would refuse, anywhere in the input. */
function findUnsafe(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? `${path || 'value'} must not contain NUL characters` : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafe(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const field = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key) || key.includes('\u0000')) return `property ${field} is not allowed`;
      const found = findUnsafe((value as Record<string, unknown>)[key], field);
      if (found) return found;
    }
  }
  return null;
}

/**
 * class-validator at the edge, strict: the body must be a JSON object; unknown fields, prototype
 * keys and NUL characters are refused (never silently dropped); every message names its field.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      exceptionFactory: (errors) => {
        const fields = flatten(errors);
        const detail = fields.map((f) => f.messages.join('; ')).join('; ') || 'The request is invalid.';
        return new ApiError(400, 'validation_failed', detail, { errors: fields });
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined) value = {}; // a POST without a body is an empty object
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ApiError(400, 'validation_failed', 'The request body must be a JSON object.');
      }
    }
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const unsafe = findUnsafe(value, '');
      if (unsafe) throw new ApiError(400, 'validation_failed', unsafe);
    }
    return super.transform(value, metadata);
  }
}

/** For a POST that takes no fields: an empty object (or no body) passes, anything else is a 400 like any unknown field. */
export class NoBodyFields implements PipeTransform<unknown, undefined> {
  transform(value: unknown): undefined {
    const empty = value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
    if (!empty) throw new ApiError(400, 'validation_failed', 'This request takes no body: send {} or nothing.');
    return undefined;
  }
}
