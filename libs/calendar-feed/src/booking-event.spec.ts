import { DateTime, IANAZone } from 'luxon';
import * as nodeIcal from 'node-ical';
import { isValidTimezone } from '@punchcard/domain';
import { addBookingEvent, bookingInvitation, bookingUid, newCalendar, reminderSeconds, vtimezoneFromZoneData } from './booking-event';

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

/** The VTIMEZONE blocks of a calendar by TZID (lines unfolded, CRLF or LF). */
const vtimezones = (ics: string) => {
  const found = new Map<string, string>();
  for (const block of ics.replace(/\r\n[ \t]/g, '').split(/\r?\n/).join('\n').match(/BEGIN:VTIMEZONE\n[\s\S]*?END:VTIMEZONE/g) ?? []) found.set(/\nTZID:([^\n]*)/.exec(block)![1], block);
  return found;
};

/**
 * The offset (minutes) a VTIMEZONE without RRULEs puts in force at a UTC instant: the TZOFFSETTO of the
 * latest sub-component whose onset (DTSTART, local time in TZOFFSETFROM) is not after it.
 */
const offsetFromVtimezone = (block: string, at: number): number | undefined => {
  const minutes = (text: string) => (text.startsWith('-') ? -1 : 1) * (Number(text.slice(1, 3)) * 60 + Number(text.slice(3, 5)));
  let best: { onset: number; to: number } | undefined;
  for (const sub of block.match(/BEGIN:(?:STANDARD|DAYLIGHT)\n[\s\S]*?END:(?:STANDARD|DAYLIGHT)/g) ?? []) {
    const local = DateTime.fromFormat(/\nDTSTART:(\d{8}T\d{6})/.exec(sub)![1], "yyyyMMdd'T'HHmmss", { zone: 'utc' }).toMillis();
    const onset = local - minutes(/\nTZOFFSETFROM:([^\n]*)/.exec(sub)![1]) * 60_000;
    if (onset <= at && (!best || onset >= best.onset)) best = { onset, to: minutes(/\nTZOFFSETTO:([^\n]*)/.exec(sub)![1]) };
  }
  return best?.to;
};

describe('VTIMEZONE for every zone a schedule accepts', () => {
  // Every zone of the platform, the current names the VTIMEZONE library lacks, and old names Node still accepts.
  const zones = [
    ...new Set([
      ...Intl.supportedValuesOf('timeZone'),
      'UTC',
      'Europe/Kyiv',
      'America/Nuuk',
      'Pacific/Kanton',
      'America/Ciudad_Juarez',
      'America/Buenos_Aires',
      'America/Indianapolis',
      'Asia/Saigon',
      'Asia/Calcutta',
      'Europe/Kiev',
      'America/Godthab',
      'Pacific/Enderbury',
      'Asia/Kolkata',
      'Asia/Ho_Chi_Minh',
      'America/Argentina/Buenos_Aires',
      'America/Indiana/Indianapolis',
    ]),
  ];
  const summer = '2027-07-15T10:00:00.000Z';
  const winter = '2027-01-15T10:00:00.000Z';

  it('every zone is one a schedule accepts (isValidTimezone)', () => {
    expect(zones.filter((zone) => !isValidTimezone(zone))).toEqual([]);
    expect(zones.length).toBeGreaterThan(400);
  });

  it('an event in any zone comes with a VTIMEZONE of its TZID, and node-ical reads its start back to the same instant in summer and in winter', () => {
    const problems: string[] = [];
    for (const zone of zones) {
      const calendar = newCalendar({ method: 'PUBLISH' });
      for (const [id, start] of [['summer', summer], ['winter', winter]]) {
        addBookingEvent(calendar, { ...base, bookingId: `${id}-${zone}`, start, end: new Date(Date.parse(start) + 3_600_000).toISOString(), zone });
      }
      const ics = calendar.toString();
      const tzids = [...new Set([...ics.matchAll(/DTSTART;TZID=([^:]+):/g)].map((m) => m[1]))];
      const blocks = vtimezones(ics);
      // UTC itself is written as UTC times (…Z), which need no VTIMEZONE.
      if (zone === 'UTC' ? tzids.length !== 0 || !/DTSTART:20270715T100000Z/.test(ics) : tzids.length !== 1 || tzids[0] !== zone) problems.push(`${zone}: DTSTART TZIDs ${tzids.join(',')}`);
      for (const tzid of tzids) if (!blocks.has(tzid)) problems.push(`${zone}: no VTIMEZONE for ${tzid}`);
      const parsed = vevents(ics);
      const starts = parsed.map((e) => e.start.toISOString()).sort();
      if (JSON.stringify(starts) !== JSON.stringify([winter, summer])) problems.push(`${zone}: node-ical read ${starts.join(', ')}`);
      // The VTIMEZONE itself must give the zone's offset at both instants (node-ical prefers the IANA name).
      const block = blocks.get(zone);
      if (block)
        for (const at of [summer, winter]) {
          const expected = IANAZone.create(zone).offset(Date.parse(at));
          const got = offsetFromVtimezone(block, Date.parse(at));
          if (got !== expected) problems.push(`${zone}: VTIMEZONE gives ${got} at ${at}, the zone ${expected}`);
        }
    }
    expect(problems).toEqual([]);
  });

  it('Europe/Kyiv (which @touch4it/ical-timezones 1.9.0 lacks) gets +02/+03 with the 2027 changes', () => {
    const ics = bookingInvitation({ ...base, start: summer, end: '2027-07-15T11:00:00.000Z', zone: 'Europe/Kyiv' });
    expect(ics).toContain('DTSTART;TZID=Europe/Kyiv:20270715T130000');
    const block = vtimezones(ics).get('Europe/Kyiv')!;
    expect(block).toContain('BEGIN:DAYLIGHT\nDTSTART:20270328T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0300');
    expect(block).toContain('BEGIN:STANDARD\nDTSTART:20271031T040000\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0200');
  });

  it('the zone-data VTIMEZONE gives the right offset every week of 2026-2028 for every zone', () => {
    const problems: string[] = [];
    for (const zone of zones) {
      const block = vtimezoneFromZoneData(zone, 2027, 2027)!;
      for (let at = Date.UTC(2026, 0, 1, 12); at < Date.UTC(2029, 0, 1); at += 7 * 86_400_000) {
        const expected = IANAZone.create(zone).offset(at);
        if (offsetFromVtimezone(block, at) !== expected) {
          problems.push(`${zone} at ${new Date(at).toISOString()}`);
          break;
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
