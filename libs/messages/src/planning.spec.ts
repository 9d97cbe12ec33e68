import { bookingIcs } from './ics';
import {
  expiryReminderDueAt,
  isKnownZone,
  nudgeDueAt,
  PackagePlanState,
  PlanAction,
  PlanEvent,
  planBookingEvent,
  planningZone,
  planOfferingEvent,
  planPackageEvent,
  PlanSettings,
  ScheduleAction,
  sessionReminderDueAt,
} from './planning';

const P = 'pkg-1';
const C = 'client-1';
const ny: PlanSettings = { zone: 'America/New_York', expiryReminderDays: 7 };

function purchased(purchasedAt: string, expiresAt: string | null, credits = 6): PlanEvent {
  return { type: 'PackagePurchased', occurredAt: purchasedAt, data: { packageId: P, clientId: C, credits, purchasedAt, expiresAt } };
}
const redeemed = (occurredAt: string, redemptionId = 'r1', sessionAt = occurredAt): PlanEvent => ({
  type: 'SessionRedeemed',
  occurredAt,
  data: { packageId: P, redemptionId, bookingId: 'b1', sessionAt },
});

/** Given events, the actions of each (the state threaded through). */
function run(events: PlanEvent[], settings = ny): { state: PackagePlanState | null; actions: PlanAction[][] } {
  let state: PackagePlanState | null = null;
  const actions: PlanAction[][] = [];
  for (const event of events) {
    const result = planPackageEvent(state, event, settings);
    state = result.state;
    actions.push(result.actions);
  }
  return { state, actions };
}
const hours = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 3_600_000;

