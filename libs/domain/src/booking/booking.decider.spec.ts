import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { OfferingState } from '../offering/offering.decider';
import { CancellationPolicy, OFFERING_FIELD_DEFAULTS } from '../offering/offering.events';
import { creditsRemaining, evolvePackage, foldPackage, PackageSnapshot, PackageState } from '../package/package.decider';
import { CreditKind, PackageEvent, PackagePurchased } from '../package/package.events';
import { CatalogStatus, ScheduleFields, SessionTypeFields, TimeRange, WEEKDAYS, WeeklyHours } from '../scheduling/scheduling.types';
import { slotsOn } from '../scheduling/slots';
import { DomainError, DomainErrorCode } from '../shared/domain-error';
import { DecisionContext } from '../shared/event';
import { codesRaisedIn, exercisedCodes, seededRandom } from '../testing/given-when-then';
import {
  BookingClient,
  BookingDecision,
  BookingState,
  cancelBooking,
  choosePackage,
  evolveBooking,
  initialBookingState,
  markAttendance,
  packageMismatch,
  placeBooking,
  recordPastSession,
  rescheduleBooking,
} from './booking.decider';
import { upcast } from '../domain-events';
import { BookingEvent, BookingRef, CreditDecision } from './booking.events';
import { BookingTarget, evolveScheduleDay, initialScheduleDayState, ScheduleDayEvent, ScheduleDayState } from './schedule-day';

// ---- time: a Berlin business; "now" is Monday 2026-06-01 08:00 local; sessions mostly on Wednesday ----
const ZONE = 'Europe/Berlin';
const NOW = '2026-06-01T06:00:00.000Z';
const WED = '2026-06-03';
const THU = '2026-06-04';
const at = (time: string, date = WED, zone = ZONE) => DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toISO()!;
const plus = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();
const HOUR = 3_600_000;
const ctxAt = (now: string, timezone = ZONE): DecisionContext => ({ now, timezone });
const ctx = ctxAt(NOW);

// ---- schedules and session types ----
const r = (start: string, end: string): TimeRange => ({ start, end });
const everyDay = (...ranges: TimeRange[]): WeeklyHours => Object.fromEntries(WEEKDAYS.map((day) => [day, ranges])) as WeeklyHours;
const scheduleFields = (overrides: Partial<ScheduleFields> = {}): ScheduleFields => ({
  host: 'Coach Ada',
  timezone: ZONE,
  weeklyHours: everyDay(r('08:00', '20:00')),
  overrides: [],
  sessionTypeIds: ['pt', 'group'],
  active: true,
  ...overrides,
});
type SessionType = SessionTypeFields & { status: CatalogStatus };
const TYPES: Record<string, SessionType> = {
  pt: sessionType({ durationMinutes: 60, capacity: 1, minLeadHours: 1 }),
  group: sessionType({ durationMinutes: 60, capacity: 3 }),
};
function sessionType(fields: Partial<SessionType>): SessionType {
  return {
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
  };
}
const target = (sessionTypeId = 'pt', opts: { scheduleId?: string; schedule?: Partial<ScheduleFields>; type?: Partial<SessionType> } = {}): BookingTarget => ({
  scheduleId: opts.scheduleId ?? 'sch-1',
  schedule: scheduleFields(opts.schedule),
  sessionTypeId,
  sessionType: { ...TYPES[sessionTypeId], ...opts.type },
});
/** A schedule in UTC open all day: any whole hour can be booked, which makes week edges easy to reach. */
const utcTarget = () => target('pt', { scheduleId: 'sch-utc', schedule: { timezone: 'UTC', weeklyHours: everyDay(r('00:00', '24:00')) } });

// ---- offerings, packages, clients ----
const EUR = (amount: number) => ({ amount, currency: 'EUR' });
const POLICY: CancellationPolicy = { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' };
type OfferingFull = Extract<OfferingState, { exists: true }>;
const offering = (overrides: Partial<OfferingFull> = {}): OfferingState => ({
  exists: true,
  offeringId: 'off-1',
  status: 'active',
  name: '5 sessions',
  description: null,
  sessionCount: 5,
  price: EUR(5000),
  validity: { kind: 'days', days: 90 },
  ...OFFERING_FIELD_DEFAULTS,
  cancellationPolicy: POLICY,
  deleted: false,
  ...overrides,
});
const policy = (overrides: Partial<CancellationPolicy>) => offering({ cancellationPolicy: { ...POLICY, ...overrides } });

const PURCHASED_AT = '2026-05-01T10:00:00.000Z';
const EXPIRES_AT = '2026-07-31T22:00:00.000Z';
const pkgRef = (packageId = 'pkg-1', clientId = 'client-1') => ({ packageId, offeringId: 'off-1', clientId });
const purchased = (overrides: Partial<PackagePurchased['data']> = {}): PackageEvent => ({
  type: 'PackagePurchased',
  data: {
    ...pkgRef(),
    offeringName: '5 sessions',
    credits: 5,
    price: EUR(5000),
    payment: { method: 'card', reference: 'ch_1' },
    purchasedAt: PURCHASED_AT,
    expiresAt: EXPIRES_AT,
    visibilityOverride: null,
    ...overrides,
  },
});
/** A credit redeemed by a booking (as placeBooking records it). */
const redeemedFor = (bookingId: string, sessionAt: string, value = 1000, creditKind: CreditKind = 'paid', ref = pkgRef()): PackageEvent => ({
  type: 'SessionRedeemed',
  data: { ...ref, redemptionId: bookingId, bookingId, serviceId: 'pt', note: null, sessionAt, creditKind, value },
});
const reversedFor = (bookingId: string, value = 1000, sessionAt: string | null = null): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...pkgRef(), redemptionId: bookingId, reason: 'Booking cancelled', creditKind: 'paid', value, rule: 'cancelled_within_notice', sessionAt },
});
const goodwill = (delta: number): PackageEvent => ({
  type: 'CreditsAdjusted',
  data: { ...pkgRef(), delta, paidDelta: 0, goodwillDelta: delta, value: 0, reason: 'goodwill' },
});
const expiryChanged = (expiresAt: string): PackageEvent => ({
  type: 'ExpiryChanged',
  data: { ...pkgRef(), previousExpiresAt: EXPIRES_AT, expiresAt, reason: 'ill' },
});
const pkgOf = (...events: PackageEvent[]): PackageState => foldPackage([purchased(), ...events]);
const snapshot = (state: PackageState): PackageSnapshot => {
  if (!state.exists) throw new Error('expected a package');
  return state;
};

const CLIENT: BookingClient = { clientId: 'client-1', groups: ['members'], timezone: null };
const REF: BookingRef = { bookingId: 'b1', clientId: 'client-1', packageId: 'pkg-1', offeringId: 'off-1', scheduleId: 'sch-1', sessionTypeId: 'pt' };

// ---- running the booking functions ----
/** Inputs are deep-frozen, so a decision that mutates what it was given fails loudly. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
/** Runs `decide` and expects a DomainError with `code` (recorded for the "every code" check). */
function fails(decide: () => unknown, code: DomainErrorCode): void {
  let result: unknown;
  let error: unknown;
  try {
    result = decide();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`Expected ${code}, but it succeeded with ${JSON.stringify(result)}`);
  if (!(error instanceof DomainError)) throw error;
  expect(`${error.code}: ${error.message}`).toMatch(new RegExp(`^${code}: `));
  exercisedCodes.add(code);
}
/** Decisions as they are stored (a JSON round trip). */
const stored = (decision: BookingDecision) => JSON.parse(JSON.stringify(decision)) as BookingDecision;

interface PlaceOptions {
  booking?: BookingState;
  day?: ScheduleDayState;
  pkg?: PackageState;
  offering?: OfferingState;
  target?: BookingTarget;
  client?: BookingClient;
  ctx?: DecisionContext;
  otherPackages?: PackageState[];
  busy?: { start: string; end: string }[];
}
const place = (bookingId: string, start: string, o: PlaceOptions = {}) =>
  placeBooking(
    deepFreeze({
      booking: o.booking ?? initialBookingState,
      day: o.day ?? initialScheduleDayState,
      pkg: o.pkg ?? pkgOf(),
      offering: o.offering ?? offering(),
      target: o.target ?? target(),
      client: o.client ?? CLIENT,
      otherPackages: o.otherPackages ?? [],
      ...(o.busy ? { busy: o.busy } : {}),
    }),
    { bookingId, start },
    o.ctx ?? ctx,
  );

/** The streams after a decision: the booking, every day it touched, the package. */
interface World {
  booking: BookingState;
  days: Record<string, ScheduleDayState>;
  pkg: PackageState;
}
const applyDecision = (world: World, decision: BookingDecision): World => ({
  booking: decision.booking.reduce(evolveBooking, world.booking),
  days: Object.fromEntries(
    [...new Set([...Object.keys(world.days), ...Object.keys(decision.days)])].map((key) => [
      key,
      (decision.days[key] ?? []).reduce(evolveScheduleDay, world.days[key] ?? initialScheduleDayState),
    ]),
  ),
  pkg: decision.package.reduce(evolvePackage, world.pkg),
});
/** Booking b1 placed (at NOW) on Wednesday 10:00 with pkg-1, and the streams after it. */
function booked(o: PlaceOptions & { bookingId?: string; start?: string } = {}): World {
  const pkg = o.pkg ?? pkgOf();
  const decision = place(o.bookingId ?? 'b1', o.start ?? at('10:00'), { ...o, pkg });
  return applyDecision({ booking: initialBookingState, days: {}, pkg }, decision);
}
const dayOf = (world: World, key = `sch-1/${WED}`) => world.days[key] ?? initialScheduleDayState;
const openBooking = (state: BookingState) => {
  if (!state.exists) throw new Error('expected a booking');
  return state;
};

