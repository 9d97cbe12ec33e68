import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { DateTime } from 'luxon';
import { isHttpUrl, isValidCurrency, isValidIsoDate, isValidTimezone, MINUTES_PER_DAY, tryParseTimeOfDay } from '@punchcard/domain';

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
// The offset as RFC 3339 bounds it (hours 00-23, minutes 00-59): Luxon would read +99:99 as a shift of four days.
const isInstant = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/.test(v) && DateTime.fromISO(v).isValid;
export const IsInstant = rule('isInstant', '$property must be an ISO-8601 instant with a time and an offset, e.g. 2026-03-31T22:00:00Z', isInstant);
/** An instant (as IsInstant), or a calendar date YYYY-MM-DD (a whole local date, e.g. of a report period). */
export const IsInstantOrCalendarDate = rule(
  'isInstantOrCalendarDate',
  '$property must be an ISO-8601 instant with an offset (e.g. 2026-03-31T22:00:00Z) or a calendar date (YYYY-MM-DD)',
  (v) => isInstant(v) || (typeof v === 'string' && isValidIsoDate(v)),
);

/** A wall-clock time "HH:mm" from 00:00 to 23:59 (a range's start). */
export const IsTimeOfDay = rule('isTimeOfDay', '$property must be a time "HH:mm" from 00:00 to 23:59', (v) => {
  const minutes = tryParseTimeOfDay(v);
  return minutes !== null && minutes < MINUTES_PER_DAY;
});
/** A wall-clock time "HH:mm" from 00:00 to 24:00 (a range's end; 24:00 is the end of the day). */
export const IsEndTimeOfDay = rule('isEndTimeOfDay', '$property must be a time "HH:mm" from 00:00 to 24:00', (v) => tryParseTimeOfDay(v) !== null);
/** An absolute http(s) URL. */
export const IsHttpUrl = rule('isHttpUrl', '$property must be an http(s) URL', isHttpUrl);

/**
 * May be left out, but not sent as null: @IsOptional would let null through, which for a field
 * without a "none" value would reach the domain as a 422 instead of a clear 400.
 */
export const OptionalNotNull = () => ValidateIf((_, value) => value !== undefined);

/** A string with at least one non-space character. */
export const NotBlank = rule('notBlank', '$property must not be blank', (v) => typeof v === 'string' && /\S/.test(v));

/** The largest page any list returns: a bigger `limit` is refused (400), never silently capped. */
export const MAX_PAGE_SIZE = 100;

/** A list's `limit` query parameter, 1 to MAX_PAGE_SIZE; the controller applies `defaultSize` when it is left out. */
export const PageLimit = (defaultSize = 20) =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', default: defaultSize, minimum: 1, maximum: MAX_PAGE_SIZE }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_PAGE_SIZE),
  );

export function toUtcInstant(value: string): string {
  return DateTime.fromISO(value, { zone: 'utc' }).toUTC().toISO()!;
}