describe('message planning rules', () => {
  it('a purchase plans the confirmation now, the nudge a local day later and the reminder 7 local days before expiry at 09:00', () => {
    const { actions } = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z')]);
    expect(actions[0]).toEqual([
      { type: 'schedule', id: `purchase_confirmation:${P}`, kind: 'purchase_confirmation', packageId: P, clientId: C, dueAt: '2026-06-01T14:00:00.000Z' },
      { type: 'schedule', id: `booking_nudge:${P}`, kind: 'booking_nudge', packageId: P, clientId: C, dueAt: '2026-06-02T14:00:00.000Z' },
      // 2026-08-30 10:00 EDT → 2026-08-23 09:00 EDT = 13:00Z
      { type: 'schedule', id: `expiry_reminder:${P}`, kind: 'expiry_reminder', packageId: P, clientId: C, dueAt: '2026-08-23T13:00:00.000Z' },
    ]);
  });

  it('a package without expiry plans no reminder', () => {
    const { actions } = run([purchased('2026-06-01T14:00:00.000Z', null)]);
    expect(actions[0].map((a) => a.id)).toEqual([`purchase_confirmation:${P}`, `booking_nudge:${P}`]);
  });

  it('the first redemption (a booking) cancels the nudge, later ones do not repeat it', () => {
    const { actions } = run([purchased('2026-06-01T14:00:00.000Z', null), redeemed('2026-06-02T13:59:00.000Z'), redeemed('2026-06-03T10:00:00.000Z', 'r2')]);
    expect(actions[1]).toEqual([{ type: 'cancel', id: `booking_nudge:${P}`, reason: 'booked' }]);
    expect(actions[2]).toEqual([]);
  });

  it('the last credit used cancels the reminder and plans the renewal prompt after its session; a reschedule moves it', () => {
    const { actions } = run([
      purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z', 1),
      redeemed('2026-06-02T10:00:00.000Z', 'r1', '2026-06-05T16:00:00.000Z'),
      { type: 'SessionRescheduled', occurredAt: '2026-06-03T10:00:00.000Z', data: { packageId: P, redemptionId: 'r1', sessionAt: '2026-06-06T16:00:00.000Z' } },
    ]);
    expect(actions[1]).toEqual([
      { type: 'cancel', id: `booking_nudge:${P}`, reason: 'booked' },
      { type: 'cancel', id: `expiry_reminder:${P}`, reason: 'credits_used_up' },
      { type: 'schedule', id: `renewal_prompt:${P}`, kind: 'renewal_prompt', packageId: P, clientId: C, dueAt: '2026-06-05T16:00:00.000Z' },
    ]);
    expect(actions[2]).toEqual([expect.objectContaining({ id: `renewal_prompt:${P}`, dueAt: '2026-06-06T16:00:00.000Z' })]);
  });

  it('a reversal that gives a credit back cancels the renewal prompt and plans the reminder again', () => {
    const { actions } = run([
      purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z', 1),
      redeemed('2026-06-02T10:00:00.000Z'),
      { type: 'RedemptionReversed', occurredAt: '2026-06-03T10:00:00.000Z', data: { packageId: P, redemptionId: 'r1' } },
    ]);
    expect(actions[2]).toEqual([
      { type: 'cancel', id: `renewal_prompt:${P}`, reason: 'credits_returned' },
      expect.objectContaining({ type: 'schedule', id: `expiry_reminder:${P}`, dueAt: '2026-08-23T13:00:00.000Z' }),
    ]);
  });

  it('an expiry change moves the reminder; removing the expiry cancels it; one already late goes out at once', () => {
    const { actions } = run([
      purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z'),
      { type: 'ExpiryChanged', occurredAt: '2026-06-10T10:00:00.000Z', data: { packageId: P, expiresAt: '2026-09-30T14:00:00.000Z' } },
      { type: 'ExpiryChanged', occurredAt: '2026-06-11T10:00:00.000Z', data: { packageId: P, expiresAt: '2026-06-13T14:00:00.000Z' } },
      { type: 'ExpiryChanged', occurredAt: '2026-06-12T10:00:00.000Z', data: { packageId: P, expiresAt: null } },
    ]);
    expect(actions[1]).toEqual([expect.objectContaining({ id: `expiry_reminder:${P}`, dueAt: '2026-09-23T13:00:00.000Z' })]);
    expect(actions[2]).toEqual([expect.objectContaining({ id: `expiry_reminder:${P}`, dueAt: '2026-06-11T10:00:00.000Z' })]);
    expect(actions[3]).toEqual([{ type: 'cancel', id: `expiry_reminder:${P}`, reason: 'expiry_removed' }]);
  });

  it('the business reminder days are honoured, and a reminder before the purchase is not planned', () => {
    const three = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z')], { zone: 'UTC', expiryReminderDays: 3 });
    expect(three.actions[0][2]).toEqual(expect.objectContaining({ id: `expiry_reminder:${P}`, dueAt: '2026-08-27T09:00:00.000Z' }));
    const short = run([purchased('2026-06-01T14:00:00.000Z', '2026-06-05T14:00:00.000Z')]);
    expect(short.actions[0].map((a) => a.id)).toEqual([`purchase_confirmation:${P}`, `booking_nudge:${P}`]);
  });

  it('expiry with forfeited credits plans the expiry notice and cancels what is pending; without credits left, no notice', () => {
    const expired = (credits: number): PlanEvent => ({ type: 'PackageExpired', occurredAt: '2026-08-30T14:01:00.000Z', data: { packageId: P, creditsForfeited: credits } });
    const withCredits = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z'), expired(6)]);
    expect(withCredits.actions[1]).toContainEqual({ type: 'cancel', id: `expiry_reminder:${P}`, reason: 'expired' });
    expect(withCredits.actions[1]).toContainEqual(expect.objectContaining({ type: 'schedule', id: `expiry_notice:${P}`, dueAt: '2026-08-30T14:01:00.000Z' }));
    const none = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z'), expired(0)]);
    expect(none.actions[1].filter((a) => a.type === 'schedule')).toEqual([]);
  });

  it('a full refund cancels every pending message and closes the plan; a partial one changes nothing', () => {
    const refund = (credits: number): PlanEvent => ({ type: 'PackageRefunded', occurredAt: '2026-06-01T15:00:00.000Z', data: { packageId: P, credits } });
    const partial = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z'), refund(2)]);
    expect(partial.actions[1]).toEqual([]);
    const full = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z'), refund(6), redeemed('2026-06-02T10:00:00.000Z')]);
    expect(full.actions[1]).toContainEqual({ type: 'cancel', id: `booking_nudge:${P}`, reason: 'refunded' });
    expect(full.actions[1]).toContainEqual({ type: 'cancel', id: `expiry_reminder:${P}`, reason: 'refunded' });
    expect(full.actions[2]).toEqual([]);
  });

  it('a replayed purchase plans nothing new (the same state, the same ids)', () => {
    const first = planPackageEvent(null, purchased('2026-06-01T14:00:00.000Z', null), ny);
    expect(planPackageEvent(first.state, purchased('2026-06-01T14:00:00.000Z', null), ny).actions).toEqual([]);
  });

  describe('in the client zone, across DST changes', () => {
    it('New York, spring forward: the nudge is at the same local time the next day, 23 real hours later', () => {
      // 2026-03-07 15:00 EST; clocks go forward on 2026-03-08 at 02:00.
      const at = '2026-03-07T20:00:00.000Z';
      const due = nudgeDueAt(at, 'America/New_York');
      expect(due).toBe('2026-03-08T19:00:00.000Z'); // 15:00 EDT
      expect(hours(at, due)).toBe(23);
    });

    it('Berlin, fall back: the nudge is at the same local time the next day, 25 real hours later', () => {
      // 2026-10-24 10:00 CEST; clocks go back on 2026-10-25 at 03:00.
      const at = '2026-10-24T08:00:00.000Z';
      const due = nudgeDueAt(at, 'Europe/Berlin');
      expect(due).toBe('2026-10-25T09:00:00.000Z'); // 10:00 CET
      expect(hours(at, due)).toBe(25);
    });

    it('Berlin: the reminder 7 days before an expiry after spring forward is at 09:00 CET', () => {
      // expiry 2026-04-02 12:00 CEST (UTC+2); 2026-03-26 09:00 CET (UTC+1), before the 29 March change.
      expect(expiryReminderDueAt('2026-04-02T10:00:00.000Z', 7, 'Europe/Berlin')).toBe('2026-03-26T08:00:00.000Z');
    });

    it('New York: the reminder 7 days before an expiry after fall back is at 09:00 EDT', () => {
      // expiry 2026-11-05 12:00 EST (UTC-5); 2026-10-29 09:00 EDT (UTC-4), before the 1 November change.
      expect(expiryReminderDueAt('2026-11-05T17:00:00.000Z', 7, 'America/New_York')).toBe('2026-10-29T13:00:00.000Z');
    });

    it('the local date decides: an expiry just after local midnight counts from that local date', () => {
      // 2026-06-10 00:30 in Tokyo is still 2026-06-09 in UTC.
      expect(expiryReminderDueAt('2026-06-09T15:30:00.000Z', 7, 'Asia/Tokyo')).toBe('2026-06-03T00:00:00.000Z'); // 09:00 JST on 3 June
      expect(expiryReminderDueAt('2026-06-09T15:30:00.000Z', 7, 'UTC')).toBe('2026-06-02T09:00:00.000Z');
    });

    it('a reminder time not before the expiry itself (0 days, expiry before 09:00) is the expiry', () => {
      expect(expiryReminderDueAt('2026-06-09T06:00:00.000Z', 0, 'UTC')).toBe('2026-06-09T06:00:00.000Z');
    });
  });
});