const cancel = (world: World, opts: { by?: 'client' | 'business' | 'offering_deleted'; reason?: string | null; offering?: OfferingState; now?: string; day?: ScheduleDayState } = {}) =>
  cancelBooking(
    deepFreeze({ booking: world.booking, day: opts.day ?? dayOf(world, `${openBooking(world.booking).scheduleId}/${openBooking(world.booking).date}`), pkg: world.pkg, offering: opts.offering ?? offering() }),
    { reason: opts.reason === undefined ? 'Client is ill' : opts.reason, by: opts.by ?? 'client' },
    ctxAt(opts.now ?? NOW),
  );
const attend = (world: World, attendance: 'attended' | 'no_show', opts: { offering?: OfferingState; now?: string } = {}) =>
  markAttendance(deepFreeze({ booking: world.booking, pkg: world.pkg, offering: opts.offering ?? offering() }), { attendance }, ctxAt(opts.now ?? at('10:05')));
const reschedule = (
  world: World,
  start: string,
  opts: { target?: BookingTarget; newDay?: ScheduleDayState; offering?: OfferingState; client?: BookingClient; now?: string; ctx?: DecisionContext; pkg?: PackageState; otherPackages?: PackageState[]; busy?: { start: string; end: string }[] } = {},
) => {
  const b = openBooking(world.booking);
  const t = opts.target ?? target(b.sessionTypeId);
  const oldKey = `${b.scheduleId}/${b.date}`;
  const newKey = `${t.scheduleId}/${DateTime.fromISO(start, { zone: 'utc' }).setZone(t.schedule.timezone).toISODate()}`;
  return rescheduleBooking(
    deepFreeze({
      booking: world.booking,
      day: dayOf(world, oldKey),
      newDay: opts.newDay ?? dayOf(world, newKey),
      pkg: opts.pkg ?? world.pkg,
      offering: opts.offering ?? offering(),
      target: t,
      client: opts.client ?? CLIENT,
      otherPackages: opts.otherPackages ?? [],
      ...(opts.busy ? { busy: opts.busy } : {}),
    }),
    { start },
    opts.ctx ?? ctxAt(opts.now ?? NOW),
  );
};

// ---- expected events ----
const slotReserved = (bookingId: string, start: string, o: { date?: string; scheduleId?: string; sessionTypeId?: string; bufferMinutes?: number; capacity?: number; minutes?: number } = {}): ScheduleDayEvent => ({
  type: 'SlotReserved',
  data: {
    scheduleId: o.scheduleId ?? 'sch-1',
    date: o.date ?? WED,
    bookingId,
    sessionTypeId: o.sessionTypeId ?? 'pt',
    start,
    end: plus(start, (o.minutes ?? 60) * 60_000),
    bufferMinutes: o.bufferMinutes ?? 0,
    capacity: o.capacity ?? 1,
  },
});
const slotReleased = (bookingId: string, reason: 'cancelled' | 'rescheduled', date = WED, scheduleId = 'sch-1'): ScheduleDayEvent => ({
  type: 'SlotReleased',
  data: { scheduleId, date, bookingId, reason },
});
const cancelled = (decision: CreditDecision, o: { late: boolean; reason?: string | null; start?: string; noticeHours?: number }): BookingEvent => ({
  type: 'BookingCancelled',
  data: { ...REF, ...decision, start: o.start ?? at('10:00'), late: o.late, noticeHours: o.noticeHours ?? 24, reason: o.reason === undefined ? 'Client is ill' : o.reason },
});
const returned = (rule: string, reason = 'Client is ill', value = 1000, sessionAt = at('10:00')): PackageEvent => ({
  type: 'RedemptionReversed',
  data: { ...pkgRef(), redemptionId: 'b1', reason, creditKind: 'paid', value, rule, sessionAt },
});
const forfeited = (cause: 'late_cancellation' | 'cancellation' | 'no_show', rule: string, value = 1000, sessionAt = at('10:00')): PackageEvent => ({
  type: 'SessionForfeited',
  data: { ...pkgRef(), redemptionId: 'b1', bookingId: 'b1', cause, rule, value, sessionAt },
});

