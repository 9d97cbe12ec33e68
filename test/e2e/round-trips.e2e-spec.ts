import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/*
 * Issue 15's regression guard for the hot paths: it counts PostgreSQL round trips, not time. Every
 * `query` a pg Client sends is one round trip (a multi-statement text such as
 * `BEGIN; SELECT set_config(...)` goes as one simple-protocol message; a named statement's
 * Parse/Bind/Execute/Sync go together too). Counted while ONE steady-state request runs, right after
 * a warm-up request of the same kind (API key, tenant settings and prepared statements cached).
 *
 * The projection runner is NOT started (createTestApp runProjections: false) and the scheduler is off,
 * so nothing else in the process talks to PostgreSQL during the request: every counted query is the
 * request's own. (With the runner on, each append nudges it into a batch on the system pool; that cost
 * is the profile's business, docs/performance.md "Where the time goes".)
 *
 * The ceilings are what the code does today (measured, docs/performance.md). Lower these when a change
 * reduces them; never raise without a reason in docs/performance.md.
 */

/**
 * One redemption (POST /v1/packages/{id}/redemptions with an Idempotency-Key): round trips by phase.
 * Each phase is one statement on a connection already acting for the tenant (ADR 0027; it was three
 * round trips each, `BEGIN; set_config` + statement + `COMMIT`, before).
 */
const REDEMPTION_ROUND_TRIPS: Record<string, number> = {
  'load streams': 1, // the package stream
  append: 1, // the events and the idempotency record in one statement (ADR 0028)
};
/** The same with the package stream in this process's stream cache (written by the warm-up): the append only. */
const CACHED_REDEMPTION_ROUND_TRIPS: Record<string, number> = { append: 1 };
/** Writing transactions committed by one redemption (explicit COMMITs plus autocommitted writes; a lone read commits nothing). */
const REDEMPTION_COMMITS = 1;

/**
 * One booking (POST /v1/bookings with an Idempotency-Key, automatic package choice, the client has one
 * package): seven streams read in three batches (booking, schedule, session type, client package index;
 * then schedule day and packages; then offerings), the client and the legacy packages read model, the
 * host's busy times, and one asserting append (locks, insert and the idempotency record in one call: ADR 0028).
 */
const BOOKING_ROUND_TRIPS: Record<string, number> = {
  'client directory': 1,
  'load streams': 3,
  'read model': 1,
  'busy times': 1, // the host's external calendars around the start (issue 14)
  append: 1, // punchcard_append_asserting: the locks, the checked insert and the idempotency record in one call
};
const BOOKING_COMMITS = 1;
/** With the stream cache: every stream but the new booking's was read or written by the warm-up booking. */
const CACHED_BOOKING_ROUND_TRIPS: Record<string, number> = { ...BOOKING_ROUND_TRIPS, 'load streams': 1 };

const total = (phases: Record<string, number>) => Object.values(phases).reduce((a, b) => a + b, 0);

/** Phases over their ceiling (a phase not listed has a ceiling of 0), and the total. */
function excess(counted: Record<string, number>, ceilings: Record<string, number>): Record<string, string> {
  const over: Record<string, string> = {};
  for (const [phase, n] of Object.entries(counted)) if (n > (ceilings[phase] ?? 0)) over[phase] = `${n} > ${ceilings[phase] ?? 0}`;
  const sum = total(counted);
  if (sum > total(ceilings)) over.total = `${sum} > ${total(ceilings)}`;
  return over;
}

type PoolName = 'tenant' | 'system' | 'reports' | 'test-owner' | 'unknown';

interface Sent {
  pool: PoolName;
  sql: string;
  /** What the statement serves; BEGIN/COMMIT take the phase of the transaction's first statement. */
  phase: string;
  control: 'begin' | 'commit' | 'rollback' | null;
  /** Sent between a BEGIN and its COMMIT/ROLLBACK on the same connection. */
  inTransaction: boolean;
  /** Changes data: an INSERT/UPDATE/DELETE (or a WITH that does), or the store's append; a COMMIT, if its transaction did. */
  writes: boolean;
}

function writesData(sql: string, name: string | undefined): boolean {
  return /^punchcard-append/.test(name ?? '') || /\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i.test(sql);
}