describe('booking notices', () => {
  const ref = { bookingId: 'b1', clientId: C, packageId: P, offeringId: 'o', scheduleId: 's', sessionTypeId: 't' };
  const placed = { type: 'BookingPlaced', occurredAt: '2026-06-01T10:00:00.000Z', streamVersion: 1, data: { ...ref, start: '2026-06-03T09:00:00.000Z', end: '2026-06-03T10:00:00.000Z', pastSession: null } };

  it('a placed booking plans its confirmation with the session times; a past session recorded afterwards plans none', () => {
    expect(planBookingEvent(placed)).toEqual([
      {
        type: 'schedule',
        id: 'booking_confirmation:b1',
        kind: 'booking_confirmation',
        packageId: P,
        clientId: C,
        dueAt: '2026-06-01T10:00:00.000Z',
        context: { bookingId: 'b1', start: '2026-06-03T09:00:00.000Z', end: '2026-06-03T10:00:00.000Z', sequence: 0 },
      },
    ]);
    expect(planBookingEvent({ ...placed, data: { ...placed.data, pastSession: { attendance: 'attended' } } })).toEqual([]);
  });

  it('each reschedule is its own notice (keyed by the change), cancelling older ones not yet sent; a cancellation cancels both', () => {
    const notices = (actions: PlanAction[]) => actions.filter((a) => !a.id.startsWith('session_reminder'));
    const moved = notices(planBookingEvent({
      type: 'BookingRescheduled',
      occurredAt: '2026-06-02T10:00:00.000Z',
      streamVersion: 2,
      data: { ...ref, previousStart: '2026-06-03T09:00:00.000Z', start: '2026-06-04T09:00:00.000Z', end: '2026-06-04T10:00:00.000Z' },
    }));
    expect(moved).toEqual([
      { type: 'cancel', id: 'booking_confirmation:b1', reason: 'booking_changed' },
      { type: 'cancel', id: 'booking_rescheduled:b1:', reason: 'booking_changed', prefixOfPackage: P },
      expect.objectContaining({ id: 'booking_rescheduled:b1:2', context: expect.objectContaining({ previousStart: '2026-06-03T09:00:00.000Z', sequence: 1 }) }),
    ]);
    const cancelled = notices(planBookingEvent({ type: 'BookingCancelled', occurredAt: '2026-06-02T11:00:00.000Z', streamVersion: 3, data: { ...ref, start: '2026-06-04T09:00:00.000Z' } }));
    expect(cancelled.map((a) => a.id)).toEqual(['booking_confirmation:b1', 'booking_rescheduled:b1:', 'booking_cancelled:b1']);
    expect(cancelled[1]).toEqual({ type: 'cancel', id: 'booking_rescheduled:b1:', reason: 'booking_cancelled', prefixOfPackage: P });
    expect(cancelled[2]).toEqual(expect.objectContaining({ type: 'schedule', kind: 'booking_cancelled', context: expect.objectContaining({ sequence: 2 }) }));
  });

  it('a move back and forth (A to B, back to A, to B again) gives each move its own notice; a replay gives the same ids', () => {
    const A = '2026-06-03T09:00:00.000Z';
    const B = '2026-06-04T09:00:00.000Z';
    const move = (streamVersion: number, from: string, to: string) => ({
      type: 'BookingRescheduled',
      occurredAt: `2026-06-02T1${streamVersion}:00:00.000Z`,
      streamVersion,
      data: { ...ref, previousStart: from, start: to, end: to.replace('09:00', '10:00') },
    });
    const log = [move(2, A, B), move(3, B, A), move(4, A, B)];
    const planned = (events: typeof log) => events.flatMap((e) => planBookingEvent(e)).filter((a) => a.type === 'schedule' && a.kind === 'booking_rescheduled') as ScheduleAction[];
    const first = planned(log);
    expect(first.map((a) => a.id)).toEqual(['booking_rescheduled:b1:2', 'booking_rescheduled:b1:3', 'booking_rescheduled:b1:4']);
    expect(new Set(first.map((a) => a.id)).size).toBe(3);
    // Both moves to B are noticed, each with its own id and calendar sequence.
    const toB = first.filter((a) => a.context!.start === B);
    expect(toB.map((a) => [a.id, a.context!.sequence])).toEqual([
      ['booking_rescheduled:b1:2', 1],
      ['booking_rescheduled:b1:4', 3],
    ]);
    // A replay of the same log plans exactly the same actions (same ids: the rows are hit again, never added).
    expect(log.flatMap((e) => planBookingEvent(e))).toEqual(log.flatMap((e) => planBookingEvent(e)));
    expect(planned(log)).toEqual(first);
  });
});