describe('placeBooking', () => {
  it('one decision: BookingPlaced, SlotReserved on the local day’s stream, and SessionRedeemed (redemption id = booking id, sessionAt = slot start)', () => {
    const start = '2026-06-03T08:00:00.000Z'; // Wednesday 10:00 in Berlin
    expect(stored(place('b1', start))).toEqual({
      booking: [{ type: 'BookingPlaced', data: { ...REF, start, end: '2026-06-03T09:00:00.000Z', date: WED, pastSession: null } }],
      days: { [`sch-1/${WED}`]: [slotReserved('b1', start)] },
      package: [redeemedFor('b1', start)],
    });
  });

  it('folds into a booked booking, a held seat and a used credit', () => {
    const world = booked();
    expect(world.booking).toEqual({ exists: true, ...REF, status: 'booked', start: at('10:00'), end: at('11:00'), date: WED, pastSession: null, credit: null });
    expect(dayOf(world).reservations.map((x) => x.bookingId)).toEqual(['b1']);
    expect(snapshot(world.pkg)).toMatchObject({ creditsUsed: 1, paidRemaining: 4, paidValueRemaining: 4000 });
    expect(snapshot(world.pkg).redemptions.b1).toEqual({ creditKind: 'paid', value: 1000, reversed: false, forfeited: false, sessionAt: at('10:00'), bookingId: 'b1' });
  });

  it.each([
    ['an offset', '2026-06-03T10:00:00+02:00'],
    ['another offset', '2026-06-03T03:00:00-05:00'],
    ['no milliseconds', '2026-06-03T08:00:00Z'],
    ['compact offset', '2026-06-03T10:00:00.000+0200'],
  ])('normalises a start given with %s to UTC with milliseconds in every event', (_, start) => {
    const decision = place('b1', start);
    const normalised = '2026-06-03T08:00:00.000Z';
    expect(decision.booking[0].data).toMatchObject({ start: normalised });
    expect(decision.days[`sch-1/${WED}`][0].data).toMatchObject({ start: normalised });
    expect(decision.package[0].data).toMatchObject({ sessionAt: normalised });
  });

  it.each(['2026-06-03T10:00:00', '2026-06-03', 'tomorrow', '', '2026-02-30T10:00:00Z'])('refuses a start that is not an instant with an offset (%p): invalid_instant', (start) => {
    fails(() => place('b1', start), 'invalid_instant');
  });

  it('the first offered slot after local midnight goes to the stream of the local date (UTC date before)', () => {
    const t = target('pt', { schedule: { weeklyHours: everyDay(r('00:00', '03:00')) } });
    const decision = place('b1', at('00:00', THU), { target: t });
    expect(Object.keys(decision.days)).toEqual([`sch-1/${THU}`]);
    expect(decision.booking[0].data).toMatchObject({ start: '2026-06-03T22:00:00.000Z', date: THU });
  });

  it('a booking is placed once: booking_already_exists', () => {
    fails(() => place('b1', at('14:00'), { booking: booked().booking }), 'booking_already_exists');
  });

  it('slot refusals come from the schedule day: slot_full, slot_not_offered, too_late_to_book', () => {
    const other = booked({ bookingId: 'b0' });
    fails(() => place('b1', at('10:00'), { day: dayOf(other), pkg: other.pkg }), 'slot_full');
    fails(() => place('b1', at('10:30')), 'slot_not_offered');
    fails(() => place('b1', at('08:00', '2026-06-01')), 'too_late_to_book');
  });

  describe('the package must fit the client and the session', () => {
    it('a package of another client: package_not_usable', () => {
      fails(() => place('b1', at('10:00'), { client: { ...CLIENT, clientId: 'client-2' } }), 'package_not_usable');
    });

    it('a package that does not exist: package_not_found', () => {
      fails(() => place('b1', at('10:00'), { pkg: { exists: false } }), 'package_not_found');
    });

    it('an offering that was deleted or is unknown: package_not_usable', () => {
      fails(() => place('b1', at('10:00'), { offering: offering({ deleted: true }) }), 'package_not_usable');
      fails(() => place('b1', at('10:00'), { offering: { exists: false } }), 'package_not_usable');
    });

    it('a paused or archived offering still books the packages it sold', () => {
      expect(place('b1', at('10:00'), { offering: offering({ status: 'paused' }) }).package).toHaveLength(1);
      expect(place('b1', at('10:00'), { offering: offering({ status: 'archived' }) }).package).toHaveLength(1);
    });

    it('the offering’s schedule: its own books, another does not (package_not_usable); null = any', () => {
      expect(place('b1', at('10:00'), { offering: offering({ scheduleId: 'sch-1' }) }).package).toHaveLength(1);
      fails(() => place('b1', at('10:00'), { offering: offering({ scheduleId: 'sch-2' }) }), 'package_not_usable');
      expect(place('b1', at('10:00'), { target: target('pt', { scheduleId: 'sch-9' }) }).package).toHaveLength(1);
    });

    it('the offering’s session types: listed ones book, others do not (package_not_usable); [] = any', () => {
      expect(place('b1', at('10:00'), { offering: offering({ sessionTypeIds: ['group', 'pt'] }) }).package).toHaveLength(1);
      fails(() => place('b1', at('10:00'), { offering: offering({ sessionTypeIds: ['group'] }) }), 'package_not_usable');
    });

    it('visibility by groups: a client in any one of them books; a client in none does not (offering_not_visible)', () => {
      const vip = offering({ visibility: { kind: 'groups', groups: ['vip', 'members'] } });
      expect(place('b1', at('10:00'), { offering: vip }).package).toHaveLength(1);
      fails(() => place('b1', at('10:00'), { offering: vip, client: { ...CLIENT, groups: ['staff'] } }), 'offering_not_visible');
      fails(() => place('b1', at('10:00'), { offering: vip, client: { ...CLIENT, groups: [] } }), 'offering_not_visible');
      // Names compare exactly.
      fails(() => place('b1', at('10:00'), { offering: vip, client: { ...CLIENT, groups: ['VIP'] } }), 'offering_not_visible');
    });

    it('packageMismatch says why, or null', () => {
      expect(packageMismatch(pkgOf(), offering(), target(), CLIENT)).toBeNull();
      expect(packageMismatch(pkgOf(), offering(), target(), { ...CLIENT, clientId: 'x' })?.message).toMatch(/another client/);
      expect(packageMismatch({ exists: false }, offering(), target(), CLIENT)?.code).toBe('package_not_found');
    });
  });

  describe('credits and dates', () => {
    it('a package without credits left: no_credits_left', () => {
      const used = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id, i) => redeemedFor(id, at('10:00', `2026-05-2${i}`)));
      fails(() => place('b1', at('10:00'), { pkg: pkgOf(...used) }), 'no_credits_left');
    });

    it('a package past its expiry, even before the sweep recorded it: package_expired', () => {
      const shortLived = pkgOf(expiryChanged('2026-06-01T05:00:00.000Z'));
      fails(() => place('b1', at('10:00'), { pkg: shortLived }), 'package_expired');
      const exactly = pkgOf(expiryChanged('2026-06-01T06:00:00.000Z'));
      fails(() => place('b1', at('10:00'), { pkg: exactly }), 'package_expired');
    });

    it('a refunded package: package_refunded', () => {
      const refund: PackageEvent = {
        type: 'PackageRefunded',
        data: { ...pkgRef(), credits: 5, paidCredits: 5, goodwillCredits: 0, value: 5000, amount: EUR(5000), reason: 'moved away', refundId: null, stripeRefundId: null },
      };
      fails(() => place('b1', at('10:00'), { pkg: pkgOf(refund) }), 'package_refunded');
    });

    it('a session at or after the package’s expiry: session_after_expiry (before it is fine)', () => {
      const pkg = pkgOf(expiryChanged(at('10:00')));
      fails(() => place('b1', at('10:00'), { pkg }), 'session_after_expiry');
      fails(() => place('b1', at('11:00'), { pkg }), 'session_after_expiry');
      expect(place('b1', at('09:00'), { pkg }).package).toHaveLength(1); // ends at the expiry: only the start counts
    });

    it('uses goodwill credits when the paid ones are gone (value 0)', () => {
      const used = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id, i) => redeemedFor(id, at('10:00', `2026-05-2${i}`)));
      const decision = place('b1', at('10:00'), { pkg: pkgOf(...used, goodwill(1)) });
      expect(decision.package[0].data).toMatchObject({ creditKind: 'goodwill', value: 0 });
    });
  });

  describe('weekly cap: Monday to Sunday in the client’s zone', () => {
    const capped = offering({ maxSessionsPerWeek: 2 });

    it('refuses a session in a week that already has the maximum: weekly_limit_reached', () => {
      const pkg = pkgOf(redeemedFor('x1', at('10:00', '2026-06-01')), redeemedFor('x2', at('10:00', '2026-06-07'))); // Monday and Sunday
      fails(() => place('b1', at('10:00'), { pkg, offering: capped }), 'weekly_limit_reached');
      // The next Monday is another week; the Sunday before, another too.
      expect(place('b1', at('10:00', '2026-06-08'), { pkg, offering: capped }).package).toHaveLength(1);
      expect(place('b1', at('10:00', '2026-05-31'), { pkg, offering: capped, ctx: ctxAt('2026-05-20T00:00:00.000Z') }).package).toHaveLength(1);
    });

    it('a returned (reversed) credit no longer counts; any redemption of the week does, booked or manual', () => {
      const pkg = pkgOf(redeemedFor('x1', at('10:00', '2026-06-01')), redeemedFor('x2', at('10:00', '2026-06-02')), reversedFor('x2'));
      expect(place('b1', at('10:00'), { pkg, offering: capped }).package).toHaveLength(1);
      const manual: PackageEvent = { type: 'SessionRedeemed', data: { ...pkgRef(), redemptionId: 'm1', bookingId: null, serviceId: null, note: null, sessionAt: at('09:00', '2026-06-02'), creditKind: 'paid', value: 1000 } };
      fails(() => place('b1', at('10:00'), { pkg: pkgOf(redeemedFor('x1', at('10:00', '2026-06-01')), manual), offering: capped }), 'weekly_limit_reached');
    });

    // 2026-06-07T23:00Z is Sunday 19:00 in New York (the week of June 1) but Monday 01:00 in Berlin (the week of June 8).
    const SUNDAY_NIGHT_UTC = '2026-06-07T23:00:00.000Z';
    const oneAWeek = offering({ maxSessionsPerWeek: 1 });
    const bookedMidweek = () => pkgOf(redeemedFor('x1', '2026-06-03T12:00:00.000Z')); // Wednesday everywhere

    it('the same instant is in different weeks in two zones: the client’s zone decides', () => {
      const opts = { pkg: bookedMidweek(), offering: oneAWeek, target: utcTarget() };
      fails(() => place('b1', SUNDAY_NIGHT_UTC, { ...opts, client: { ...CLIENT, timezone: 'America/New_York' } }), 'weekly_limit_reached');
      expect(place('b1', SUNDAY_NIGHT_UTC, { ...opts, client: { ...CLIENT, timezone: 'Europe/Berlin' } }).package).toHaveLength(1);
      // ...whatever the tenant's zone says.
      fails(() => place('b1', SUNDAY_NIGHT_UTC, { ...opts, client: { ...CLIENT, timezone: 'America/New_York' }, ctx: ctxAt(NOW, 'Europe/Berlin') }), 'weekly_limit_reached');
      // And the other way round: Monday 02:00Z is still Sunday in New York (the week before), Monday in Berlin.
      const mondayEarlyUtc = '2026-06-01T02:00:00.000Z';
      const earlyOpts = { ...opts, ctx: ctxAt('2026-05-25T00:00:00.000Z') };
      expect(place('b1', mondayEarlyUtc, { ...earlyOpts, client: { ...CLIENT, timezone: 'America/New_York' } }).package).toHaveLength(1);
      fails(() => place('b1', mondayEarlyUtc, { ...earlyOpts, client: { ...CLIENT, timezone: 'Europe/Berlin' } }), 'weekly_limit_reached');
    });

    it('a client without a zone counts weeks in the tenant’s zone (ctx.timezone)', () => {
      const opts = { pkg: bookedMidweek(), offering: oneAWeek, target: utcTarget(), client: { ...CLIENT, timezone: null } };
      fails(() => place('b1', SUNDAY_NIGHT_UTC, { ...opts, ctx: ctxAt(NOW, 'America/New_York') }), 'weekly_limit_reached');
      expect(place('b1', SUNDAY_NIGHT_UTC, { ...opts, ctx: ctxAt(NOW, 'Europe/Berlin') }).package).toHaveLength(1);
    });

    it('weeks count in the client’s zone across a year end (ISO week-years)', () => {
      // Monday 2026-12-28 to Sunday 2027-01-03 is one week (2026-W53).
      const pkg = pkgOf(expiryChanged('2027-06-01T00:00:00.000Z'), redeemedFor('x1', at('10:00', '2026-12-28')));
      fails(() => place('b1', at('10:00', '2027-01-03'), { pkg, offering: oneAWeek }), 'weekly_limit_reached');
      expect(place('b1', at('10:00', '2027-01-04'), { pkg, offering: oneAWeek }).package).toHaveLength(1);
    });
  });

  describe('booking limit: the offering’s current session count', () => {
    const twoUsed = () => pkgOf(redeemedFor('x1', at('10:00', '2026-06-01')), redeemedFor('x2', at('10:00', '2026-06-02')));

    it('a count reduced below what the client already used refuses new bookings, though credits remain: booking_limit_reached', () => {
      const reduced = offering({ sessionCount: 2 });
      expect(creditsRemaining(snapshot(twoUsed()))).toBe(3);
      fails(() => place('b1', at('10:00'), { pkg: twoUsed(), offering: reduced }), 'booking_limit_reached');
      expect(place('b1', at('10:00'), { pkg: twoUsed(), offering: offering({ sessionCount: 3 }) }).package).toHaveLength(1);
    });

    it('existing bookings are kept: they can still be cancelled (and then a new one fits again) or moved', () => {
      const reduced = offering({ sessionCount: 1 });
      const world = booked(); // placed while the offering still had 5
      const afterCancel = applyDecision(world, cancel(world, { offering: reduced }));
      expect(snapshot(afterCancel.pkg).creditsUsed).toBe(0);
      expect(place('b2', at('12:00'), { pkg: afterCancel.pkg, offering: reduced }).package).toHaveLength(1);
      expect(reschedule(world, at('15:00'), { offering: reduced }).package).toHaveLength(1);
      fails(() => place('b2', at('12:00'), { pkg: world.pkg, offering: reduced }), 'booking_limit_reached');
    });

    it('goodwill credits added by adjustment raise the limit', () => {
      const reduced = offering({ sessionCount: 2 });
      const pkg = pkgOf(redeemedFor('x1', at('10:00', '2026-06-01')), redeemedFor('x2', at('10:00', '2026-06-02')), goodwill(1));
      expect(place('b1', at('10:00'), { pkg, offering: reduced }).package).toHaveLength(1);
      const threeUsed = foldPackage([purchased(), redeemedFor('x1', at('10:00', '2026-06-01')), redeemedFor('x2', at('10:00', '2026-06-02')), goodwill(1), redeemedFor('x3', at('12:00', '2026-06-02'))]);
      fails(() => place('b1', at('10:00'), { pkg: threeUsed, offering: reduced }), 'booking_limit_reached');
    });
  });
});

