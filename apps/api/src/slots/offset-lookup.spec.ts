import { IANAZone } from 'luxon';
import { offsetLookup } from './slot-finder';

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
