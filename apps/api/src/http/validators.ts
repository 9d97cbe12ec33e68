import { registerDecorator, ValidationOptions } from 'class-validator';
import { DateTime } from 'luxon';
import { isValidCurrency, isValidIsoDate, isValidTimezone } from '../../../../libs/domain/src';

function rule(name: string, message: string, test: (value: unknown) => boolean) {
  return (options?: ValidationOptions) => (target: object, propertyName: string) =>
    registerDecorator({ name, target: target.constructor, propertyName, options: { message, ...options }, validator: { validate: test } });
}

/** An IANA zone such as Europe/Berlin. */
export const IsTimezone = rule('isTimezone', '$property must be an IANA time zone such as Europe/Berlin', (v) => typeof v === 'string' && v.length <= 64 && isValidTimezone(v));
/** An ISO 4217 code such as USD. */
export const IsCurrency = rule('isCurrency', '$property must be an ISO 4217 currency code such as USD', (v) => typeof v === 'string' && isValidCurrency(v));
/** A calendar date YYYY-MM-DD. */
export const IsCalendarDate = rule('isCalendarDate', '$property must be a calendar date (YYYY-MM-DD)', (v) => typeof v === 'string' && isValidIsoDate(v));
/** An instant with date, time and offset, e.g. 2026-03-31T23:59:59Z or 2026-03-31T18:00:00-05:00. */
export const IsInstant = rule(
  'isInstant',
  '$property must be an ISO-8601 instant with a time and an offset, e.g. 2026-03-31T22:00:00Z',
  (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && DateTime.fromISO(v).isValid,
);

/** A string with at least one non-space character. */
export const NotBlank = rule('notBlank', '$property must not be blank', (v) => typeof v === 'string' && /\S/.test(v));

export function toUtcInstant(value: string): string {
  return DateTime.fromISO(value, { zone: 'utc' }).toUTC().toISO()!;
}