describe('choosePackage', () => {
  const candidate = (packageId: string, o: { expiresAt?: string | null; purchasedAt?: string; clientId?: string; events?: PackageEvent[]; offering?: OfferingState } = {}) => ({
    pkg: foldPackage([
      purchased({
        ...pkgRef(packageId, o.clientId),
        expiresAt: o.expiresAt === undefined ? EXPIRES_AT : o.expiresAt,
        purchasedAt: o.purchasedAt ?? PURCHASED_AT,
      }),
      ...(o.events ?? []).map((e) => ({ ...e, data: { ...e.data, packageId, clientId: o.clientId ?? 'client-1' } }) as PackageEvent),
    ]),
    offering: o.offering ?? offering(),
  });
  const choose = (candidates: ReturnType<typeof candidate>[], o: { start?: string; client?: BookingClient; target?: BookingTarget; ctx?: DecisionContext } = {}) =>
    choosePackage(deepFreeze(candidates), { target: o.target ?? target(), client: o.client ?? CLIENT }, o.start ?? at('10:00'), 'b1', o.ctx ?? ctx);

  it('takes the package that expires first', () => {
    expect(choose([candidate('a', { expiresAt: '2026-09-01T00:00:00.000Z' }), candidate('b', { expiresAt: '2026-07-01T00:00:00.000Z' }), candidate('c', { expiresAt: null })])).toBe(1);
  });

  it('packages without expiry come last', () => {
    expect(choose([candidate('a', { expiresAt: null, purchasedAt: '2025-01-01T00:00:00.000Z' }), candidate('b', { expiresAt: '2027-12-31T00:00:00.000Z' })])).toBe(1);
  });

  it('the same expiry (or none): the oldest purchase first', () => {
    expect(choose([candidate('a', { purchasedAt: '2026-05-10T00:00:00.000Z' }), candidate('b', { purchasedAt: '2026-05-02T00:00:00.000Z' }), candidate('c', { purchasedAt: '2026-05-20T00:00:00.000Z' })])).toBe(1);
    expect(choose([candidate('a', { expiresAt: null, purchasedAt: '2026-05-10T00:00:00.000Z' }), candidate('b', { expiresAt: null, purchasedAt: '2026-05-20T00:00:00.000Z' }), candidate('c', { expiresAt: null, purchasedAt: '2026-04-01T00:00:00.000Z' })])).toBe(2);
  });

  const usedUp = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id, i) => redeemedFor(id, at('10:00', `2026-05-2${i}`)));
  // The code: the refusal when that package is the only one (issue 16: the real reason, not no_usable_package,
  // unless no package is for this session at all).
  it.each<[string, Partial<Parameters<typeof candidate>[1]>, DomainErrorCode]>([
    ['no credits left', { events: usedUp }, 'no_credits_left'],
    ['for another session type', { offering: offering({ sessionTypeIds: ['group'] }) }, 'no_usable_package'],
    ['for another schedule', { offering: offering({ scheduleId: 'sch-2' }) }, 'no_usable_package'],
    ['of a deleted offering', { offering: offering({ deleted: true }) }, 'no_usable_package'],
    ['expired by time', { expiresAt: '2026-06-01T05:00:00.000Z' }, 'package_expired'],
    ['expiring before the session', { expiresAt: '2026-06-02T22:00:00.000Z' }, 'session_after_expiry'],
    ['refunded', { events: [{ type: 'PackageRefunded', data: { ...pkgRef(), credits: 5, paidCredits: 5, goodwillCredits: 0, value: 5000, amount: EUR(5000), reason: 'x', refundId: null, stripeRefundId: null } }] }, 'package_refunded'],
    ['of another client', { clientId: 'client-2' }, 'no_usable_package'],
    ['for other groups', { offering: offering({ visibility: { kind: 'groups', groups: ['vip'] } }) }, 'offering_not_visible'],
    ['at its weekly cap', { events: [redeemedFor('w1', at('09:00'))], offering: offering({ maxSessionsPerWeek: 1 }) }, 'weekly_limit_reached'],
    ['at its booking limit', { events: [redeemedFor('w1', at('09:00', '2026-05-30'))], offering: offering({ sessionCount: 1 }) }, 'booking_limit_reached'],
  ])('skips a package that does not fit (%s) and returns the first that does; alone, it names the reason', (_, misfit, code) => {
    const first = candidate('early', { expiresAt: '2026-06-20T00:00:00.000Z', ...misfit });
    expect(choose([candidate('late', { expiresAt: '2026-12-31T00:00:00.000Z' }), first, candidate('never', { expiresAt: null })])).toBe(0);
    // And if nothing else fits: the real reason, as naming the package would answer.
    fails(() => choose([first]), code);
  });

  it('when several packages refuse, names the refusal of the one that came closest (the cap beats an empty package)', () => {
    const capped = offering({ maxSessionsPerWeek: 1 });
    const empty = candidate('empty', { events: usedUp, offering: capped, expiresAt: '2026-06-10T00:00:00.000Z' });
    const atCap = candidate('at-cap', { events: [redeemedFor('w1', at('09:00'))], offering: capped });
    fails(() => choose([empty, atCap]), 'weekly_limit_reached');
    fails(() => choose([candidate('other', { offering: offering({ sessionTypeIds: ['group'] }) }), empty]), 'no_credits_left');
  });

  it('skips a package that does not exist', () => {
    expect(choose([{ pkg: { exists: false }, offering: { exists: false } }, candidate('a')])).toBe(1);
  });

  it('no package at all, or none that fits: no_usable_package', () => {
    fails(() => choose([]), 'no_usable_package');
    fails(() => choose([{ pkg: { exists: false }, offering: { exists: false } }]), 'no_usable_package');
    fails(() => choose([candidate('a', { clientId: 'client-2' }), candidate('b', { offering: offering({ scheduleId: 'sch-2' }) })]), 'no_usable_package');
  });

  it('the chosen package is the one placeBooking then accepts', () => {
    const candidates = [candidate('a', { expiresAt: null }), candidate('b', { events: usedUp, expiresAt: '2026-06-10T00:00:00.000Z' }), candidate('c', { expiresAt: '2026-07-10T00:00:00.000Z' })];
    const index = choose(candidates);
    expect(index).toBe(2);
    const decision = place('b1', at('10:00'), { pkg: candidates[index].pkg, offering: candidates[index].offering });
    expect(decision.package[0].data).toMatchObject({ packageId: 'c', redemptionId: 'b1' });
  });
});

