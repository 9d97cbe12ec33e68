import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { CatalogStatus, ScheduleFields, SessionTypeFields, TimeRange, WEEKDAYS, WeeklyHours } from '../scheduling/scheduling.types';
import { slotsOn } from '../scheduling/slots';
import { DomainError } from '../shared/domain-error';
import { codesRaisedIn, exercisedCodes, givenWhenThen, seededRandom } from '../testing/given-when-then';
import {
  BookingTarget,
  checkSlot,
  decideReleaseSlot,
  decideReserveSlot,
  evolveScheduleDay,
  findOfferedSlot,
  initialScheduleDayState,
  ReserveSlot,
  ScheduleDayEvent,
  ScheduleDayState,
  scheduleDayStreamId,
  SlotRefusal,
  SlotReleased,
} from './schedule-day';

// ---- a Berlin schedule open 09:00-17:00 on weekdays; "now" is Monday 2026-06-01 08:00 local ----
const ZONE = 'Europe/Berlin';
const NOW = '2026-06-01T06:00:00.000Z';
const MON = '2026-06-01';
const WED = '2026-06-03';
const r = (start: string, end: string): TimeRange => ({ start, end });
const weekdays = (...ranges: TimeRange[]): WeeklyHours =>
  Object.fromEntries(WEEKDAYS.map((day) => [day, day === 'saturday' || day === 'sunday' ? [] : ranges])) as WeeklyHours;
const SCHEDULE: ScheduleFields = {
  host: 'Coach Ada',
  timezone: ZONE,
  weeklyHours: weekdays(r('09:00', '17:00')),
  overrides: [],
  sessionTypeIds: ['private', 'group', 'short', 'wide'],
  active: true,
};

type SessionType = SessionTypeFields & { status: CatalogStatus };
const sessionType = (fields: Partial<SessionType>): SessionType => ({
  name: 'Session',
  description: null,
  coverImageUrl: null,
  durationMinutes: 60,
  capacity: 1,
  price: { amount: 5000, currency: 'EUR' },
  nonMemberPrice: null,
  location: null,
  bufferMinutes: 0,
  minLeadHours: 0,
  maxLeadDays: null,
  maxSessionsPerDay: null,
  status: 'active',
  ...fields,
});
/** Session types: their grids from 09:00 step by duration + buffer. */
const TYPES: Record<string, SessionType> = {
  private: sessionType({ durationMinutes: 45, bufferMinutes: 15, capacity: 1, minLeadHours: 2, maxLeadDays: 60 }), // 09:00, 10:00, ...
  group: sessionType({ durationMinutes: 60, capacity: 3, maxSessionsPerDay: 2 }), // 09:00, 10:00, ...
  short: sessionType({ durationMinutes: 30 }), // 09:00, 09:30, ...
  wide: sessionType({ durationMinutes: 30, bufferMinutes: 30 }), // 09:00, 10:00, ...
};
const target = (sessionTypeId: string, type: Partial<SessionType> = {}, schedule: Partial<ScheduleFields> = {}): BookingTarget => ({
  scheduleId: 'sch-1',
  schedule: { ...SCHEDULE, ...schedule },
  sessionTypeId,
  sessionType: { ...(TYPES[sessionTypeId] ?? sessionType({})), ...type },
});

/** The UTC instant of a Berlin wall-clock time (on Wednesday unless told). */
const at = (time: string, date = WED) => DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toUTC().toISO()!;

type DayCommand = ReserveSlot | { type: 'ReleaseSlot'; bookingId: string; reason: SlotReleased['data']['reason'] };
type DayCtx = { target: BookingTarget; now: string; date?: string; busy?: { start: string; end: string }[]; past?: boolean };
const given = givenWhenThen<DayCommand, ScheduleDayState, ScheduleDayEvent, DayCtx>({
  initialState: initialScheduleDayState,
  decide: (command, state, ctx) =>
    command.type === 'ReserveSlot'
      ? decideReserveSlot(command, state, ctx.target, ctx.now, { busy: ctx.busy, past: ctx.past })
      : decideReleaseSlot(command.bookingId, command.reason, state, ctx.target.scheduleId, ctx.date ?? WED),
  evolve: evolveScheduleDay,
});
const reserve = (bookingId: string, time: string, date = WED): DayCommand => ({ type: 'ReserveSlot', bookingId, start: at(time, date) });
const release = (bookingId: string, reason: SlotReleased['data']['reason'] = 'cancelled'): DayCommand => ({ type: 'ReleaseSlot', bookingId, reason });
const ctxFor = (sessionTypeId: string, type: Partial<SessionType> = {}, schedule: Partial<ScheduleFields> = {}, now = NOW): DayCtx => ({
  target: target(sessionTypeId, type, schedule),
  now,
});

