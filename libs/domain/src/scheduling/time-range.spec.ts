import { seededRandom } from '../testing/given-when-then';
import { formatTimeOfDay, MINUTES_PER_DAY, parseTimeOfDay, timeRangeMinutes, timeRangesProblem, tryParseTimeOfDay } from './time-range';

describe('parseTimeOfDay', () => {
  it.each<[string, number]>([
    ['00:00', 0],
    ['00:01', 1],
    ['09:30', 570],
    ['12:00', 720],
    ['19:05', 1145],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('%s is %i minutes after midnight', (value, minutes) => {
    expect(parseTimeOfDay(value)).toBe(minutes);
  });

  it.each([
    '24:01',
    '25:00',
    '29:00',
    '99:99',
    '12:60',
    '-01:00',
    '9:00',
    '09:0',
    '0900',
    '09.00',
    '09:00:00',
    '09:00 ',
    ' 09:00',
    '09:00\n',
    '９:００',
    '٠٩:٣٠',
    '+9:00',
    '0x9:00',
    '1e1:00',
    '09:00am',
    '',
    'noon',
  ])('refuses %p with a RangeError', (value) => {
    expect(() => parseTimeOfDay(value)).toThrow(RangeError);
    expect(tryParseTimeOfDay(value)).toBeNull();
  });

  it('refuses values that are not strings (tryParseTimeOfDay answers null, parseTimeOfDay throws)', () => {
    for (const value of [null, undefined, 540, { hours: 9 }, ['09:00'], new String('09:00')]) {
      expect(tryParseTimeOfDay(value)).toBeNull();
      expect(() => parseTimeOfDay(value as string)).toThrow(RangeError);
    }
  });

  it('round-trips with formatTimeOfDay for every minute of the day', () => {
    for (let minutes = 0; minutes <= MINUTES_PER_DAY; minutes++) {
      expect(parseTimeOfDay(formatTimeOfDay(minutes))).toBe(minutes);
    }
  });

  it('preserves order: a later wall-clock time is always more minutes', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const a = formatTimeOfDay(random.int(0, MINUTES_PER_DAY));
      const b = formatTimeOfDay(random.int(0, MINUTES_PER_DAY));
      // Zero-padded "HH:mm" sorts as text exactly as it does as minutes.
      expect(Math.sign(parseTimeOfDay(a) - parseTimeOfDay(b))).toBe(Math.sign(a.localeCompare(b)));
    }
  });
});

describe('formatTimeOfDay', () => {
  it.each([-1, 1441, 1.5, Number.NaN, Infinity])('refuses %p', (minutes) => {
    expect(() => formatTimeOfDay(minutes)).toThrow(RangeError);
  });
});

describe('timeRangeMinutes', () => {
  it('gives a range as minutes since midnight', () => {
    expect(timeRangeMinutes({ start: '22:30', end: '24:00' })).toEqual({ start: 1350, end: 1440 });
  });
});

describe('timeRangesProblem', () => {
  const r = (start: string, end: string) => ({ start, end });
  it.each([
    ['no ranges', []],
    ['the whole day', [r('00:00', '24:00')]],
    ['touching ranges', [r('09:00', '10:00'), r('10:00', '11:00')]],
    ['ranges in any order', [r('15:00', '16:00'), r('09:00', '10:00'), r('12:00', '15:00')]],
  ])('accepts %s', (_, ranges) => {
    expect(timeRangesProblem(ranges, 12)).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ['not a list', r('09:00', '10:00'), /list/],
    ['too many ranges', [r('09:00', '10:00'), r('10:00', '11:00'), r('11:00', '12:00')], /at most 2/],
    ['a null range', [null], /start, end/],
    ['a missing end', [{ start: '09:00' }], /start, end/],
    ['a start of 24:00', [r('24:00', '24:00')], /start/],
    ['an end of 24:30', [r('09:00', '24:30')], /end/],
    ['an end before the start', [r('09:00', '08:00')], /09:00-08:00/],
    ['overlap', [r('09:00', '10:00'), r('09:59', '11:00')], /overlapping ranges: 09:00-10:00 and 09:59-11:00/],
  ])('refuses %s', (_, ranges, message) => {
    expect(timeRangesProblem(ranges, 2)).toMatch(message);
  });
});