describe('an unknown time zone', () => {
  const bad: PlanSettings = { zone: 'Mars/Olympus_Mons', expiryReminderDays: 7 };

  it('plans in UTC instead of stopping: every planned time is a valid instant', () => {
    expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownZone('Europe/Berlin')).toBe(true);
    expect(planningZone('Mars/Olympus_Mons')).toBe('UTC');
    expect(planningZone(null)).toBe('UTC');
    const { actions } = run([purchased('2026-06-01T14:00:00.000Z', '2026-08-30T14:00:00.000Z')], bad);
    expect(actions[0]).toEqual([
      expect.objectContaining({ id: `purchase_confirmation:${P}`, dueAt: '2026-06-01T14:00:00.000Z' }),
      expect.objectContaining({ id: `booking_nudge:${P}`, dueAt: '2026-06-02T14:00:00.000Z' }), // 24 h in UTC
      expect.objectContaining({ id: `expiry_reminder:${P}`, dueAt: '2026-08-23T09:00:00.000Z' }), // 09:00 UTC
    ]);
    const booked = planBookingEvent(
      { type: 'BookingPlaced', occurredAt: '2026-06-01T10:00:00.000Z', streamVersion: 1, data: { bookingId: 'b9', clientId: C, packageId: P, start: '2026-06-05T09:00:00.000Z', end: '2026-06-05T10:00:00.000Z', pastSession: null } },
      { reminders: [{ amount: 1, unit: 'days' }], feedbackRequest: false },
      'Mars/Olympus_Mons',
    );
    expect(booked.find((a) => a.id.startsWith('session_reminder'))).toEqual(expect.objectContaining({ dueAt: '2026-06-04T09:00:00.000Z' }));
    expect(sessionReminderDueAt('2026-06-05T09:00:00.000Z', { amount: 2, unit: 'hours' }, 'Not/AZone')).toBe('2026-06-05T07:00:00.000Z');
  });
});