/** What a statement is for, by its text or prepared-statement name. */
function phaseOf(sql: string, name: string | undefined): string {
  if (name === 'punchcard-read-stream' || name === 'punchcard-read-streams') return 'load streams';
  if (name?.startsWith('punchcard-append')) return 'append';
  if (/idempotency_keys/.test(sql)) {
    if (/^\s*INSERT/i.test(sql)) return 'idempotency claim';
    if (/^\s*UPDATE idempotency_keys SET status_code/i.test(sql)) return 'idempotency record';
    return 'idempotency other';
  }
  if (/\b(api_keys|operator_keys)\b/.test(sql)) return 'auth';
  if (/FROM tenants\b/.test(sql)) return 'tenant settings';
  if (/FROM clients\b/.test(sql)) return 'client directory';
  if (/projection_checkpoints|pg_try_advisory_lock/.test(sql)) return 'projection';
  if (/read_documents/.test(sql)) return 'read model';
  if (/busy_intervals/.test(sql)) return 'busy times';
  if (/FROM events\b/.test(sql)) return 'events other';
  return 'other';
}

function controlOf(sql: string): Sent['control'] {
  if (/^\s*BEGIN\b/i.test(sql)) return 'begin';
  if (/^\s*COMMIT\b/i.test(sql)) return 'commit';
  if (/^\s*ROLLBACK\b/i.test(sql)) return 'rollback';
  return null;
}

/** Counts every query pg Clients send while `work` runs, by pool and phase, and the commits. */
class RoundTripCounter {
  private sent: Sent[] = [];
  private connects = 0;
  private recording = false;
  /** Per client, the statements of its open transaction (their phase is fixed when it ends). */
  private readonly open = new Map<Client, Sent[]>();
  private readonly originalQuery = Client.prototype.query;
  private readonly originalConnect = Client.prototype.connect;

  constructor(private readonly pools: [PoolName, Pool][]) {}

  install(): void {
    const counter = this;
    const originalQuery = this.originalQuery;
    const originalConnect = this.originalConnect;
    (Client.prototype as { query: unknown }).query = function (this: Client, ...args: unknown[]) {
      if (counter.recording) counter.record(this, args[0]);
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    };
    (Client.prototype as { connect: unknown }).connect = function (this: Client, ...args: unknown[]) {
      if (counter.recording) counter.connects++;
      return (originalConnect as (...a: unknown[]) => unknown).apply(this, args);
    };
  }

  uninstall(): void {
    Client.prototype.query = this.originalQuery;
    Client.prototype.connect = this.originalConnect;
  }

  async measure(work: () => Promise<unknown>) {
    this.sent = [];
    this.connects = 0;
    this.open.clear();
    this.recording = true;
    try {
      await work();
    } finally {
      this.recording = false;
    }
    return this.summary();
  }

  private record(client: Client, config: unknown): void {
    const sql = typeof config === 'string' ? config : String((config as { text?: string })?.text ?? '');
    const name = typeof config === 'object' && config !== null ? (config as { name?: string }).name : undefined;
    const pool = this.pools.find(([, p]) => (p as unknown as { _clients: Client[] })._clients.includes(client))?.[0] ?? 'unknown';
    const entry: Sent = { pool, sql: sql.replace(/\s+/g, ' ').trim(), phase: phaseOf(sql, name), control: controlOf(sql), inTransaction: false, writes: writesData(sql, name) };
    this.sent.push(entry);
    if (entry.control === 'begin') {
      entry.inTransaction = true;
      this.open.set(client, [entry]);
      return;
    }
    const transaction = this.open.get(client);
    if (!transaction) return; // autocommit: its own phase
    entry.inTransaction = true;
    transaction.push(entry);
    if (entry.control) {
      const phase = transaction.find((e) => !e.control)?.phase ?? 'other';
      for (const e of transaction) if (e.control) e.phase = phase;
      entry.writes = entry.control === 'commit' && transaction.some((e) => e.writes);
      this.open.delete(client);
    }
  }

  private summary() {
    const byPool: Record<string, number> = {};
    const byPhase: Record<string, number> = {};
    for (const s of this.sent) {
      byPool[s.pool] = (byPool[s.pool] ?? 0) + 1;
      byPhase[s.phase] = (byPhase[s.phase] ?? 0) + 1;
    }
    const explicitCommits = this.sent.filter((s) => s.control === 'commit').length;
    // A statement outside BEGIN…COMMIT commits on its own (pg autocommit).
    const autocommits = this.sent.filter((s) => !s.control && !s.inTransaction).length;
    // What costs a commit record (and, with synchronous_commit, a WAL flush): a transaction that wrote.
    const writeCommits = this.sent.filter((s) => s.writes && (s.control === 'commit' || (!s.control && !s.inTransaction))).length;
    return {
      roundTrips: this.sent.length,
      commits: writeCommits,
      explicitCommits,
      autocommits,
      readOnlyCommits: explicitCommits + autocommits - writeCommits,
      newConnections: this.connects,
      byPool,
      byPhase,
      statements: this.sent.map((s) => `${s.pool.padEnd(7)} ${s.phase.padEnd(18)} ${s.sql.slice(0, 110)}`),
    };
  }
}