/** The SlotReserved event a reservation of `sessionTypeId` at a Berlin wall-clock time records. */
const reserved = (bookingId: string, sessionTypeId: string, time: string, date = WED, type: Partial<SessionType> = {}): ScheduleDayEvent => {
  const t = { ...TYPES[sessionTypeId], ...type };
  const start = at(time, date);
  return {
    type: 'SlotReserved',
    data: {
      scheduleId: 'sch-1',
      date,
      bookingId,
      sessionTypeId,
      start,
      end: DateTime.fromISO(start).plus({ minutes: t.durationMinutes }).toUTC().toISO()!,
      bufferMinutes: t.bufferMinutes,
      capacity: t.capacity,
    },
  };
};
const released = (bookingId: string, reason: SlotReleased['data']['reason'] = 'cancelled', date = WED): ScheduleDayEvent => ({
  type: 'SlotReleased',
  data: { scheduleId: 'sch-1', date, bookingId, reason },
});
const fold = (events: ScheduleDayEvent[]) => events.reduce(evolveScheduleDay, initialScheduleDayState);
const slotAt = (sessionTypeId: string, time: string, date = WED) => findOfferedSlot(target(sessionTypeId), at(time, date))!;

describe('ReserveSlot', () => {
  it('reserves an offered slot: the session’s UTC start and end, its local date, and the type’s buffer and capacity', () => {
    const state = given([]).when(reserve('b1', '10:00'), ctxFor('private')).then([
      {
        type: 'SlotReserved',
        data: {
          scheduleId: 'sch-1',
          date: WED,
          bookingId: 'b1',
          sessionTypeId: 'private',
          start: '2026-06-03T08:00:00.000Z',
          end: '2026-06-03T08:45:00.000Z',
          bufferMinutes: 15,
          capacity: 1,
        },
      },
    ]);
    expect(state.reservations).toHaveLength(1);
    expect(scheduleDayStreamId('sch-1', WED)).toBe('schedule-sch-1-day-2026-06-03');
  });

  it('a session just after local midnight belongs to its local date (the UTC date before)', () => {
    const night = ctxFor('short', {}, { overrides: [{ date: WED, hours: [r('00:00', '02:00')] }] });
    const event = reserved('b1', 'short', '00:30');
    expect(event.data).toMatchObject({ date: WED, start: '2026-06-02T22:30:00.000Z', end: '2026-06-02T23:00:00.000Z' });
    given([]).when(reserve('b1', '00:30'), night).then([event]);
  });

  it('one booking holds at most one seat of a day: booking_already_exists', () => {
    given([reserved('b1', 'group', '10:00')]).when(reserve('b1', '10:00'), ctxFor('group')).thenFails('booking_already_exists');
    given([reserved('b1', 'group', '10:00')]).when(reserve('b1', '14:00'), ctxFor('group')).thenFails('booking_already_exists');
  });
});

