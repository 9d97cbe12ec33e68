import { WeeklyHours } from '../scheduling/scheduling.types';
import { BadgeInput, offeringBadge } from './offering-badge';
import { OfferingState } from './offering.decider';
import { OFFERING_FIELD_DEFAULTS } from './offering.events';

type Offering = Extract<OfferingState, { exists: true }>;
type Schedule = NonNullable<BadgeInput['schedule']>;

const CLOSED: WeeklyHours = { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };
const MORNINGS: WeeklyHours = { ...CLOSED, monday: [{ start: '09:00', end: '12:00' }] };

const TODAY = '2026-06-15';
const NOW = '2026-06-15T14:00:00.000Z';

const offering = (changes: Partial<Offering> = {}): Offering => ({
  exists: true,
  offeringId: 'off-1',
  status: 'active',
  deleted: false,
  name: '10 sessions',
  description: null,
  sessionCount: 10,
  price: { amount: 90000, currency: 'USD' },
  validity: { kind: 'days', days: 90 },
  ...structuredClone(OFFERING_FIELD_DEFAULTS),
  scheduleId: 'sch-1',
  sessionTypeIds: ['pt-60'],
  ...changes,
});

const schedule = (changes: Partial<Schedule> = {}): Schedule => ({
  host: 'Coach Ada',
  timezone: 'Europe/Berlin',
  weeklyHours: MORNINGS,
  overrides: [],
  sessionTypeIds: ['pt-60'],
  active: true,
  today: TODAY,
  ...changes,
});

/** An offering with availability, one package sold with credits left and free slots ahead: no badge. */
const input = (changes: Partial<BadgeInput> = {}): BadgeInput => ({
  offering: offering(),
  now: NOW,
  timezone: 'America/New_York',
  schedule: schedule(),
  creditsOpen: 5,
  packagesSold: 1,
  slotsAhead: { offered: 12, free: 12 },
  ...changes,
});

const fixedDate = (date: string) => offering({ validity: { kind: 'fixed_date', date } });

