/**
 * A CPU profile of the API server under redemption load (issue 15): the server process runs as the
 * bench runs it (dist/apps/api/src/main.js, projections on, scheduler off) with `--cpu-prof`, while 32
 * concurrent connections (autocannon) redeem credits with an Idempotency-Key for PROFILE_SECONDS (default 20);
 * PROFILE_WORKLOAD=bookings books instead, as the bench does (64 schedules, a random client, auto package);
 * PROFILE_WORKLOAD=slots lists 4 weeks of the bench's busy schedule with one reader. The data is
 * seeded first by an unprofiled server process in a scratch database, so the profile holds start-up and
 * the load only; the summary counts the load window.
 *
 *   npm run build && PROFILE_SECONDS=20 node dist/test/bench/profile-redemptions.js
 *
 * DATABASE_URL when set, else an embedded PostgreSQL. The .cpuprofile is kept in PROFILE_DIR
 * (default /tmp/prof); open it in Chrome DevTools or speedscope for a flame graph.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { openDatabase } from '@punchcard/platform';
import { bookingPlan, createScratchDatabase, dropScratchDatabase, fmt, keyRing, load, LoadResult, LoadSpec, startServer } from './bench-kit';
import { CpuProfile, formatSummary, summarise } from './cpu-profile-summary';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 20);
const PACKAGES = Number(process.env.PROFILE_PACKAGES ?? 2000);
const DIR = process.env.PROFILE_DIR ?? '/tmp/prof';
const WORKLOAD = process.env.PROFILE_WORKLOAD ?? 'redemptions';
const SLOTS = WORKLOAD === 'slots';
const BOOKINGS = WORKLOAD === 'bookings';

async function main() {
  const database = await openDatabase(process.env.DATABASE_URL || null, join(process.cwd(), '.tmp/bench-postgres'));
  const admin = new Pool({ connectionString: database.connectionString, max: 1 });
  // pool.end() resolves before its idle connection has closed: the embedded PostgreSQL's fast shutdown right
  // after may still reach it (57P01), which would crash the run after it had finished.
  admin.on('error', () => undefined);
  const dbName = `punchcard_profile_${Date.now()}`;
  const url = await createScratchDatabase(admin, database.connectionString, dbName);
  const pgVersion = (await admin.query('SHOW server_version')).rows[0].server_version;
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}${process.env.DATABASE_URL ? ' (DATABASE_URL)' : ' (embedded)'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    // Seed with an unprofiled server.
    const packages: string[] = [];
    const clients: string[] = [];
    const schedules: string[] = [];
    let sessionTypeId = '';
    let tenant: { adminApiKey: string };
    const seeder = await startServer(url);
    try {
      tenant = (await seeder.call('POST', '/v1/tenants', seeder.operatorKey, { name: 'Profile', timezone: 'UTC', currency: 'USD' })).body;
      const key = await keyRing(seeder.call, tenant.adminApiKey);
      const created = await seeder.call('POST', '/v1/offerings', key(), { name: 'Profile pack', sessionCount: 1000, price: { amount: 100000, currency: 'USD' } });
      if (created.status !== 201) throw new Error(`offering answered ${created.status}: ${JSON.stringify(created.body)}`);
      const offering = created.body;
      await Promise.all(
        Array.from({ length: 16 }, async (_, worker) => {
          for (let i = 0; i < PACKAGES / 16; i++) {
            const client = (await seeder.call('POST', '/v1/clients', key(), { name: `Client ${worker}-${i}`, email: `c${worker}-${i}@profile.test` })).body;
            const sold = await seeder.call('POST', '/v1/packages', key(), { offeringId: offering.id, clientId: client.id, payment: { method: 'cash' } });
            if (sold.status !== 201) throw new Error(`sale answered ${sold.status}: ${JSON.stringify(sold.body)}`);
            packages.push(sold.body.id);
            clients.push(client.id);
          }
        }),
      );
      if (BOOKINGS || SLOTS) {
        const allDay = [{ start: '00:00', end: '24:00' }];
        const weeklyHours = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, allDay]));
        sessionTypeId = (await seeder.call('POST', '/v1/session-types', key(), { name: 'Profile session', durationMinutes: 30, price: { amount: 5000, currency: 'USD' } })).body.id;
        for (let i = 0; i < 64; i++) schedules.push((await seeder.call('POST', '/v1/schedules', key(), { host: `Host ${i}`, timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionTypeId] })).body.id);
      }
    } finally {
      await seeder.stop();
    }

    // The profiled server; the profile is written at its (graceful, SIGTERM) exit. Its key ring is made
    // before the load window (the per-key rate limit stays on, as in the bench: keyRing).
    mkdirSync(DIR, { recursive: true });
    const spawnedAt = Date.now();
    const server = await startServer(url, {}, ['--cpu-prof', `--cpu-prof-dir=${DIR}`]);
    let from = 0;
    let to = 0;
    let measured: LoadResult | undefined;
    try {
      const key = await keyRing(server.call, tenant.adminApiKey);
      // The bench's bookings (bookingPlan): the load books a random schedule's next slot.
      const { booking, fillBusy, listingPath } = bookingPlan(schedules, sessionTypeId, clients);
      const redemptions = (seconds: number): LoadSpec => ({
        name: BOOKINGS ? 'HTTP POST /bookings (profile)' : 'HTTP POST /redemptions (profile)',
        connections: 32,
        seconds,
        ring: key,
        next: () =>
          BOOKINGS
            ? { method: 'POST', path: '/v1/bookings', key: key(), headers: { 'idempotency-key': randomUUID() }, body: booking(Math.floor(Math.random() * schedules.length)) }
            : {
                method: 'POST',
                path: `/v1/packages/${packages[Math.floor(Math.random() * packages.length)]}/redemptions`,
                key: key(),
                headers: { 'idempotency-key': randomUUID() },
                body: { note: 'profile' },
              },
        // A booking may meet a slot taken meanwhile (409), as in the bench.
        expect: (status) => status === 201 || (BOOKINGS && status === 409),
      });
      let spec = redemptions;
      if (SLOTS) {
        // The bench's busy schedule (~20 bookings a day for 4 weeks on schedule 0), then its 4-week listing by one reader.
        await fillBusy(server.call, key, 0);
        const path = listingPath(0);
        spec = (seconds) => ({ name: 'HTTP GET /schedules/{id}/slots (profile)', connections: 1, seconds, ring: key, next: () => ({ path, key: key() }), expect: (status) => status === 200 });
      }
      await load(server.port, spec(3)); // warm-up (JIT, caches, connections)
      from = (Date.now() - spawnedAt) / 1000;
      measured = await load(server.port, spec(SECONDS));
      to = (Date.now() - spawnedAt) / 1000;
    } finally {
      await server.stop();
    }
    const what = SLOTS ? 'GET /schedules/{id}/slots (4 weeks of a busy schedule), 1 reader' : `POST ${BOOKINGS ? '/bookings' : '/redemptions'} with Idempotency-Key, 32 concurrent`;
    console.log(`HTTP ${what}, ${SECONDS} s: ${fmt(measured!.perSecond)}/s, p50/p99 ${measured!.p50} / ${measured!.p99} ms`);

    const newest = readdirSync(DIR)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(DIR, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    console.log(`Profile: ${newest} (load window ${from.toFixed(1)}–${to.toFixed(1)} s from spawn)\n`);
    const profile = JSON.parse(readFileSync(newest, 'utf8')) as CpuProfile;
    console.log(formatSummary(summarise(profile, from, to)));
  } finally {
    await dropScratchDatabase(admin, dbName);
    await admin.end();
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