describe('capacity', () => {
  it('a group session is shared by bookings of the same start; the last seat can be taken, then it is full: slot_full', () => {
    const one = reserved('b1', 'group', '10:00');
    const two = reserved('b2', 'group', '10:00');
    given([one]).when(reserve('b2', '10:00'), ctxFor('group')).then([two]);
    expect(checkSlot(target('group'), slotAt('group', '10:00'), fold([one, two]), NOW)).toEqual({ seatsLeft: 1 });
    given([one, two]).when(reserve('b3', '10:00'), ctxFor('group')).then([reserved('b3', 'group', '10:00')]);
    given([one, two, reserved('b3', 'group', '10:00')]).when(reserve('b4', '10:00'), ctxFor('group')).thenFails('slot_full');
  });

  it('a private session takes one booking: slot_full', () => {
    expect(checkSlot(target('private'), slotAt('private', '10:00'), initialScheduleDayState, NOW)).toEqual({ seatsLeft: 1 });
    given([reserved('b1', 'private', '10:00')]).when(reserve('b2', '10:00'), ctxFor('private')).thenFails('slot_full');
  });

  it('capacity is the session type’s current one: lowered, the session is full; raised, it has seats again', () => {
    const two = [reserved('b1', 'group', '10:00'), reserved('b2', 'group', '10:00')];
    given(two).when(reserve('b3', '10:00'), ctxFor('group', { capacity: 2 })).thenFails('slot_full');
    given(two).when(reserve('b3', '10:00'), ctxFor('group', { capacity: 1 })).thenFails('slot_full');
    given(two).when(reserve('b3', '10:00'), ctxFor('group', { capacity: 5 })).then([reserved('b3', 'group', '10:00', WED, { capacity: 5 })]);
  });

  it('a released seat can be booked again', () => {
    const full = [reserved('b1', 'group', '10:00'), reserved('b2', 'group', '10:00'), reserved('b3', 'group', '10:00')];
    given([...full, released('b2')]).when(reserve('b4', '10:00'), ctxFor('group')).then([reserved('b4', 'group', '10:00')]);
  });

  it('other sessions of the same type do not take seats of this one', () => {
    const elsewhere = [reserved('b1', 'group', '09:00'), reserved('b2', 'group', '09:00'), reserved('b3', 'group', '09:00')];
    expect(checkSlot(target('group'), slotAt('group', '10:00'), fold(elsewhere), NOW)).toEqual({ seatsLeft: 3 });
  });
});

describe('busy times from external calendars (ADR 0026)', () => {
  const busy = [{ start: at('10:15'), end: at('10:45') }];
  it('given the host is busy 10:15–10:45, when a session overlapping it is reserved, then slot_busy; sessions around it are fine', () => {
    given([]).when(reserve('b1', '10:00'), { ...ctxFor('short'), busy }).thenFails('slot_busy');
    given([]).when(reserve('b1', '10:30'), { ...ctxFor('short'), busy }).thenFails('slot_busy');
    given([]).when(reserve('b1', '11:00'), { ...ctxFor('short'), busy }).then([reserved('b1', 'short', '11:00')]);
    given([]).when(reserve('b1', '09:30'), { ...ctxFor('short'), busy }).then([reserved('b1', 'short', '09:30')]);
  });

  it('checkSlot answers slot_busy for a listing, and a past session recorded after the fact is not refused', () => {
    expect(checkSlot(target('short'), slotAt('short', '10:00'), initialScheduleDayState, NOW, { busy })).toEqual({ refusal: 'slot_busy' });
    expect(checkSlot(target('short'), slotAt('short', '10:00'), initialScheduleDayState, NOW, { busy, past: true })).toEqual({ seatsLeft: 1 });
  });
});

