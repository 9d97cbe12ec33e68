import { DateTime } from 'luxon';

/**
 * How long a package bought from an offering stays usable.
 * - `days`: valid through the end of the local day N days after the purchase day.
 * - `fixed_date`: valid through the end of that local calendar date.
 * - `none`: never expires.
 * "Local" is the tenant's IANA time zone, so "90 days" means calendar days where the business is,
 * DST shifts included.
 */
export type Validity =
  | { kind: 'days'; days: number }
  | { kind: 'fixed_date'; date: string }
  | { kind: 'none' };

/** The first instant at which the package is no longer usable (exclusive end), or null. */
export function computeExpiresAt(validity: Validity, purchasedAt: string, timezone: string): string | null {
  switch (validity.kind) {
    case 'none':
      return null;
    case 'days': {
      const purchaseDay = DateTime.fromISO(purchasedAt, { zone: 'utc' }).setZone(timezone).startOf('day');
      return toUtcIso(purchaseDay.plus({ days: validity.days + 1 }));
    }
    case 'fixed_date': {
      const lastDay = DateTime.fromISO(validity.date, { zone: timezone }).startOf('day');
      return toUtcIso(lastDay.plus({ days: 1 }));
    }
  }
}

export function isValidIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'utc' }).isValid;
}

/** An IANA zone name (Area/Location, or UTC). Luxon alone would also take "local", "system" or "UTC+5". */
export function isValidTimezone(zone: string): boolean {
  if (zone !== 'UTC' && !/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  return DateTime.local().setZone(zone).isValid;
}

/** Normalised instant form used everywhere (events, documents, comparisons): `2026-01-31T23:00:00.000Z`. */
export function toUtcIso(value: DateTime): string {
  return value.toUTC().toISO()!;
}
