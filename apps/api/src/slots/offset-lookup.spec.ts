import { DateTime, IANAZone } from 'luxon';
import { localTimeFormatter, offsetLookup } from './slot-finder';

describe('offsetLookup: a zone offset from whole-hour offsets, the same as luxon at every instant', () => {
  // Zones with 1-hour, 30-minute (Lord Howe) and 45-minute (Chatham, Nepal) offsets or shifts, both hemispheres.
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/Sao_Paulo', 'UTC'];

  const STEP = 20 * 60_000;

  it.each(zones)('%s: every 20 minutes of 2026, and every minute around each clock change', (zoneName) => {
    const exact = IANAZone.create(zoneName);
    const lookup = offsetLookup(zoneName);
    const mismatches: string[] = [];
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2027, 0, 1);
    for (let ms = from; ms < to; ms += STEP) {
      if (lookup(ms) !== exact.offset(ms)) mismatches.push(new Date(ms).toISOString());
      // Around a change: every minute of the hour that holds it.
      if (exact.offset(ms) !== exact.offset(ms + STEP)) {
        for (let minute = ms; minute <= ms + STEP; minute += 60_000) if (lookup(minute) !== exact.offset(minute)) mismatches.push(new Date(minute).toISOString());
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('localTimeFormatter: a slot’s local time with offset, the same as luxon, formatted or kept', () => {
  it.each(['America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC'])('%s: every 30 minutes of the weeks around each 2026 clock change, twice', (zoneName) => {
    const local = localTimeFormatter(zoneName);
    const mismatches: string[] = [];
    for (const month of [2, 3, 8, 9, 10]) {
      for (let ms = Date.UTC(2026, month, 1); ms < Date.UTC(2026, month + 1, 1); ms += 30 * 60_000) {
        const instant = new Date(ms).toISOString();
        const expected = DateTime.fromMillis(ms, { zone: zoneName }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
        // The second call is answered from what the first one kept.
        if (local(instant) !== expected || local(instant) !== expected) mismatches.push(`${instant}: ${local(instant)} ≠ ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