describe('overlap and buffers', () => {
  it('another session type at the same start is another session: slot_unavailable', () => {
    given([reserved('b1', 'group', '10:00')]).when(reserve('b2', '10:00'), ctxFor('short')).thenFails('slot_unavailable');
    given([reserved('b1', 'short', '10:00')]).when(reserve('b2', '10:00'), ctxFor('group')).thenFails('slot_unavailable');
  });

  it('the same session type at another, overlapping start is another session, even with seats left: slot_unavailable', () => {
    // The hours moved to 09:30 after a group session was booked at 10:00 on the old grid.
    const shifted = { weeklyHours: weekdays(r('09:30', '17:00')) };
    given([reserved('b1', 'group', '10:00')]).when(reserve('b2', '10:30'), ctxFor('group', {}, shifted)).thenFails('slot_unavailable');
    given([reserved('b1', 'group', '10:00')]).when(reserve('b2', '09:30'), ctxFor('group', {}, shifted)).thenFails('slot_unavailable');
    // 11:30 starts after 11:00, its end (no buffer): fine.
    given([reserved('b1', 'group', '10:00')]).when(reserve('b2', '11:30'), ctxFor('group', {}, shifted)).then([reserved('b2', 'group', '11:30')]);
  });

  it('sessions that touch without buffers are both fine', () => {
    given([reserved('b1', 'short', '10:00')]).when(reserve('b2', '10:30'), ctxFor('short')).then([reserved('b2', 'short', '10:30')]);
    given([reserved('b1', 'short', '10:30')]).when(reserve('b2', '10:00'), ctxFor('short')).then([reserved('b2', 'short', '10:00')]);
    given([reserved('b1', 'group', '10:00')]).when(reserve('b2', '11:00'), ctxFor('short')).then([reserved('b2', 'short', '11:00')]);
  });

  it('the booked session’s buffer keeps a gap after and before it', () => {
    const privateAt10 = reserved('b1', 'private', '10:00'); // 10:00-10:45, buffer 15
    given([privateAt10]).when(reserve('b2', '10:30'), ctxFor('short')).thenFails('slot_unavailable'); // overlaps
    given([privateAt10]).when(reserve('b2', '09:30'), ctxFor('short')).thenFails('slot_unavailable'); // ends 10:00: inside the buffer before
    given([privateAt10]).when(reserve('b2', '11:00'), ctxFor('short')).then([reserved('b2', 'short', '11:00')]); // exactly at the buffer's end
    given([privateAt10]).when(reserve('b2', '09:00'), ctxFor('short')).then([reserved('b2', 'short', '09:00')]); // ends 09:30, 30 min before
  });

  it('the new session’s own buffer counts too: the gap is the larger of the two buffers', () => {
    const shortAt1130 = reserved('b1', 'short', '11:30'); // 11:30-12:00, no buffer
    // wide: 30 min with a 30-minute buffer.
    given([shortAt1130]).when(reserve('b2', '12:00'), ctxFor('wide')).thenFails('slot_unavailable'); // starts at its end, needs 30 min
    given([shortAt1130]).when(reserve('b2', '11:00'), ctxFor('wide')).thenFails('slot_unavailable'); // ends at its start, needs 30 min
    given([shortAt1130]).when(reserve('b2', '13:00'), ctxFor('wide')).then([reserved('b2', 'wide', '13:00')]);
    given([shortAt1130]).when(reserve('b2', '10:00'), ctxFor('wide')).then([reserved('b2', 'wide', '10:00')]); // ends 10:30, 60 min before
    // private (buffer 15) right after a session without buffer.
    given([reserved('b1', 'short', '09:30')]).when(reserve('b2', '10:00'), ctxFor('private')).thenFails('slot_unavailable');
  });

  it('the larger buffer wins, not the sum: 30 min after a 15-min-buffer session is enough for a 30-min-buffer one', () => {
    const privateAt10 = reserved('b1', 'private', '10:00'); // ends 10:45, buffer 15
    // wide (buffer 30) needs max(15, 30) = 30 minutes after 10:45: 11:00 is too early (the private's 15 are not enough)...
    given([privateAt10]).when(reserve('b2', '11:00'), ctxFor('wide')).thenFails('slot_unavailable');
    // ...and 11:15 (on wide's grid when the hours start at 09:15) is enough: the buffers are not added up (that would need 11:30).
    const from0915 = { overrides: [{ date: WED, hours: [r('09:15', '17:00')] }] };
    given([privateAt10]).when(reserve('b2', '11:15'), ctxFor('wide', {}, from0915)).then([reserved('b2', 'wide', '11:15')]);
  });

  it('the buffer recorded with a reservation counts, even if the session type’s buffer changed since', () => {
    const bookedWith30 = reserved('b1', 'short', '10:00', WED, { bufferMinutes: 30 }); // 10:00-10:30, buffer 30
    given([bookedWith30]).when(reserve('b2', '10:30'), ctxFor('short')).thenFails('slot_unavailable');
    given([bookedWith30]).when(reserve('b2', '11:00'), ctxFor('short')).then([reserved('b2', 'short', '11:00')]);
  });
});

