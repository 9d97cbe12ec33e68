import { endOfLocalDate, localMonthOf, startOfLocalDate } from './local-dates';

describe('Local dates of the books', () => {
  it('turns a local date into its first instant and its end, across a daylight-saving change', () => {
    expect(startOfLocalDate('2026-03-29', 'Europe/Berlin')).toBe('2026-03-28T23:00:00.000Z');
    expect(endOfLocalDate('2026-03-29', 'Europe/Berlin')).toBe('2026-03-29T22:00:00.000Z'); // a 23-hour day
    expect(startOfLocalDate('2026-04-01', 'America/New_York')).toBe('2026-04-01T04:00:00.000Z');
  });

  it('finds the local month of an instant: 00:30 on 1 April in Berlin is April, though March in UTC', () => {
    expect(localMonthOf('2026-03-31T22:30:00.000Z', 'Europe/Berlin')).toEqual({ from: '2026-03-31T22:00:00.000Z', to: '2026-04-30T22:00:00.000Z' });
    expect(localMonthOf('2026-03-31T22:30:00.000Z', 'UTC')).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
  });
});
