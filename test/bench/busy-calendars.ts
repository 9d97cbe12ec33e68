import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { fmt, keyRing, load, Report, startServer } from './bench-kit';

const DAY = 86_400_000;

/**
 * Slot listing with busy times (issue 14, ADR 0026): a UTC schedule open all day with 30-minute
 * sessions and 3 external calendars of 500 events each (30 to 90 minutes, spread over the next 4
 * weeks), served by a local HTTP server and refreshed once; then the 4-week listing as in the HTTP
 * section. BENCH_ONLY=busy-calendars runs only this (after the raw rate).
 */
export async function busyCalendarBench(databaseUrl: string, report: Report): Promise<void> {
  const tomorrow = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
  const bodies = [1, 2, 3].map((n) => calendar(n, tomorrow));
  const ics = createServer((req, res) => {
    const n = Number(/\/cal-(\d)\.ics$/.exec(req.url ?? '')?.[1]);
    res.setHeader('Content-Type', 'text/calendar');
    res.end(bodies[n - 1] ?? '');
  });
  await new Promise<void>((resolve) => ics.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(ics.address() as AddressInfo).port}`;
  const server = await startServer(databaseUrl, { PUNCHCARD_CALENDARS_ALLOW_HTTP: 'true', PUNCHCARD_CALENDARS_ALLOW_PRIVATE_NETWORKS: 'true' });
  const { call, operatorKey } = server;
  try {
    const tenant = (await call('POST', '/v1/tenants', operatorKey, { name: 'Bench busy', timezone: 'UTC', currency: 'USD' })).body;
    const key = await keyRing(call, tenant.adminApiKey);
    console.log(`Busy calendars section: ${key.describe()}`);
    const sessionType = (await call('POST', '/v1/session-types', key(), { name: 'Bench session', durationMinutes: 30, price: { amount: 5000, currency: 'USD' } })).body;
    const allDay = [{ start: '00:00', end: '24:00' }];
    const weeklyHours = { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay };
    const scheduleId = (await call('POST', '/v1/schedules', key(), { host: 'Busy host', timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionType.id] })).body.id;
    let intervals = 0;
    for (const n of [1, 2, 3]) {
      const added = await call('POST', `/v1/schedules/${scheduleId}/busy-calendars`, key(), { name: `Calendar ${n}`, url: `${base}/cal-${n}.ics` });
      if (added.status !== 201) throw new Error(`adding a busy calendar answered ${added.status}: ${JSON.stringify(added.body)}`);
      const refreshed = await call('POST', `/v1/schedules/${scheduleId}/busy-calendars/${added.body.id}/refresh`, key(), {});
      if (refreshed.status !== 200 || refreshed.body.lastError) throw new Error(`refresh answered ${refreshed.status}: ${JSON.stringify(refreshed.body)}`);
      intervals += refreshed.body.eventCount;
    }
    const from = new Date(tomorrow).toISOString().slice(0, 10);
    const to = new Date(tomorrow + 27 * DAY).toISOString().slice(0, 10);
    const path = `/v1/schedules/${scheduleId}/slots?from=${from}&to=${to}`;
    const freeSlots = (await call('GET', path, key())).body.slots.length;
    for (const connections of [1, 8]) {
      // autocannon from this process; keys from the ring, so the per-key rate limit stays on (keyRing).
      const listed = await load(server.port, { name: 'HTTP GET /schedules/{id}/slots (busy calendars)', connections, ring: key, next: () => ({ path, key: key() }), expect: (status) => status === 200 });
      report(`HTTP GET /schedules/{id}/slots, 4 weeks, 3 external calendars of 500 events (${intervals} busy intervals, ${freeSlots} of ${28 * 48} slots free)`, connections, fmt(listed.perSecond), '', listed.p50, listed.p99);
    }
  } finally {
    await server.stop();
    await new Promise((resolve) => ics.close(resolve));
  }
}

/** 500 opaque events of 30 to 90 minutes at random half hours of the next 4 weeks (UTC), seeded by `n`. */
function calendar(n: number, from: number): string {
  let seed = n * 7919;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:-//Punchcard bench ${n}//EN`];
  for (let i = 0; i < 500; i++) {
    const start = from + Math.floor(random() * 28 * 48) * 1_800_000;
    const end = start + (1 + Math.floor(random() * 3)) * 1_800_000;
    lines.push('BEGIN:VEVENT', `UID:bench-${n}-${i}@punchcard.test`, `DTSTAMP:${stamp(from)}`, `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`, 'SUMMARY:Busy', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n') + '\r\n';
}