describe('sessions per day', () => {
  // group: at most 2 sessions per day; capacity 3.
  const twoSessions = [reserved('b1', 'group', '09:00'), reserved('b2', 'group', '13:00')];

  it('a new session beyond the daily maximum is refused: daily_limit_reached', () => {
    given([reserved('b1', 'group', '09:00')]).when(reserve('b2', '13:00'), ctxFor('group')).then([reserved('b2', 'group', '13:00')]);
    given(twoSessions).when(reserve('b3', '15:00'), ctxFor('group')).thenFails('daily_limit_reached');
  });

  it('joining an existing group session is not a new session', () => {
    given(twoSessions).when(reserve('b3', '09:00'), ctxFor('group')).then([reserved('b3', 'group', '09:00')]);
    given([...twoSessions, reserved('b3', 'group', '09:00'), reserved('b4', 'group', '13:00')])
      .when(reserve('b5', '13:00'), ctxFor('group'))
      .then([reserved('b5', 'group', '13:00')]);
  });

  it('counts sessions, not bookings: three bookings of one session leave room for a second session', () => {
    const oneFullSession = [reserved('b1', 'group', '09:00'), reserved('b2', 'group', '09:00'), reserved('b3', 'group', '09:00')];
    given(oneFullSession).when(reserve('b4', '13:00'), ctxFor('group')).then([reserved('b4', 'group', '13:00')]);
  });

  it('only sessions of the same type count, and a released session no longer does', () => {
    const others = [reserved('b1', 'short', '09:00'), reserved('b2', 'short', '11:00'), reserved('b3', 'private', '14:00')];
    given(others).when(reserve('b4', '10:00'), ctxFor('group', { maxSessionsPerDay: 1 })).then([reserved('b4', 'group', '10:00')]);
    given([...twoSessions, released('b2')]).when(reserve('b3', '15:00'), ctxFor('group')).then([reserved('b3', 'group', '15:00')]);
  });

  it('no maximum (null) lets the day fill up', () => {
    const events: ScheduleDayEvent[] = [];
    for (const [i, time] of ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00'].entries()) {
      given(events).when(reserve(`b${i}`, time), ctxFor('short')).then([reserved(`b${i}`, 'short', time)]);
      events.push(reserved(`b${i}`, 'short', time));
    }
  });
});

describe('lead times', () => {
  it('a session can be booked exactly the minimum lead time ahead, not later: too_late_to_book', () => {
    // private: 2 h minimum lead; now is Monday 08:00 local.
    given([]).when(reserve('b1', '10:00', MON), ctxFor('private')).then([reserved('b1', 'private', '10:00', MON)]);
    given([]).when(reserve('b1', '09:00', MON), ctxFor('private')).thenFails('too_late_to_book');
    given([]).when(reserve('b1', '10:00', MON), ctxFor('private', {}, {}, '2026-06-01T06:00:00.001Z')).thenFails('too_late_to_book');
  });

  it('without a minimum lead, a session that starts now or has started cannot be booked: too_late_to_book', () => {
    const atNine = at('09:00', MON);
    given([]).when(reserve('b1', '09:00', MON), ctxFor('group', {}, {}, atNine)).thenFails('too_late_to_book');
    given([]).when(reserve('b1', '09:00', MON), ctxFor('group', {}, {}, '2026-06-01T07:30:00.000Z')).thenFails('too_late_to_book');
    given([]).when(reserve('b1', '09:00', MON), ctxFor('group', {}, {}, '2026-06-01T06:59:59.999Z')).then([reserved('b1', 'group', '09:00', MON)]);
  });

  it('a session can be booked up to the maximum lead days ahead, not further: too_far_ahead', () => {
    const now = at('09:00', MON); // private: at most 60 days ahead
    given([]).when(reserve('b1', '09:00', '2026-07-31'), ctxFor('private', {}, {}, now)).then([reserved('b1', 'private', '09:00', '2026-07-31')]);
    given([]).when(reserve('b1', '10:00', '2026-07-31'), ctxFor('private', {}, {}, now)).thenFails('too_far_ahead');
    given([]).when(reserve('b1', '09:00', '2026-08-03'), ctxFor('private', {}, {}, now)).thenFails('too_far_ahead');
  });

  it('no maximum lead (null) books far ahead', () => {
    given([]).when(reserve('b1', '10:00', '2028-06-07'), ctxFor('group')).then([reserved('b1', 'group', '10:00', '2028-06-07')]);
  });
});