describe('cancelBooking', () => {
  it('at least the notice window before the session: the credit returns (cancelled_within_notice) and the seat is released', () => {
    const world = booked();
    const decision = cancel(world);
    expect(stored(decision)).toEqual({
      booking: [cancelled({ creditOutcome: 'returned', rule: 'cancelled_within_notice' }, { late: false })],
      days: { [`sch-1/${WED}`]: [slotReleased('b1', 'cancelled')] },
      package: [returned('cancelled_within_notice')],
    });
    const after = applyDecision(world, decision);
    expect(after.booking).toMatchObject({ status: 'cancelled', credit: { creditOutcome: 'returned', rule: 'cancelled_within_notice' } });
    expect(dayOf(after).reservations).toEqual([]);
    expect(snapshot(after.pkg)).toMatchObject({ creditsUsed: 0, paidRemaining: 5, paidValueRemaining: 5000 });
    // The seat and the credit can be booked again.
    expect(place('b2', at('10:00'), { day: dayOf(after), pkg: after.pkg }).package[0].data).toMatchObject({ value: 1000 });
  });

  it('exactly the notice window before is still in time; a millisecond later is late', () => {
    const world = booked();
    const noticeStart = plus(at('10:00'), -24 * HOUR);
    expect(cancel(world, { now: noticeStart }).booking[0].data).toMatchObject({ late: false, rule: 'cancelled_within_notice' });
    expect(cancel(world, { now: plus(noticeStart, 1) }).booking[0].data).toMatchObject({ late: true, rule: 'late_cancellation_forfeits' });
  });

  it('late, with an offering that forfeits late cancellations: SessionForfeited, the credit stays used', () => {
    const world = booked();
    const now = plus(at('10:00'), -2 * HOUR);
    const decision = cancel(world, { now });
    expect(stored(decision)).toEqual({
      booking: [cancelled({ creditOutcome: 'forfeited', rule: 'late_cancellation_forfeits' }, { late: true })],
      days: { [`sch-1/${WED}`]: [slotReleased('b1', 'cancelled')] },
      package: [forfeited('late_cancellation', 'late_cancellation_forfeits')],
    });
    expect(snapshot(applyDecision(world, decision).pkg)).toMatchObject({ creditsUsed: 1, paidRemaining: 4 });
  });

  it('late, with an offering that returns late cancellations: RedemptionReversed (late_cancellation_returns)', () => {
    const decision = cancel(booked(), { now: plus(at('10:00'), -HOUR), offering: policy({ lateCancellation: 'return' }) });
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'returned', rule: 'late_cancellation_returns', late: true });
    expect(stored(decision).package).toEqual([returned('late_cancellation_returns')]);
  });

  it('the no-show policy does not decide cancellations', () => {
    const decision = cancel(booked(), { now: plus(at('10:00'), -HOUR), offering: policy({ lateCancellation: 'forfeit', noShow: 'return' }) });
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'forfeited' });
  });

  it('a notice window of 0 h: any cancellation before the start is in time', () => {
    const decision = cancel(booked(), { now: plus(at('10:00'), -1), offering: policy({ noticeHours: 0 }) });
    expect(decision.booking[0].data).toMatchObject({ late: false, rule: 'cancelled_within_notice', noticeHours: 0 });
  });

  it('cancelled by the business: the credit returns whatever the notice (cancelled_by_business)', () => {
    const decision = cancel(booked(), { by: 'business', now: plus(at('10:00'), -HOUR) });
    expect(stored(decision).booking).toEqual([cancelled({ creditOutcome: 'returned', rule: 'cancelled_by_business' }, { late: true })]);
    expect(stored(decision).package).toEqual([returned('cancelled_by_business')]);
  });

  it('cancelled because the offering was deleted: the credit returns (offering_deleted)', () => {
    const decision = cancel(booked(), { by: 'offering_deleted', reason: null, offering: offering({ deleted: true }), now: plus(at('10:00'), -HOUR) });
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'returned', rule: 'offering_deleted', reason: null });
    expect(stored(decision).package).toEqual([returned('offering_deleted', 'Booking cancelled')]);
  });

  it('without a reason: null on the booking, a default on the package', () => {
    const decision = cancel(booked(), { reason: null });
    expect(decision.booking[0].data).toMatchObject({ reason: null });
    expect(stored(decision).package).toEqual([returned('cancelled_within_notice', 'Booking cancelled')]);
  });

  it('once the session has started it cannot be cancelled, by anyone: session_already_started', () => {
    const world = booked();
    fails(() => cancel(world, { now: at('10:00') }), 'session_already_started');
    fails(() => cancel(world, { now: at('12:00') }), 'session_already_started');
    fails(() => cancel(world, { now: at('10:00'), by: 'business' }), 'session_already_started');
  });

  it('cancelling twice: booking_cancelled; after attendance: attendance_already_marked; unknown: booking_not_found', () => {
    const world = booked();
    const after = applyDecision(world, cancel(world));
    fails(() => cancel(after), 'booking_cancelled');
    const attended = applyDecision(world, attend(world, 'attended'));
    fails(() => cancel(attended, { day: dayOf(world) }), 'attendance_already_marked');
    fails(() => cancelBooking({ booking: initialBookingState, day: initialScheduleDayState, pkg: pkgOf(), offering: offering() }, { reason: null, by: 'client' }, ctx), 'booking_not_found');
  });

  describe('a closed package keeps the credit (package_closed): forfeited on the package, the seat is still released', () => {
    const expiredBefore = (world: World) => ({ ...world, pkg: [expiryChanged(at('09:00'))].reduce(evolvePackage, world.pkg) });
    const refund: PackageEvent = {
      type: 'PackageRefunded',
      data: { ...pkgRef(), credits: 4, paidCredits: 4, goodwillCredits: 0, value: 4000, amount: EUR(4000), reason: 'moved away', refundId: null, stripeRefundId: null },
    };
    it.each<[string, (world: World) => World, string]>([
      ['its expiry passed (no sweep yet)', expiredBefore, plus(at('09:00'), 1)],
      [
        'it was swept as expired',
        (w) => ({
          ...w,
          pkg: [
            expiryChanged(at('09:00')),
            { type: 'PackageExpired', data: { ...pkgRef(), expiresAt: at('09:00'), creditsForfeited: 4, paidCreditsForfeited: 4, goodwillCreditsForfeited: 0, value: 4000 } } as PackageEvent,
          ].reduce(evolvePackage, w.pkg),
        }),
        plus(at('09:00'), 1),
      ],
      ['it was refunded', (w) => ({ ...w, pkg: evolvePackage(w.pkg, refund) }), NOW],
    ])('%s', (_, close, now) => {
      const world = close(booked());
      for (const opts of [{}, { by: 'business' as const }, { offering: policy({ noticeHours: 0 }) }]) {
        const decision = cancel(world, { now, ...opts });
        expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'kept', rule: 'package_closed' });
        const late = (decision.booking[0].data as { late: boolean }).late;
        expect(stored(decision).package).toEqual([forfeited(late ? 'late_cancellation' : 'cancellation', 'package_closed')]);
        expect(stored(decision).days).toEqual({ [`sch-1/${WED}`]: [slotReleased('b1', 'cancelled')] });
      }
    });

    it('a partly refunded package is still open: the credit returns', () => {
      const partial: PackageEvent = { type: 'PackageRefunded', data: { ...pkgRef(), credits: 2, paidCredits: 2, goodwillCredits: 0, value: 2000, amount: EUR(2000), reason: 'x', refundId: null, stripeRefundId: null } };
      const world = booked();
      const decision = cancel({ ...world, pkg: evolvePackage(world.pkg, partial) });
      expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'returned' });
    });
  });

  it('a day that no longer holds the seat records no release', () => {
    const decision = cancel(booked(), { day: initialScheduleDayState });
    expect(decision.days).toEqual({ [`sch-1/${WED}`]: [] });
  });
});

describe('markAttendance', () => {
  it('before the session starts: session_not_started; from its start on it can be marked', () => {
    fails(() => attend(booked(), 'attended', { now: plus(at('10:00'), -1) }), 'session_not_started');
    fails(() => attend(booked(), 'no_show', { now: NOW }), 'session_not_started');
    expect(attend(booked(), 'attended', { now: at('10:00') }).booking).toHaveLength(1);
  });

  it('attended: the credit is used, no package event, the seat stays held', () => {
    const world = booked();
    const decision = attend(world, 'attended');
    expect(stored(decision)).toEqual({
      booking: [{ type: 'AttendanceMarked', data: { ...REF, creditOutcome: 'used', rule: 'attended', start: at('10:00'), attendance: 'attended' } }],
      days: {},
      package: [],
    });
    expect(applyDecision(world, decision).booking).toMatchObject({ status: 'attended', credit: { creditOutcome: 'used', rule: 'attended' } });
  });

  it('no-show with an offering that forfeits: SessionForfeited (no_show_forfeits)', () => {
    const decision = attend(booked(), 'no_show');
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'forfeited', rule: 'no_show_forfeits', attendance: 'no_show' });
    expect(stored(decision).package).toEqual([forfeited('no_show', 'no_show_forfeits')]);
    expect(decision.days).toEqual({});
  });

  it('no-show with an offering that returns: RedemptionReversed (no_show_returns)', () => {
    const world = booked();
    const decision = attend(world, 'no_show', { offering: policy({ noShow: 'return', lateCancellation: 'forfeit' }) });
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'returned', rule: 'no_show_returns' });
    expect(stored(decision).package).toEqual([returned('no_show_returns', 'No-show')]);
    const after = applyDecision(world, decision);
    expect(after.booking).toMatchObject({ status: 'no_show', credit: { creditOutcome: 'returned', rule: 'no_show_returns' } });
    expect(snapshot(after.pkg).creditsUsed).toBe(0);
  });

  it('no-show on a package that has expired since: the credit is kept (package_closed)', () => {
    const world = booked();
    const expired = { ...world, pkg: evolvePackage(world.pkg, expiryChanged(at('11:00'))) };
    const decision = attend(expired, 'no_show', { now: at('12:00'), offering: policy({ noShow: 'return' }) });
    expect(decision.booking[0].data).toMatchObject({ creditOutcome: 'kept', rule: 'package_closed' });
    expect(stored(decision).package).toEqual([forfeited('no_show', 'package_closed')]);
    expect(attend(expired, 'attended', { now: at('12:00') }).booking[0].data).toMatchObject({ creditOutcome: 'used', rule: 'attended' });
  });

  it('marking twice (either way): attendance_already_marked; a cancelled booking: booking_cancelled', () => {
    const world = booked();
    for (const first of ['attended', 'no_show'] as const) {
      const after = applyDecision(world, attend(world, first));
      fails(() => attend(after, 'attended'), 'attendance_already_marked');
      fails(() => attend(after, 'no_show'), 'attendance_already_marked');
    }
    fails(() => attend(applyDecision(world, cancel(world)), 'attended'), 'booking_cancelled');
    fails(() => markAttendance({ booking: initialBookingState, pkg: pkgOf(), offering: offering() }, { attendance: 'attended' }, ctx), 'booking_not_found');
  });
});