describe('booking calendar invitations', () => {
  it('one event, UTC times, escaped text, folded lines, the booking as UID and SEQUENCE per change', () => {
    const ics = bookingIcs({
      bookingId: 'b1',
      sequence: 2,
      start: '2026-06-04T09:00:00.000Z',
      end: '2026-06-04T10:00:00.000Z',
      method: 'CANCEL',
      summary: 'Six, sessions; "studio" ' + 'x'.repeat(80),
      organizer: { name: 'Studio "Nord"', email: 'hello@studio.test' },
      attendee: { name: 'Ann', email: 'ann@example.com' },
      stamp: '2026-06-02T11:00:00.000Z',
    });
    const lines = ics.split('\r\n');
    expect(lines).toContain('METHOD:CANCEL');
    expect(lines).toContain('UID:b1@punchcard.bookings');
    expect(lines).toContain('SEQUENCE:2');
    expect(lines).toContain('DTSTART:20260604T090000Z');
    expect(lines).toContain('STATUS:CANCELLED');
    expect(lines).toContain(`ORGANIZER;CN="Studio ^'Nord^'":mailto:hello@studio.test`); // a quote as ^' (RFC 6868)
    expect(lines.every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(ics.replace(/\r\n /g, '')).toContain('SUMMARY:Six\\, sessions\\; "studio" x');
  });
});

describe('session reminders and feedback requests', () => {
  const ref = { bookingId: 'b2', clientId: C, packageId: P, offeringId: 'o', scheduleId: 's', sessionTypeId: 't' };
  const offering = { reminders: [{ amount: 1, unit: 'days' as const }, { amount: 90, unit: 'minutes' as const }], feedbackRequest: true };
  const start = '2026-03-09T14:00:00.000Z'; // 10:00 EDT, the day after New York springs forward
  const placed = { type: 'BookingPlaced', occurredAt: '2026-03-01T10:00:00.000Z', streamVersion: 1, data: { ...ref, start, end: '2026-03-09T15:00:00.000Z', pastSession: null } };
  const reminders = (actions: PlanAction[]) => actions.filter((a) => a.id.startsWith('session_reminder'));

  it("plans the offering's reminders before the session: days in the client zone across DST, minutes in real time", () => {
    expect(reminders(planBookingEvent(placed, offering, 'America/New_York'))).toEqual([
      expect.objectContaining({ type: 'schedule', id: `session_reminder:b2:${start}:0`, kind: 'session_reminder', dueAt: '2026-03-08T14:00:00.000Z' }), // 10:00 EDT the day before = 23 h
      expect.objectContaining({ type: 'schedule', id: `session_reminder:b2:${start}:1`, dueAt: '2026-03-09T12:30:00.000Z' }),
    ]);
    // In Berlin (no change that weekend) one day before is 24 hours before.
    expect(reminders(planBookingEvent(placed, offering, 'Europe/Berlin'))[0]).toEqual(expect.objectContaining({ dueAt: '2026-03-08T14:00:00.000Z' }));
    // A session at 10:00 CET on 25 October 2026: 10:00 CEST the day before, 25 hours earlier (the fall-back night).
    expect(sessionReminderDueAt('2026-10-25T09:00:00.000Z', { amount: 1, unit: 'days' }, 'Europe/Berlin')).toBe('2026-10-24T08:00:00.000Z');
  });

  it('skips a reminder already past; none without offering reminders', () => {
    const late = { ...placed, occurredAt: '2026-03-09T13:00:00.000Z' };
    expect(reminders(planBookingEvent(late, offering, 'UTC')).map((a) => a.id)).toEqual([]);
    expect(reminders(planBookingEvent(placed, null, 'UTC'))).toEqual([]);
  });

  it('a reschedule cancels the reminders of the old time and plans new ones; a cancellation cancels them', () => {
    const moved = planBookingEvent(
      { type: 'BookingRescheduled', occurredAt: '2026-03-02T10:00:00.000Z', streamVersion: 2, data: { ...ref, previousStart: start, start: '2026-03-10T14:00:00.000Z', end: '2026-03-10T15:00:00.000Z' } },
      offering,
      'UTC',
    );
    expect(reminders(moved).filter((a) => a.type === 'cancel').map((a) => a.id)).toEqual([0, 1, 2].map((i) => `session_reminder:b2:${start}:${i}`));
    expect(reminders(moved).filter((a) => a.type === 'schedule').map((a) => a.id)).toEqual([0, 1].map((i) => `session_reminder:b2:2026-03-10T14:00:00.000Z:${i}`));
    const cancelled = planBookingEvent({ type: 'BookingCancelled', occurredAt: '2026-03-03T10:00:00.000Z', streamVersion: 3, data: { ...ref, start: '2026-03-10T14:00:00.000Z' } }, offering, 'UTC');
    expect(reminders(cancelled).every((a) => a.type === 'cancel')).toBe(true);
  });

  it('an attended session gets a feedback request when the offering asks for it; a no-show or an offering without it does not', () => {
    const attended = (attendance: string) => ({ type: 'AttendanceMarked', occurredAt: '2026-03-09T15:05:00.000Z', streamVersion: 2, data: { ...ref, start, attendance } });
    expect(planBookingEvent(attended('attended'), offering, 'UTC')).toEqual([
      expect.objectContaining({ type: 'schedule', id: 'feedback_request:b2', kind: 'feedback_request', dueAt: '2026-03-09T15:05:00.000Z' }),
    ]);
    expect(planBookingEvent(attended('no_show'), offering, 'UTC')).toEqual([]);
    expect(planBookingEvent(attended('attended'), { ...offering, feedbackRequest: false }, 'UTC')).toEqual([]);
  });

  it("an offering's settings follow its creation and updates", () => {
    const created = planOfferingEvent(null, { type: 'OfferingCreated', occurredAt: '', data: { reminders: [{ amount: 2, unit: 'hours' }], feedbackRequest: false } });
    expect(planOfferingEvent(created, { type: 'OfferingUpdated', occurredAt: '', data: { changes: { feedbackRequest: true } } })).toEqual({
      reminders: [{ amount: 2, unit: 'hours' }],
      feedbackRequest: true,
    });
  });
});