describe('refusals of the schedule and the session type', () => {
  it('an inactive schedule books nothing: schedule_inactive', () => {
    given([]).when(reserve('b1', '10:00'), ctxFor('group', {}, { active: false })).thenFails('schedule_inactive');
  });

  it.each<CatalogStatus>(['draft', 'paused', 'archived'])('a %s session type is not bookable: session_type_not_bookable', (status) => {
    given([]).when(reserve('b1', '10:00'), ctxFor('group', { status })).thenFails('session_type_not_bookable');
  });

  it('a session type the schedule does not offer: session_type_not_on_schedule', () => {
    given([]).when(reserve('b1', '10:00'), ctxFor('group', {}, { sessionTypeIds: ['private'] })).thenFails('session_type_not_on_schedule');
    given([]).when(reserve('b1', '10:00'), ctxFor('yoga')).thenFails('session_type_not_on_schedule');
  });

  it.each<[string, string, string, Partial<ScheduleFields>]>([
    ['off the grid (10:10)', '10:10', WED, {}],
    ['off the grid of a 60-minute step (10:30 for 45 + 15 min)', '10:30', WED, {}],
    ['before the hours', '08:00', WED, {}],
    ['at the end of the hours', '17:00', WED, {}],
    ['ending after the hours', '16:30', WED, { weeklyHours: weekdays(r('09:00', '16:30'), r('16:30', '17:10')) }],
    ['on a closed weekday', '10:00', '2026-06-06', {}],
    ['on a day off (override)', '10:00', WED, { overrides: [{ date: WED, hours: [] }] }],
    ['outside the hours an override sets', '10:00', WED, { overrides: [{ date: WED, hours: [r('14:00', '17:00')] }] }],
  ])('a time the schedule does not offer is refused: %s: slot_not_offered', (_, time, date, schedule) => {
    given([]).when(reserve('b1', time, date), ctxFor('private', {}, schedule)).thenFails('slot_not_offered');
  });

  it('a time not offered is refused before any other check', () => {
    given([]).when(reserve('b1', '10:10'), ctxFor('private', { status: 'paused' }, { active: false })).thenFails('slot_not_offered');
  });

  it('the second 01:30 of an autumn night is not offered, the first is (America/New_York, 2026-11-01)', () => {
    const ny = { timezone: 'America/New_York', weeklyHours: Object.fromEntries(WEEKDAYS.map((d) => [d, [r('00:00', '04:00')]])) as WeeklyHours };
    const ctx = ctxFor('short', {}, ny, '2026-10-01T00:00:00.000Z');
    given([]).when({ type: 'ReserveSlot', bookingId: 'b1', start: '2026-11-01T06:30:00.000Z' }, ctx).thenFails('slot_not_offered');
    const [event] = decideReserveSlot({ type: 'ReserveSlot', bookingId: 'b1', start: '2026-11-01T05:30:00.000Z' }, initialScheduleDayState, ctx.target, ctx.now);
    expect(event.data).toMatchObject({ date: '2026-11-01', start: '2026-11-01T05:30:00.000Z', end: '2026-11-01T06:00:00.000Z' });
  });

  it('across the spring-forward gap, sessions that overlap in elapsed time are never both booked (America/New_York, 2026-03-08)', () => {
    const ny = { timezone: 'America/New_York', weeklyHours: Object.fromEntries(WEEKDAYS.map((d) => [d, [r('01:00', '06:00')]])) as WeeklyHours };
    const t = target('short', { durationMinutes: 45 }, ny);
    let day = initialScheduleDayState;
    for (const [i, slot] of slotsOn(t.schedule, t.sessionType, '2026-03-08').entries()) {
      try {
        day = decideReserveSlot({ type: 'ReserveSlot', bookingId: `b${i}`, start: slot.start }, day, t, '2026-03-01T00:00:00.000Z').reduce(evolveScheduleDay, day);
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('slot_unavailable');
      }
    }
    const sorted = [...day.reservations].sort((a, b) => a.start.localeCompare(b.start));
    expect(sorted.length).toBeGreaterThan(3);
    for (let i = 1; i < sorted.length; i++) expect(Date.parse(sorted[i].start)).toBeGreaterThanOrEqual(Date.parse(sorted[i - 1].end));
  });
});

