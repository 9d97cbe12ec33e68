import { decodeCursor, encodeCursor } from './cursor';
import { ApiError } from './problem';

const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '0190a6c2-7d3e-7b1a-9c4d-5e6f7a8b9c0d';

describe('page cursors', () => {
  it.each([
    ['2026-03-01T12:00:00.123Z', 'booking_nudge:x'],
    ['2026-03-01T12:00:00.123456Z', 'evt_1'],
    ['2026-03-01T12:00:00Z', 'x'],
  ])('round-trips what it wrote: %s', (at, id) => expect(decodeCursor(encodeCursor(at, id), { code: 'invalid_cursor' })).toEqual({ at, id }));

  it('reads an older Stripe delivery-log cursor (microseconds, no Z) as UTC', () => {
    expect(decodeCursor(raw(['2026-03-01T12:00:00.123456', 'evt_1']), { code: 'validation_failed' })).toEqual({ at: '2026-03-01T12:00:00.123456Z', id: 'evt_1' });
  });

  it('takes a uuid id where the list asks for one', () => {
    expect(decodeCursor(encodeCursor('2026-03-01T12:00:00.000Z', UUID), { code: 'validation_failed', uuidId: true }).id).toBe(UUID);
  });

  const bad: [string, string][] = [
    ['not base64url', 'a b'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['a bare id (an old webhook-log cursor)', UUID],
    ['an object', raw({ at: '2026-03-01T12:00:00Z', id: 'x' })],
    ['three items', raw(['2026-03-01T12:00:00Z', 'x', 'y'])],
    ['a number for the instant', raw([1, 'x'])],
    ['a date only', raw(['2020-02-28', 'x'])],
    ['a date that does not exist', raw(['2020-02-30T00:00:00Z', 'x'])],
    ['month 13', raw(['2024-13-45T99:99:99.000000', 'x'])],
    ['hour 24', raw(['2024-01-01T24:00:00Z', 'x'])],
    ['year 0', raw(['0000-01-01T00:00:00Z', 'x'])],
    ['an offset', raw(['2026-03-01T12:00:00+01:00', 'x'])],
    ['seven fraction digits', raw(['2026-03-01T12:00:00.1234567Z', 'x'])],
    ['an empty id', raw(['2026-03-01T12:00:00Z', ''])],
    ['a long id', raw(['2026-03-01T12:00:00Z', 'x'.repeat(256)])],
    ['a number for the id', raw(['2026-03-01T12:00:00Z', 7])],
    ['a NUL in the id (PostgreSQL refuses it in text: a 500)', raw(['2026-03-01T12:00:00Z', 'a\u0000b'])],
    ['a line break in the id', raw(['2026-03-01T12:00:00Z', 'a\nb'])],
  ];
  it.each(bad)('refuses %s with a 400 problem of the list’s code', (_, cursor) => {
    for (const code of ['invalid_cursor', 'validation_failed'] as const) {
      let thrown: unknown;
      try {
        decodeCursor(cursor, { code });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).getStatus()).toBe(400);
      expect((thrown as ApiError).code).toBe(code);
    }
  });

  it('refuses a non-uuid id where the list asks for one', () => {
    expect(() => decodeCursor(encodeCursor('2026-03-01T12:00:00Z', "x' OR 1"), { code: 'validation_failed', uuidId: true })).toThrow(ApiError);
  });
});