describe('rescheduleBooking', () => {
  it('moves a booking within its day: one day stream gets SlotReleased then SlotReserved; the credit stays redeemed and moves too', () => {
    const world = booked();
    const decision = reschedule(world, at('14:00'));
    expect(stored(decision)).toEqual({
      booking: [
        {
          type: 'BookingRescheduled',
          data: { ...REF, previousScheduleId: 'sch-1', previousStart: at('10:00'), previousEnd: at('11:00'), previousDate: WED, start: at('14:00'), end: at('15:00'), date: WED },
        },
      ],
      days: { [`sch-1/${WED}`]: [slotReleased('b1', 'rescheduled'), slotReserved('b1', at('14:00'))] },
      package: [
        { type: 'SessionRescheduled', data: { ...pkgRef(), redemptionId: 'b1', bookingId: 'b1', previousSessionAt: at('10:00'), sessionAt: at('14:00') } },
      ],
    });
    const after = applyDecision(world, decision);
    expect(after.booking).toMatchObject({ status: 'booked', start: at('14:00'), end: at('15:00'), date: WED });
    expect(dayOf(after).reservations.map((x) => [x.bookingId, x.start])).toEqual([['b1', at('14:00')]]);
    expect(snapshot(after.pkg)).toMatchObject({ creditsUsed: 1, paidRemaining: 4 });
    expect(snapshot(after.pkg).redemptions.b1.sessionAt).toBe(at('14:00'));
    // The old time is free for someone else.
    expect(place('b2', at('10:00'), { day: dayOf(after) }).days[`sch-1/${WED}`]).toHaveLength(1);
  });

  it('within the same day the booking’s own seat does not block its new time (daily maximum, buffers)', () => {
    // At most one pt session a day: moving the day's only session is not a second one.
    const onePerDay = target('pt', { type: { maxSessionsPerDay: 1 } });
    const world = booked({ target: onePerDay });
    expect(reschedule(world, at('14:00'), { target: onePerDay }).days[`sch-1/${WED}`]).toHaveLength(2);
    // Booked with a 30-minute buffer; the type is now 30 minutes without buffer: 10:30 touches the old session's buffer.
    const buffered = target('pt', { type: { durationMinutes: 30, bufferMinutes: 30 } });
    const w2 = booked({ target: buffered });
    const now30 = target('pt', { type: { durationMinutes: 30, bufferMinutes: 0 } });
    const moved = reschedule(w2, at('10:30'), { target: now30 });
    expect(stored(moved).days[`sch-1/${WED}`]).toEqual([slotReleased('b1', 'rescheduled'), slotReserved('b1', at('10:30'), { minutes: 30 })]);
  });

  it('moves a booking to another day: the old day releases, the new day reserves', () => {
    const world = booked();
    const decision = reschedule(world, at('11:00', THU));
    expect(stored(decision).days).toEqual({
      [`sch-1/${WED}`]: [slotReleased('b1', 'rescheduled')],
      [`sch-1/${THU}`]: [slotReserved('b1', at('11:00', THU), { date: THU })],
    });
    expect(decision.booking[0].data).toMatchObject({ previousDate: WED, date: THU, start: at('11:00', THU) });
    const after = applyDecision(world, decision);
    expect(dayOf(after).reservations).toEqual([]);
    expect(dayOf(after, `sch-1/${THU}`).reservations.map((x) => x.bookingId)).toEqual(['b1']);
  });

  it('a full new slot: slot_full (same day or another day)', () => {
    const world = booked();
    const other = booked({ bookingId: 'b9', start: at('14:00') });
    const sameDay = { ...world, days: { [`sch-1/${WED}`]: [...dayOf(world).reservations, ...dayOf(other).reservations].reduce((d, x) => ({ reservations: [...d.reservations, x] }), initialScheduleDayState) } };
    fails(() => reschedule(sameDay, at('14:00')), 'slot_full');
    const otherThu = booked({ bookingId: 'b9', start: at('11:00', THU) });
    fails(() => reschedule(world, at('11:00', THU), { newDay: dayOf(otherThu, `sch-1/${THU}`) }), 'slot_full');
  });

  it('the new time must be offered and bookable: slot_not_offered, too_late_to_book', () => {
    const world = booked();
    fails(() => reschedule(world, at('14:30')), 'slot_not_offered');
    fails(() => reschedule(world, at('08:00', '2026-06-01')), 'too_late_to_book');
  });

  it('inside the notice window it cannot be moved: reschedule_too_late (exactly the window before still can)', () => {
    const world = booked();
    fails(() => reschedule(world, at('14:00'), { now: plus(at('10:00'), -23 * HOUR) }), 'reschedule_too_late');
    fails(() => reschedule(world, at('14:00'), { now: plus(at('10:00'), -24 * HOUR + 1) }), 'reschedule_too_late');
    expect(reschedule(world, at('14:00'), { now: plus(at('10:00'), -24 * HOUR) }).booking).toHaveLength(1);
  });

  it('a session that has started cannot be moved, even with a notice window of 0 h', () => {
    const world = booked();
    const noNotice = policy({ noticeHours: 0 });
    expect(reschedule(world, at('14:00'), { now: plus(at('10:00'), -1), offering: noNotice }).booking).toHaveLength(1);
    fails(() => reschedule(world, at('14:00'), { now: at('10:00'), offering: noNotice }), 'session_already_started');
    fails(() => reschedule(world, at('14:00'), { now: at('10:30'), offering: noNotice }), 'session_already_started');
  });

  it('to the time it already has: same_time (in any notation)', () => {
    const world = booked();
    fails(() => reschedule(world, at('10:00')), 'same_time');
    fails(() => reschedule(world, '2026-06-03T10:00:00+02:00'), 'same_time');
    fails(() => reschedule(world, 'soon'), 'invalid_instant');
  });

  it('weekly cap at the new time, not counting the booking being moved', () => {
    const oneAWeek = offering({ maxSessionsPerWeek: 1 });
    const world = booked({ offering: oneAWeek });
    // Within its own week: the moved booking does not count against itself.
    expect(reschedule(world, at('10:00', '2026-06-07'), { offering: oneAWeek }).package).toHaveLength(1);
    // Into a week that already has a session: weekly_limit_reached.
    const withNextWeek = { ...world, pkg: evolvePackage(world.pkg, redeemedFor('x1', at('10:00', '2026-06-09'))) };
    fails(() => reschedule(withNextWeek, at('10:00', '2026-06-10'), { offering: oneAWeek }), 'weekly_limit_reached');
    // The client's zone decides the week: Sunday 23:30 in Berlin is Monday in Sydney.
    const sydney = { ...CLIENT, timezone: 'Australia/Sydney' };
    const late = target('pt', { schedule: { weeklyHours: everyDay(r('08:00', '24:00')) } });
    fails(() => reschedule(withNextWeek, at('23:00', '2026-06-07'), { offering: oneAWeek, client: sydney, target: late }), 'weekly_limit_reached');
    expect(reschedule(withNextWeek, at('23:00', '2026-06-07'), { offering: oneAWeek, target: late }).package).toHaveLength(1);
  });

  it('a booking kept under a reduced session count can still be moved (it is not a new booking)', () => {
    const world = booked();
    expect(reschedule(world, at('14:00'), { offering: offering({ sessionCount: 1 }) }).package).toHaveLength(1);
  });

  it('not to or after the package’s expiry: session_after_expiry', () => {
    const world = booked();
    const pkg = evolvePackage(world.pkg, expiryChanged(at('12:00')));
    fails(() => reschedule(world, at('12:00'), { pkg }), 'session_after_expiry');
    expect(reschedule(world, at('11:00'), { pkg }).package).toHaveLength(1);
  });

  it('the package must still fit the new time’s schedule and session type: package_not_usable', () => {
    const world = booked();
    const sch2 = target('pt', { scheduleId: 'sch-2' });
    fails(() => reschedule(world, at('10:00'), { target: sch2, offering: offering({ scheduleId: 'sch-1' }) }), 'package_not_usable');
    fails(() => reschedule(world, at('14:00'), { offering: offering({ deleted: true }) }), 'package_not_usable');
  });

  it('only an open booking moves: booking_cancelled, attendance_already_marked, booking_not_found', () => {
    const world = booked();
    fails(() => reschedule(applyDecision(world, cancel(world)), at('14:00')), 'booking_cancelled');
    fails(() => reschedule(applyDecision(world, attend(world, 'attended')), at('14:00')), 'attendance_already_marked');
    fails(
      () =>
        rescheduleBooking(
          { booking: initialBookingState, day: initialScheduleDayState, newDay: initialScheduleDayState, pkg: pkgOf(), offering: offering(), target: target(), client: CLIENT, otherPackages: [] },
          { start: at('14:00') },
          ctx,
        ),
      'booking_not_found',
    );
  });

  it('to another schedule at the same time: not same_time; the booking then lives on the new schedule (a later cancel releases the new seat)', () => {
    const world = booked();
    const sch2 = target('pt', { scheduleId: 'sch-2' });
    const decision = reschedule(world, at('10:00'), { target: sch2 });
    expect(stored(decision).days).toEqual({
      [`sch-1/${WED}`]: [slotReleased('b1', 'rescheduled')],
      [`sch-2/${WED}`]: [slotReserved('b1', at('10:00'), { scheduleId: 'sch-2' })],
    });
    expect(decision.booking[0].data).toMatchObject({ scheduleId: 'sch-2' });
    expect(decision.package).toEqual([]); // the session time did not change
    const after = applyDecision(world, decision);
    expect(after.booking).toMatchObject({ scheduleId: 'sch-2', start: at('10:00') });
    expect(stored(cancel(after)).days).toEqual({ [`sch-2/${WED}`]: [slotReleased('b1', 'cancelled', WED, 'sch-2')] });
    // Moving it again (back to sch-1, another time) releases the sch-2 seat.
    expect(Object.keys(reschedule(after, at('15:00')).days).sort()).toEqual([`sch-1/${WED}`, `sch-2/${WED}`]);
    expect(stored(reschedule(after, at('15:00'))).days[`sch-2/${WED}`]).toEqual([slotReleased('b1', 'rescheduled', WED, 'sch-2')]);
  });
});

