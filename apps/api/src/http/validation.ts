import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './problem';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Unknown fields are refused (never silently dropped), and every message names its field. */
export const validationPipe = new ValidationPipe({
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