describe('ReleaseSlot', () => {
  it('releases a booking’s seat, with the reason', () => {
    const state = given([reserved('b1', 'private', '10:00')]).when(release('b1'), ctxFor('private')).then([released('b1')]);
    expect(state.reservations).toEqual([]);
    given([reserved('b1', 'private', '10:00')]).when(release('b1', 'rescheduled'), ctxFor('private')).then([released('b1', 'rescheduled')]);
  });

  it('releases only that booking; others of the same session keep their seats', () => {
    const state = given([reserved('b1', 'group', '10:00'), reserved('b2', 'group', '10:00')]).when(release('b1'), ctxFor('group')).then([released('b1')]);
    expect(state.reservations.map((x) => x.bookingId)).toEqual(['b2']);
  });

  it('releasing a booking that holds no seat that day records nothing (a retry is harmless)', () => {
    given([]).when(release('b1'), ctxFor('group')).then([]);
    given([reserved('b1', 'group', '10:00'), released('b1')]).when(release('b1'), ctxFor('group')).then([]);
    given([reserved('b2', 'group', '10:00')]).when(release('b1'), ctxFor('group')).then([]);
  });
});

describe('invariants over random reserve/release sequences on one day (seeded)', () => {
  it('no session holds more bookings than its capacity and no two sessions overlap (buffers included)', () => {
    const refusals = new Set<SlotRefusal | string>();
    let reservedCount = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const types = Object.keys(TYPES);
      const capacities = Object.fromEntries(types.map((t) => [t, random.int(1, 4)]));
      let day = initialScheduleDayState;
      for (let step = 0; step < 120; step++) {
        if (day.reservations.length > 0 && random.chance(0.25)) {
          const { bookingId } = random.pick(day.reservations);
          day = decideReleaseSlot(bookingId, 'cancelled', day, 'sch-1', WED).reduce(evolveScheduleDay, day);
          continue;
        }
        const typeId = random.pick(types);
        const t = target(typeId, { capacity: capacities[typeId], maxSessionsPerDay: random.chance(0.5) ? null : 3 });
        const slots = slotsOn(t.schedule, t.sessionType, WED);
        const start = random.chance(0.9) ? random.pick(slots).start : at(`1${random.int(0, 6)}:${random.pick(['05', '20', '40'])}`);
        try {
          day = decideReserveSlot({ type: 'ReserveSlot', bookingId: `s${seed}-b${step}`, start }, day, t, NOW).reduce(evolveScheduleDay, day);
          reservedCount++;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          refusals.add(error.code);
        }
        const where = `seed ${seed}, step ${step}`;
        const sessions = new Map<string, typeof day.reservations>();
        for (const res of day.reservations) sessions.set(`${res.sessionTypeId}@${res.start}`, [...(sessions.get(`${res.sessionTypeId}@${res.start}`) ?? []), res]);
        for (const [key, seats] of sessions) {
          if (seats.length > capacities[seats[0].sessionTypeId]) throw new Error(`${where}: ${key} holds ${seats.length} bookings`);
        }
        const list = [...sessions.values()].map((seats) => seats[0]);
        for (const a of list) {
          for (const b of list) {
            if (a === b) continue;
            const gap = Math.max(a.bufferMinutes, b.bufferMinutes) * 60_000;
            if (Date.parse(a.start) < Date.parse(b.end) + gap && Date.parse(b.start) < Date.parse(a.end) + gap) {
              throw new Error(`${where}: ${a.sessionTypeId}@${a.start} and ${b.sessionTypeId}@${b.start} overlap`);
            }
          }
        }
      }
    }
    expect(reservedCount).toBeGreaterThan(200);
    expect([...refusals].sort()).toEqual(['daily_limit_reached', 'slot_full', 'slot_not_offered', 'slot_unavailable']);
  });
});

it('exercises every error code the schedule day can raise, and every slot refusal', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'schedule-day.ts'), 'utf8'));
  const refusals: Record<SlotRefusal, true> = {
    schedule_inactive: true,
    session_type_not_bookable: true,
    session_type_not_on_schedule: true,
    slot_not_offered: true,
    too_late_to_book: true,
    too_far_ahead: true,
    slot_full: true,
    slot_unavailable: true,
    slot_busy: true,
    daily_limit_reached: true,
  };
  expect(raised.length).toBeGreaterThan(0);
  expect([...raised, ...(Object.keys(refusals) as SlotRefusal[])].filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