describe('offeringBadge', () => {
  it('is null when nothing calls for a badge', () => {
    expect(offeringBadge(input())).toBeNull();
  });

  describe("'expired': the fixed expiration date has passed", () => {
    it('from the first instant after the last day, in the tenant’s zone (not UTC, not the schedule’s)', () => {
      // 2026-06-14 in New York ends at 2026-06-15T04:00Z.
      const lastDay = fixedDate('2026-06-14');
      expect(offeringBadge(input({ offering: lastDay, now: '2026-06-15T03:59:59.999Z' }))).toBeNull();
      expect(offeringBadge(input({ offering: lastDay, now: '2026-06-15T04:00:00.000Z' }))).toBe('expired');
      // The same date for a tenant in UTC ended four hours earlier; in Tokyo, the day before.
      expect(offeringBadge(input({ offering: lastDay, now: '2026-06-15T00:00:00.000Z', timezone: 'UTC' }))).toBe('expired');
      expect(offeringBadge(input({ offering: lastDay, now: '2026-06-15T00:00:00.000Z' }))).toBeNull();
      expect(offeringBadge(input({ offering: lastDay, now: '2026-06-14T15:00:00.000Z', timezone: 'Asia/Tokyo' }))).toBe('expired');
    });

    it('not while the last day lasts, nor before it', () => {
      expect(offeringBadge(input({ offering: fixedDate(TODAY) }))).toBeNull();
      expect(offeringBadge(input({ offering: fixedDate('2027-01-31') }))).toBeNull();
    });

    it('never for validity in days or no expiry, however late it is', () => {
      const later = '2099-01-01T00:00:00.000Z';
      expect(offeringBadge(input({ offering: offering({ validity: { kind: 'days', days: 1 } }), now: later }))).toBeNull();
      expect(offeringBadge(input({ offering: offering({ validity: { kind: 'none' } }), now: later }))).toBeNull();
    });
  });

  describe("'no_availability': its schedule cannot offer anything", () => {
    it.each<[string, Partial<BadgeInput>]>([
      ['the schedule is missing', { schedule: null, slotsAhead: null }],
      ['the schedule is inactive', { schedule: schedule({ active: false }), slotsAhead: null }],
      ['no weekly hours and no overrides', { schedule: schedule({ weeklyHours: CLOSED }) }],
      ['no weekly hours, only days off', { schedule: schedule({ weeklyHours: CLOSED, overrides: [{ date: '2026-06-20', hours: [] }] }) }],
      ['no weekly hours, override hours only in the past', { schedule: schedule({ weeklyHours: CLOSED, overrides: [{ date: '2026-06-14', hours: [{ start: '09:00', end: '10:00' }] }] }) }],
    ])('%s', (_, changes) => {
      expect(offeringBadge(input(changes))).toBe('no_availability');
    });

    it.each<[string, Partial<Schedule>]>([
      ['weekly hours on a single day', { weeklyHours: { ...CLOSED, sunday: [{ start: '23:00', end: '24:00' }] } }],
      ['no weekly hours, but override hours today', { weeklyHours: CLOSED, overrides: [{ date: TODAY, hours: [{ start: '09:00', end: '10:00' }] }] }],
      ['no weekly hours, but override hours ahead', { weeklyHours: CLOSED, overrides: [{ date: '2026-12-24', hours: [{ start: '09:00', end: '10:00' }] }] }],
      ['weekly hours, with some days off', { overrides: [{ date: '2026-06-22', hours: [] }] }],
    ])('not with %s', (_, changes) => {
      expect(offeringBadge(input({ schedule: schedule(changes) }))).toBeNull();
    });

    it('not for an offering that books any schedule (none linked)', () => {
      expect(offeringBadge(input({ offering: offering({ scheduleId: null }), schedule: null, slotsAhead: null }))).toBeNull();
    });
  });

  describe("'fully_booked': every credit sold is booked, or no free slot ahead", () => {
    it('when packages were sold and no credit is open', () => {
      expect(offeringBadge(input({ packagesSold: 3, creditsOpen: 0 }))).toBe('fully_booked');
    });

    it('not when nothing was sold yet (no credits is not "all booked")', () => {
      expect(offeringBadge(input({ packagesSold: 0, creditsOpen: 0 }))).toBeNull();
    });

    it('not while a single credit is open', () => {
      expect(offeringBadge(input({ packagesSold: 3, creditsOpen: 1 }))).toBeNull();
    });

    it('when no free slot is left ahead, even with credits open or nothing sold', () => {
      expect(offeringBadge(input({ slotsAhead: { offered: 5, free: 0 } }))).toBe('fully_booked');
      // Nothing offered at all in the window (hours far ahead, session type paused) is no availability, not fully booked.
      expect(offeringBadge(input({ slotsAhead: { offered: 0, free: 0 } }))).toBe('no_availability');
      expect(offeringBadge(input({ slotsAhead: { offered: 5, free: 0 }, packagesSold: 0, creditsOpen: 0 }))).toBe('fully_booked');
    });

    it('not when free slots were not computed (no schedule linked), nor while one is free', () => {
      expect(offeringBadge(input({ offering: offering({ scheduleId: null }), schedule: null, slotsAhead: null }))).toBeNull();
      expect(offeringBadge(input({ slotsAhead: { offered: 5, free: 1 } }))).toBeNull();
    });

    it('also for an offering that books any schedule, once its credits are all booked', () => {
      expect(offeringBadge(input({ offering: offering({ scheduleId: null }), schedule: null, slotsAhead: null, creditsOpen: 0 }))).toBe('fully_booked');
    });
  });

  describe('precedence: expired, then no_availability, then fully_booked', () => {
    const expired = fixedDate('2026-06-01');
    const fullyBooked = { packagesSold: 2, creditsOpen: 0, slotsAhead: { offered: 5, free: 0 } };

    it('expired beats no_availability and fully_booked', () => {
      expect(offeringBadge(input({ offering: expired, schedule: schedule({ active: false }), slotsAhead: null }))).toBe('expired');
      expect(offeringBadge(input({ offering: expired, schedule: null, slotsAhead: null }))).toBe('expired');
      expect(offeringBadge(input({ offering: expired, ...fullyBooked }))).toBe('expired');
      expect(offeringBadge(input({ offering: expired, schedule: schedule({ weeklyHours: CLOSED }), ...fullyBooked }))).toBe('expired');
    });

    it('no_availability beats fully_booked (by credits or by slots)', () => {
      expect(offeringBadge(input({ schedule: schedule({ active: false }), ...fullyBooked }))).toBe('no_availability');
      expect(offeringBadge(input({ schedule: schedule({ weeklyHours: CLOSED }), ...fullyBooked }))).toBe('no_availability');
      expect(offeringBadge(input({ schedule: null, ...fullyBooked }))).toBe('no_availability');
    });

    it('fully_booked by credits and by slots at once is one badge', () => {
      expect(offeringBadge(input(fullyBooked))).toBe('fully_booked');
    });
  });

  it('reads its input without changing it', () => {
    const given = input({ schedule: schedule({ overrides: [{ date: '2026-06-20', hours: [] }] }) });
    const copy = structuredClone(given);
    offeringBadge(given);
    expect(given).toEqual(copy);
  });
});
