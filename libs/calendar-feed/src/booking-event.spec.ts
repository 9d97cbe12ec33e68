import * as nodeIcal from 'node-ical';
import { addBookingEvent, bookingInvitation, bookingUid, newCalendar, reminderSeconds } from './booking-event';

const base = {
  bookingId: 'b1',
  sequence: 0,
  summary: 'Yoga',
  cancelled: false,
  stamp: '2027-03-01T12:00:00.000Z',
};
const vevents = (ics: string) => Object.values(nodeIcal.sync.parseICS(ics)).filter((c): c is nodeIcal.VEvent => c?.type === 'VEVENT');

describe('booking events (RFC 5545)', () => {
  it('writes times in the schedule zone with its VTIMEZONE, on both sides of a DST change, and DTSTAMP in UTC', () => {
    const calendar = newCalendar({ method: 'PUBLISH', name: 'Feed', ttlSeconds: 3600 });
    // Berlin springs forward on 2027-03-28: 10:00 CET is 09:00Z before, 10:00 CEST is 08:00Z after.
    addBookingEvent(calendar, { ...base, bookingId: 'before', start: '2027-03-27T09:00:00.000Z', end: '2027-03-27T10:00:00.000Z', zone: 'Europe/Berlin' });
    addBookingEvent(calendar, { ...base, bookingId: 'after', start: '2027-03-29T08:00:00.000Z', end: '2027-03-29T09:00:00.000Z', zone: 'Europe/Berlin' });
    addBookingEvent(calendar, { ...base, bookingId: 'sydney', start: '2027-04-04T00:00:00.000Z', end: '2027-04-04T01:00:00.000Z', zone: 'Australia/Sydney' });
    const ics = calendar.toString();
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20270327T100000');
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20270329T100000');
    expect(ics).toContain('DTSTART;TZID=Australia/Sydney:20270404T100000'); // 10:00 AEST, hours after DST ended (03:00 AEDT became 02:00 AEST)
    expect(ics.match(/BEGIN:VTIMEZONE/g)).toHaveLength(2);
    expect(ics).toContain('DTSTAMP:20270301T120000Z');
    expect(ics).toContain('METHOD:PUBLISH');
    expect(ics).toContain('X-WR-CALNAME:Feed');
    const parsed = vevents(ics);
    expect(parsed.map((e) => [e.uid, e.start.toISOString(), (e.start as nodeIcal.DateWithTimeZone).tz])).toEqual([
      [bookingUid('before'), '2027-03-27T09:00:00.000Z', 'Europe/Berlin'],
      [bookingUid('after'), '2027-03-29T08:00:00.000Z', 'Europe/Berlin'],
      [bookingUid('sydney'), '2027-04-04T00:00:00.000Z', 'Australia/Sydney'],
    ]);
  });

  it('turns reminders into DISPLAY alarms before the start: days and weeks nominal, minutes and hours exact; none on a cancelled event', () => {
    expect([{ amount: 90, unit: 'minutes' }, { amount: 2, unit: 'hours' }, { amount: 1, unit: 'days' }, { amount: 1, unit: 'weeks' }].map((r) => reminderSeconds(r as never))).toEqual([5400, 7200, 86400, 604800]);
    const input = { ...base, start: '2027-03-29T08:00:00.000Z', end: '2027-03-29T09:00:00.000Z', zone: 'Europe/Berlin', reminders: [{ amount: 1, unit: 'days' as const }, { amount: 90, unit: 'minutes' as const }] };
    const ics = bookingInvitation(input);
    expect(ics).toContain('METHOD:REQUEST');
    expect(ics).toContain('TRIGGER:-P1D');
    expect(ics).toContain('TRIGGER:-PT1H30M');
    expect(ics).toContain('ACTION:DISPLAY');
    const cancelled = bookingInvitation({ ...input, cancelled: true, sequence: 2 });
    expect(cancelled).toContain('METHOD:CANCEL');
    expect(cancelled).toContain('STATUS:CANCELLED');
    expect(cancelled).toContain('SEQUENCE:2');
    expect(cancelled).not.toContain('VALARM');
  });
});