describe.each([
  ['every stream read from the store (PUNCHCARD_STREAM_CACHE=off)', false, REDEMPTION_ROUND_TRIPS, BOOKING_ROUND_TRIPS],
  ['hot streams in the stream cache (the default)', true, CACHED_REDEMPTION_ROUND_TRIPS, CACHED_BOOKING_ROUND_TRIPS],
])('Round trips per redemption and per booking (issue 15 regression guard, not timed), %s', (_mode, streamCache, redemptionCeilings, bookingCeilings) => {
  let t: TestApp;
  let studio: TenantSession;
  let counter: RoundTripCounter;
  const report: string[] = [];

  beforeAll(async () => {
    // The default mode's counts (ADR 0027), whatever mode the rest of the suite runs in.
    t = await createTestApp({ runProjections: false, poolSize: 10, tenantSetting: 'session', config: { streamCache } });
    studio = await t.newTenant({ timezone: 'UTC' });
    const { infrastructure: infra } = t;
    counter = new RoundTripCounter([
      ['tenant', infra.pool],
      ['system', infra.system.pool],
      ['reports', infra.reports.pool],
      ['test-owner', t.db.pool],
    ]);
    counter.install();
  });
  afterAll(async () => {
    counter?.uninstall();
    if (report.length) console.log(report.join('\n'));
    await t?.close();
  });

  const post = (path: string, body: unknown) => t.http.post(path).set(studio.auth).set('Idempotency-Key', randomUUID()).send(body as object);

  it(`a redemption costs at most ${total(redemptionCeilings)} round trips and ${REDEMPTION_COMMITS} commits`, async () => {
    const offeringId = await studio.createOffering({ sessionCount: 50 });
    const clientId = await studio.createClient();
    const pkg = await studio.sellPackage(offeringId, clientId);
    const redeem = () => post(`/v1/packages/${pkg.id}/redemptions`, { note: 'round trips' }).expect(201);
    await redeem(); // warm-up: key and tenant cached, statements prepared on this connection
    const counted = await counter.measure(redeem);
    report.push(`\n${_mode}\nOne redemption: ${JSON.stringify({ ...counted, statements: undefined }, null, 1)}\n${counted.statements.join('\n')}`);
    expect(excess(counted.byPhase, redemptionCeilings)).toEqual({});
    expect(counted.commits).toBeLessThanOrEqual(REDEMPTION_COMMITS);
  });

  it(`a booking costs at most ${total(bookingCeilings)} round trips and ${BOOKING_COMMITS} commits`, async () => {
    const offeringId = await studio.createOffering({ sessionCount: 50 });
    const clientId = await studio.createClient();
    await studio.sellPackage(offeringId, clientId);
    const sessionTypeId = (await post('/v1/session-types', { name: 'Training', durationMinutes: 30, price: { amount: 5000, currency: 'USD' } }).expect(201)).body.id;
    const allDay = [{ start: '00:00', end: '24:00' }];
    const weeklyHours = { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay };
    const scheduleId = (await post('/v1/schedules', { host: 'Coach', timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionTypeId] }).expect(201)).body.id;
    const tomorrow = new Date();
    tomorrow.setUTCHours(24 * 2, 0, 0, 0);
    const book = (slot: number) =>
      post('/v1/bookings', { clientId, scheduleId, sessionTypeId, start: new Date(tomorrow.getTime() + slot * 30 * 60_000).toISOString() }).expect(201);
    await book(0); // warm-up; the measured booking is on the same day (its day stream has events)
    const counted = await counter.measure(() => book(2));
    report.push(`\nOne booking: ${JSON.stringify({ ...counted, statements: undefined }, null, 1)}\n${counted.statements.join('\n')}`);
    expect(excess(counted.byPhase, bookingCeilings)).toEqual({});
    expect(counted.commits).toBeLessThanOrEqual(BOOKING_COMMITS);
  });
});