describe('evolveBooking', () => {
  it('ignores changes to a booking it never saw placed', () => {
    const events: BookingEvent[] = [
      { type: 'BookingCancelled', data: { ...REF, creditOutcome: 'returned', rule: 'cancelled_within_notice', start: at('10:00'), late: false, noticeHours: 24, reason: null } },
      { type: 'AttendanceMarked', data: { ...REF, creditOutcome: 'used', rule: 'attended', start: at('10:00'), attendance: 'attended' } },
      { type: 'BookingRescheduled', data: { ...REF, previousScheduleId: 'sch-1', previousStart: at('10:00'), previousEnd: at('11:00'), previousDate: WED, start: at('12:00'), end: at('13:00'), date: WED } },
    ];
    for (const event of events) expect(evolveBooking(initialBookingState, event)).toEqual(initialBookingState);
  });
});

describe('invariants over random place / cancel / attend / reschedule sequences on one schedule day (seeded)', () => {
  it('no session holds more than its capacity, no two sessions overlap, and seats, bookings and credits agree', () => {
    const outcomes = new Set<string>();
    const refusals = new Set<DomainErrorCode>();
    let placedCount = 0;

    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const capacity = random.int(1, 4);
      const types: Record<string, Partial<SessionType>> = {
        pt: { durationMinutes: 45, bufferMinutes: 15, capacity: 1 },
        group: { durationMinutes: 60, bufferMinutes: random.pick([0, 15]), capacity },
        short: { durationMinutes: 30, bufferMinutes: 0, capacity, maxSessionsPerDay: random.pick([null, 3]) },
      };
      const schedule = { sessionTypeIds: Object.keys(types), weeklyHours: everyDay(r('09:00', '13:00')) };
      const targetOf = (typeId: string) => target(typeId, { type: { ...sessionType({}), ...types[typeId] }, schedule });
      const off = offering({
        sessionCount: 2,
        cancellationPolicy: { noticeHours: random.pick([0, 24, 72]), lateCancellation: random.pick(['return', 'forfeit']), noShow: random.pick(['return', 'forfeit']) },
      });
      const clients = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
      const packages: Record<string, PackageState> = Object.fromEntries(
        clients.map((c) => [c, foldPackage([purchased({ ...pkgRef(`p-${c}`, c), credits: 2, price: EUR(2000), expiresAt: null })])]),
      );
      const bookings: Record<string, BookingState> = {};
      const credit: Record<string, CreditDecision['creditOutcome']> = {};
      let day = initialScheduleDayState;
      const key = `sch-1/${WED}`;

      const apply = (bookingId: string, packageId: string, decision: BookingDecision) => {
        bookings[bookingId] = decision.booking.reduce(evolveBooking, bookings[bookingId] ?? initialBookingState);
        for (const [k, events] of Object.entries(decision.days)) {
          if (k !== key) throw new Error(`touched another day: ${k}`);
          day = events.reduce(evolveScheduleDay, day);
        }
        const client = packageId.slice(2);
        packages[client] = decision.package.reduce(evolvePackage, packages[client]);
        for (const event of decision.booking) {
          if (event.type === 'BookingCancelled' || event.type === 'AttendanceMarked') {
            credit[bookingId] = event.data.creditOutcome;
            outcomes.add(`${event.type}:${event.data.rule}`);
          }
        }
      };

      for (let step = 0; step < 150; step++) {
        const where = `seed ${seed}, step ${step}`;
        const ids = Object.keys(bookings);
        const action = ids.length === 0 ? 'place' : random.pick(['place', 'place', 'place', 'cancel', 'attend', 'reschedule'] as const);
        try {
          if (action === 'place') {
            const client = random.pick(clients);
            const typeId = random.pick(Object.keys(types));
            const t = targetOf(typeId);
            const slot = random.pick(slotsOn(t.schedule, t.sessionType, WED));
            const bookingId = `s${seed}-b${step}`;
            const decision = placeBooking(
              { booking: initialBookingState, day, pkg: packages[client], offering: off, target: t, client: { ...CLIENT, clientId: client }, otherPackages: [] },
              { bookingId, start: slot.start },
              ctx,
            );
            apply(bookingId, `p-${client}`, decision);
            placedCount++;
          } else {
            const bookingId = random.pick(ids);
            const b = openBooking(bookings[bookingId]);
            const client = b.clientId;
            if (action === 'cancel') {
              const now = random.pick([NOW, plus(b.start, -HOUR), plus(b.start, -30 * HOUR)]);
              const by = random.pick(['client', 'client', 'business'] as const);
              apply(bookingId, b.packageId, cancelBooking({ booking: b, day, pkg: packages[client], offering: off }, { reason: null, by }, ctxAt(now)));
            } else if (action === 'attend') {
              const attendance = random.pick(['attended', 'no_show'] as const);
              apply(bookingId, b.packageId, markAttendance({ booking: b, pkg: packages[client], offering: off }, { attendance }, ctxAt(plus(b.start, 5 * 60_000))));
            } else {
              const t = targetOf(b.sessionTypeId);
              const slot = random.pick(slotsOn(t.schedule, t.sessionType, WED));
              const decision = rescheduleBooking(
                { booking: b, day, newDay: day, pkg: packages[client], offering: off, target: t, client: { ...CLIENT, clientId: client }, otherPackages: [] },
                { start: slot.start },
                ctx,
              );
              apply(bookingId, b.packageId, decision);
              outcomes.add('rescheduled');
            }
          }
        } catch (error) {
          if (!(error instanceof DomainError)) throw new Error(`${where}: ${error}`);
          refusals.add(error.code);
        }

        // Seats: per session at most its capacity; no two sessions overlap (buffers included).
        const sessions = new Map<string, typeof day.reservations>();
        for (const x of day.reservations) sessions.set(`${x.sessionTypeId}@${x.start}`, [...(sessions.get(`${x.sessionTypeId}@${x.start}`) ?? []), x]);
        for (const [session, seats] of sessions) {
          const cap = types[seats[0].sessionTypeId].capacity!;
          if (seats.length > cap) throw new Error(`${where}: ${session} holds ${seats.length} > ${cap}`);
        }
        const heads = [...sessions.values()].map((seats) => seats[0]);
        for (const a of heads) {
          for (const b of heads) {
            const gap = Math.max(a.bufferMinutes, b.bufferMinutes) * 60_000;
            if (a !== b && Date.parse(a.start) < Date.parse(b.end) + gap && Date.parse(b.start) < Date.parse(a.end) + gap) {
              throw new Error(`${where}: ${a.sessionTypeId}@${a.start} overlaps ${b.sessionTypeId}@${b.start}`);
            }
          }
        }
        // Every booking not cancelled holds exactly one seat, at its own time; cancelled ones hold none.
        const seatOf = new Map(day.reservations.map((x) => [x.bookingId, x]));
        if (seatOf.size !== day.reservations.length) throw new Error(`${where}: a booking holds two seats`);
        for (const [id, state] of Object.entries(bookings)) {
          const b = openBooking(state);
          const seat = seatOf.get(id);
          if (b.status === 'cancelled' ? seat !== undefined : seat?.start !== b.start || seat.end !== b.end) {
            throw new Error(`${where}: ${id} (${b.status} at ${b.start}) has seat ${JSON.stringify(seat)}`);
          }
          // The credit: redeemed at the booking's time; reversed exactly when it was returned.
          const redemption = snapshot(packages[b.clientId]).redemptions[id];
          if (!redemption || redemption.sessionAt !== b.start) throw new Error(`${where}: ${id} redemption ${JSON.stringify(redemption)}`);
          if (redemption.reversed !== (credit[id] === 'returned')) throw new Error(`${where}: ${id} reversed=${redemption.reversed} but outcome ${credit[id]}`);
        }
        for (const pkg of Object.values(packages)) {
          const s = snapshot(pkg);
          const live = Object.values(s.redemptions).filter((x) => !x.reversed).length;
          if (creditsRemaining(s) < 0 || s.creditsUsed !== live || creditsRemaining(s) !== s.creditsTotal - s.creditsUsed) {
            throw new Error(`${where}: package ${s.packageId} out of balance`);
          }
        }
      }
    }

    expect(placedCount).toBeGreaterThan(300);
    for (const code of ['slot_full', 'slot_unavailable', 'booking_cancelled', 'attendance_already_marked', 'same_time'] as const) expect(refusals).toContain(code);
    expect(refusals.has('no_credits_left') || refusals.has('booking_limit_reached')).toBe(true);
    for (const outcome of [
      'BookingCancelled:cancelled_within_notice',
      'BookingCancelled:cancelled_by_business',
      'AttendanceMarked:attended',
      'rescheduled',
    ]) {
      expect(outcomes).toContain(outcome);
    }
    expect([...outcomes].some((o) => o.startsWith('AttendanceMarked:no_show'))).toBe(true);
  });
});


