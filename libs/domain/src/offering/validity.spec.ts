import { DateTime } from 'luxon';
import { computeExpiresAt, isValidIsoDate, isValidTimezone } from './validity';

const days = (n: number) => ({ kind: 'days' as const, days: n });
const fixed = (date: string) => ({ kind: 'fixed_date' as const, date });

describe('computeExpiresAt', () => {
  it('none: never expires', () => {
    expect(computeExpiresAt({ kind: 'none' }, '2026-03-02T15:00:00.000Z', 'Europe/Berlin')).toBeNull();
  });

  describe('days: valid through the end of the local day N days after the purchase day, in the tenant zone', () => {
    it.each([
      // zone, purchasedAt (UTC), days, expiresAt (first unusable instant), what it shows
      ['Europe/Berlin', '2026-01-10T12:00:00.000Z', 90, '2026-04-10T22:00:00.000Z', 'bought in winter (CET), ends in summer (CEST)'],
      ['Europe/Berlin', '2026-10-24T10:00:00.000Z', 1, '2026-10-25T23:00:00.000Z', 'the 25-hour fall-back day counts as one day'],
      ['America/New_York', '2026-03-07T15:00:00.000Z', 1, '2026-03-09T04:00:00.000Z', 'bought the day before spring-forward: ends at midnight EDT'],
      ['America/New_York', '2026-03-07T05:00:00.000Z', 1, '2026-03-09T04:00:00.000Z', 'first instant of the local purchase day'],
      ['America/New_York', '2026-03-08T04:59:59.999Z', 1, '2026-03-09T04:00:00.000Z', 'last instant of the local purchase day'],
      ['America/New_York', '2026-03-07T04:59:59.000Z', 1, '2026-03-08T05:00:00.000Z', 'still the previous local day although UTC says March 7'],
      ['Australia/Sydney', '2026-01-15T20:00:00.000Z', 30, '2026-02-15T13:00:00.000Z', 'local day (Jan 16) is ahead of the UTC day'],
      ['Australia/Sydney', '2026-10-04T15:00:00.000Z', 1, '2026-10-06T13:00:00.000Z', 'bought just after spring-forward'],
      ['Australia/Sydney', '2026-04-04T15:00:00.000Z', 1, '2026-04-06T14:00:00.000Z', 'bought on the fall-back day'],
      ['Asia/Kolkata', '2026-01-31T20:00:00.000Z', 28, '2026-03-01T18:30:00.000Z', 'half-hour offset, across a short February'],
      ['America/Santiago', '2026-09-04T15:00:00.000Z', 1, '2026-09-06T04:00:00.000Z', 'DST starts at local midnight: the end is the first instant of Sept 6'],
    ])('%s, bought %s, %i day(s) -> %s (%s)', (zone, purchasedAt, n, expected) => {
      const expiresAt = computeExpiresAt(days(n), purchasedAt, zone);
      expect(expiresAt).toBe(expected);
    });

    it('ends at a local midnight, N+1 calendar days after the purchase day, whatever the DST shifts in between', () => {
      for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata']) {
        for (const n of [1, 7, 30, 90, 365]) {
          const purchasedAt = '2026-03-07T15:00:00.000Z';
          const end = DateTime.fromISO(computeExpiresAt(days(n), purchasedAt, zone)!, { zone });
          const purchaseDay = DateTime.fromISO(purchasedAt, { zone }).startOf('day');
          expect([end.hour, end.minute, end.second, end.millisecond]).toEqual([0, 0, 0, 0]);
          expect(end.diff(purchaseDay, 'days').days).toBeCloseTo(n + 1, 1); // within an hour of N+1 days (DST)
          expect(end.toISODate()).toBe(purchaseDay.plus({ days: n + 1 }).toISODate());
        }
      }
    });

    it('returns the normalised UTC form', () => {
      expect(computeExpiresAt(days(1), '2026-03-07T10:00:00-05:00', 'America/New_York')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });

  describe('fixed_date: valid through the end of that local date', () => {
    it.each([
      ['Europe/Berlin', '2026-12-31', '2026-12-31T23:00:00.000Z'],
      ['America/New_York', '2026-12-31', '2027-01-01T05:00:00.000Z'],
      ['Australia/Sydney', '2026-12-31', '2026-12-31T13:00:00.000Z'],
      ['Asia/Kolkata', '2026-12-31', '2026-12-31T18:30:00.000Z'],
      ['America/New_York', '2026-03-07', '2026-03-08T05:00:00.000Z'], // the next midnight is still EST
      ['America/New_York', '2026-03-08', '2026-03-09T04:00:00.000Z'], // spring-forward day: the next midnight is EDT
      ['America/Santiago', '2026-09-05', '2026-09-06T04:00:00.000Z'], // next local midnight does not exist (DST at 00:00)
    ])('%s, through %s -> %s', (zone, date, expected) => {
      expect(computeExpiresAt(fixed(date), '2026-01-01T00:00:00.000Z', zone)).toBe(expected);
    });

    it('does not depend on the purchase instant', () => {
      const a = computeExpiresAt(fixed('2026-06-30'), '2026-01-01T00:00:00.000Z', 'Europe/Berlin');
      const b = computeExpiresAt(fixed('2026-06-30'), '2026-06-30T21:59:59.000Z', 'Europe/Berlin');
      expect(a).toBe('2026-06-30T22:00:00.000Z');
      expect(b).toBe(a);
    });
  });
});

describe('isValidIsoDate', () => {
  it.each(['2026-01-31', '2028-02-29'])('accepts %s', (value) => expect(isValidIsoDate(value)).toBe(true));
  it.each(['2026-02-29', '2026-02-30', '2026-13-01', '31/12/2026', '2026-1-1', '2026-01-01T00:00:00Z', ''])('rejects %j', (value) =>
    expect(isValidIsoDate(value)).toBe(false),
  );
});

describe('isValidTimezone', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'])('accepts %s', (zone) => expect(isValidTimezone(zone)).toBe(true));
  it.each(['Mars/Olympus_Mons', 'Europe/Berln'])('rejects %s', (zone) => expect(isValidTimezone(zone)).toBe(false));
});