describe('the weekly cap counts the client’s sessions of the offering across all their packages (issue 16)', () => {
  const capped = offering({ maxSessionsPerWeek: 1 });
  // pkg-2: another package of the same offering and client, with a session on Monday of the same week.
  const sibling = foldPackage([purchased({ ...pkgRef('pkg-2') }), redeemedFor('s1', at('10:00', '2026-06-01'), 1000, 'paid', pkgRef('pkg-2'))]);

  it('placing: a session in the same week on another package of the offering counts', () => {
    fails(() => place('b1', at('10:00'), { offering: capped, otherPackages: [sibling] }), 'weekly_limit_reached');
    // The next week is free.
    expect(place('b1', at('10:00', '2026-06-10'), { offering: capped, otherPackages: [sibling] }).package).toHaveLength(1);
  });

  it('sessions of another offering, another client or returned credits do not count', () => {
    const otherOffering = foldPackage([purchased({ ...pkgRef('pkg-3'), offeringId: 'off-2' }), redeemedFor('s2', at('10:00', '2026-06-01'), 1000, 'paid', { ...pkgRef('pkg-3'), offeringId: 'off-2' })]);
    const otherClient = foldPackage([purchased({ ...pkgRef('pkg-4', 'client-2') }), redeemedFor('s3', at('10:00', '2026-06-01'), 1000, 'paid', pkgRef('pkg-4', 'client-2'))]);
    const returnedOne = foldPackage([
      purchased({ ...pkgRef('pkg-5') }),
      redeemedFor('s4', at('10:00', '2026-06-01'), 1000, 'paid', pkgRef('pkg-5')),
      { type: 'RedemptionReversed', data: { ...pkgRef('pkg-5'), redemptionId: 's4', reason: 'x', creditKind: 'paid', value: 1000, rule: 'cancelled_within_notice', sessionAt: null } },
    ]);
    expect(place('b1', at('10:00'), { offering: capped, otherPackages: [otherOffering, otherClient, returnedOne] }).package).toHaveLength(1);
  });

  it('automatic choice: a client at the cap across packages is refused with weekly_limit_reached, not no_usable_package', () => {
    const fresh = { pkg: pkgOf(), offering: capped };
    fails(() => choosePackage([fresh, { pkg: sibling, offering: capped }], { target: target(), client: CLIENT }, at('10:00'), 'b1', ctx), 'weekly_limit_reached');
  });

  it('rescheduling into a week where another package already holds the cap is refused', () => {
    const world = booked({ offering: capped, start: at('10:00', '2026-06-10') });
    fails(() => reschedule(world, at('14:00'), { offering: capped, otherPackages: [sibling] }), 'weekly_limit_reached');
  });
});

describe('recordPastSession: staff record a session that already took place', () => {
  const yesterday = at('10:00', '2026-05-29'); // a Friday before NOW (Monday 1 June, 08:00 Berlin)
  const record = (start: string, o: PlaceOptions = {}) =>
    recordPastSession(
      deepFreeze({
        booking: o.booking ?? initialBookingState,
        day: o.day ?? initialScheduleDayState,
        pkg: o.pkg ?? pkgOf(),
        offering: o.offering ?? offering(),
        target: o.target ?? target(),
        client: o.client ?? CLIENT,
        otherPackages: o.otherPackages ?? [],
        ...(o.busy ? { busy: o.busy } : {}),
      }),
      { bookingId: 'b1', start, recordedBy: 'api-key:staff-1' },
      o.ctx ?? ctx,
    );

  it('books and marks attended at once, takes the credit, and records who recorded it and when', () => {
    const decision = stored(record(yesterday));
    const ref = { ...REF };
    expect(decision.booking).toEqual([
      { type: 'BookingPlaced', data: { ...ref, start: yesterday, end: at('11:00', '2026-05-29'), date: '2026-05-29', pastSession: { recordedBy: 'api-key:staff-1', recordedAt: NOW } } },
      { type: 'AttendanceMarked', data: { ...ref, creditOutcome: 'used', rule: 'attended', start: yesterday, attendance: 'attended' } },
    ]);
    expect(decision.days).toEqual({ [`sch-1/2026-05-29`]: [slotReserved('b1', yesterday, { date: '2026-05-29' })] });
    expect(decision.package).toEqual([redeemedFor('b1', yesterday)]);
    const folded = decision.booking.reduce(evolveBooking, initialBookingState);
    expect(folded).toMatchObject({ status: 'attended', credit: { creditOutcome: 'used', rule: 'attended' } });
  });

  it('only the past: a session that has not started is booked, not recorded (session_not_in_past)', () => {
    fails(() => record(at('10:00')), 'session_not_in_past');
    fails(() => record(NOW), 'session_not_in_past');
  });

  it('seat rules that make sense for the past hold: an offered slot, capacity, overlaps; lead times and today’s active flags do not', () => {
    const taken = { reservations: [{ bookingId: 'x', sessionTypeId: 'pt', start: yesterday, end: at('11:00', '2026-05-29'), bufferMinutes: 0, capacity: 1 }] };
    fails(() => record(yesterday, { day: taken }), 'slot_full');
    fails(() => record(at('10:30', '2026-05-29')), 'slot_not_offered');
    expect(record(yesterday, { target: target('pt', { schedule: { active: false }, type: { minLeadHours: 48 } }) }).package).toHaveLength(1);
  });

  it('the package rules hold: credits, expiry, the weekly cap', () => {
    const used = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id, i) => redeemedFor(id, at('10:00', `2026-05-2${i}`)));
    fails(() => record(yesterday, { pkg: pkgOf(...used) }), 'no_credits_left');
    const capped = offering({ maxSessionsPerWeek: 1 });
    fails(() => record(yesterday, { offering: capped, pkg: pkgOf(redeemedFor('w1', at('10:00', '2026-05-28'))) }), 'weekly_limit_reached');
  });
});

describe('busy times from external calendars (issue 14, ADR 0026)', () => {
  // The host is busy Wednesday 10:30–11:15 (an event in one of the schedule's external calendars).
  const busy = [{ start: at('10:30'), end: at('11:15') }];

  it('given a busy time, when a booking’s session overlaps it, then slot_busy; touching ends and other times book', () => {
    fails(() => place('b1', at('10:00'), { busy }), 'slot_busy'); // 10:00–11:00 overlaps 10:30
    fails(() => place('b1', at('11:00'), { busy }), 'slot_busy'); // 11:00–12:00 overlaps until 11:15
    expect(place('b1', at('09:00'), { busy: [{ start: at('08:00'), end: at('09:00') }] }).booking).toHaveLength(1); // ends where the session starts
    expect(place('b1', at('12:00'), { busy }).booking).toHaveLength(1);
    expect(place('b1', at('10:00'), { busy: [] }).booking).toHaveLength(1);
  });

  it('given a busy time, when a booking is moved onto it, then slot_busy; moving elsewhere is fine', () => {
    const world = booked({ start: at('14:00') });
    fails(() => reschedule(world, at('10:00'), { busy }), 'slot_busy');
    expect(reschedule(world, at('16:00'), { busy }).booking[0].type).toBe('BookingRescheduled');
  });

  it('given a busy time, when staff record a past session over it, then it is recorded (it took place)', () => {
    const yesterday = at('10:00', '2026-05-29');
    const decision = recordPastSession(
      deepFreeze({ booking: initialBookingState, day: initialScheduleDayState, pkg: pkgOf(), offering: offering(), target: target(), client: CLIENT, otherPackages: [], busy: [{ start: yesterday, end: at('12:00', '2026-05-29') }] }),
      { bookingId: 'b1', start: yesterday, recordedBy: 'api-key:staff-1' },
      ctx,
    );
    expect(decision.booking.map((e) => e.type)).toEqual(['BookingPlaced', 'AttendanceMarked']);
  });
});

describe('booking event upcasting (issue 16)', () => {
  it('a v1 BookingRescheduled has previousScheduleId null (= the booking’s schedule before it); a v1 BookingPlaced no pastSession', () => {
    const v1 = { ...REF, previousStart: at('10:00'), previousEnd: at('11:00'), previousDate: WED, start: at('14:00'), end: at('15:00'), date: WED };
    expect(upcast('BookingRescheduled', 1, v1)).toEqual({ ...v1, previousScheduleId: null });
    const placed = { ...REF, start: at('10:00'), end: at('11:00'), date: WED };
    expect(upcast('BookingPlaced', 1, placed)).toEqual({ ...placed, pastSession: null });
  });

  it('a reschedule across schedules records the schedule it left', () => {
    const world = booked();
    const sch2 = target('pt', { scheduleId: 'sch-2' });
    expect(reschedule(world, at('14:00'), { target: sch2 }).booking[0].data).toMatchObject({ scheduleId: 'sch-2', previousScheduleId: 'sch-1' });
  });
});

it('exercises every error code the booking decider raises', () => {
  const raised = codesRaisedIn(readFileSync(join(__dirname, 'booking.decider.ts'), 'utf8'));
  expect(raised.length).toBeGreaterThan(0);
  expect(raised.filter((code) => !exercisedCodes.has(code))).toEqual([]);
});
