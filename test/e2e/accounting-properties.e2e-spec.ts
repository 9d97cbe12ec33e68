import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { AccountingReports } from '../../apps/api/src/reports/queries/accounting-reports';
import { accountingPolicyStreamId, CURRENT_SCHEMA_VERSION, journalOf, RECOGNITION_BASES, RecognitionBasis, upcast } from '@punchcard/domain';
import { effectiveAtOf, HISTORY_START, historyPlans, paidValueHeldAsOf, PlayedEvent, playHistory, splitCandidates, undeliveredValueAsOf, valueMovedIn } from '@punchcard/domain/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { comparePositions, eventStoreMigrations, PostgresEventStore, START, StreamWrite, withUpcasting } from '@punchcard/event-store';
import { PostgresAdvisoryLease, ProjectionRunner } from '@punchcard/projection-runner';
import { PostgresReadStore, readStoreMigrations } from '@punchcard/read-store';
import { accountingJournalProjection, JOURNAL_LINES, JournalLineDocument, journalLineId } from '@punchcard/projections';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * Random package histories appended to the real event store, projected live in small batches
 * interleaved with the appends, then checked against a replay from the first event (rebuild equals
 * live), against the pure journal, and through the reports (liability and rollforward reconcile).
 * fast-check prints the seed of a failing run; FC_SEED=<seed> replays it.
 */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 60);
// No time limit: every run is made, however slow the machine (an interrupted run would pass after a
// handful of histories). The test counts the histories it checked and fails unless all were.
const RUNS = { numRuns: NUM_RUNS, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };

describe('Accounting read model (property, real PostgreSQL): rebuild equals live, and the reports reconcile', () => {
  let db: TestDatabase;
  let live: ProjectionRunner;
  let replay: ProjectionRunner;
  let store: PostgresReadStore;
  let events: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase([...eventStoreMigrations, ...readStoreMigrations]);
    events = new PostgresEventStore(db.pool);
    store = new PostgresReadStore(db.pool);
    await store.ensureIndexes(accountingJournalProjection.indexes ?? []);
    const runner = (batchSize: number, lease: string) =>
      new ProjectionRunner(withUpcasting(events, upcast), store, [accountingJournalProjection], new PostgresAdvisoryLease(db.pool, lease), { batchSize });
    live = runner(3, 'live'); // small batches: documents are read back and written many times
    replay = runner(1000, 'replay');
  });
  afterAll(() => db.drop());

  /** The business chooses the basis before its first sale (the default needs no event). */
  async function choose(tenantId: string, basis: RecognitionBasis) {
    if (basis === 'redemption') return;
    const metadata = { tenantId, actor: { id: 'test', role: 'admin' }, correlationId: 'property', causationId: null, idempotencyKey: null, occurredAt: '2026-01-01T00:00:00.000Z' };
    const data = { basis, previousBasis: 'redemption', reason: 'property test' };
    await events.append([{ streamId: accountingPolicyStreamId(tenantId), expectedVersion: 0, events: [{ eventId: randomUUID(), type: 'RecognitionBasisChosen', schemaVersion: 1, data, metadata }] }]);
  }

  /** Appends the history in chunks (a chunk may span packages: one atomic multi-stream append), projecting a few small batches after each. */
  async function appendAndProject(tenantId: string, played: PlayedEvent[], schedule: { appendSize: number; batches: number }[]) {
    const versions = new Map<string, number>();
    let last = START;
    for (let at = 0, turn = 0; at < played.length; turn++) {
      const { appendSize, batches } = schedule[turn % schedule.length];
      const chunk = played.slice(at, at + appendSize);
      at += chunk.length;
      const writes = new Map<string, StreamWrite>();
      for (const { packageId, event, eventId, occurredAt } of chunk) {
        const streamId = `package-${packageId}`;
        const write = writes.get(streamId) ?? { streamId, expectedVersion: versions.get(streamId) ?? 0, events: [] };
        write.events.push({
          eventId,
          type: event.type,
          schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
          data: event.data,
          metadata: { tenantId, actor: { id: 'test', role: 'admin' }, correlationId: 'property', causationId: null, idempotencyKey: null, occurredAt },
        });
        writes.set(streamId, write);
      }
      for (const write of writes.values()) versions.set(write.streamId, write.expectedVersion + write.events.length);
      last = (await events.append([...writes.values()])).lastPosition;
      for (let i = 0; i < batches; i++) await live.runBatch(accountingJournalProjection);
    }
    // Caught up means past our last append: a transaction elsewhere on the server can hold back what
    // readAll may return (pg_snapshot_xmin), so an empty read alone does not prove it.
    for (const deadline = Date.now() + 10_000; ; await sleep(10)) {
      await live.catchUp(accountingJournalProjection);
      if (comparePositions(await store.checkpoint(accountingJournalProjection.name), last) >= 0) return;
      if (Date.now() > deadline) throw new Error('The accounting projection did not reach the last append within 10 s');
    }
  }

  it('random histories: live documents equal a replay, lines equal the pure journal, liability and rollforward reconcile', async () => {
    const reports = new AccountingReports(store);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        historyPlans(25),
        fc.array(fc.record({ appendSize: fc.integer({ min: 1, max: 4 }), batches: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...RECOGNITION_BASES),
        async (plan, schedule, picks, basis) => {
          const tenantId = randomUUID();
          const packageIds = plan.packages.map(() => randomUUID());
          const played = playHistory(plan, { packageId: (i) => packageIds[i], eventId: () => randomUUID() });
          await choose(tenantId, basis);
          await appendAndProject(tenantId, played, schedule);

          // Rebuild equals live: every accounting document of every run so far.
          expect((await replay.check(accountingJournalProjection)).differences).toEqual([]);

          // The projected lines are exactly the pure journal's lines, in effective order (an event's lines are numbered across its entries).
          const linesOfEvent = new Map<string, number>();
          const expected = plan.packages
            .flatMap((_, i) => journalOf(played.filter((p) => p.packageIndex === i), basis))
            .flatMap((entry) =>
              entry.lines.map((line) => {
                const n = (linesOfEvent.get(entry.sourceEventId) ?? 0) + 1;
                linesOfEvent.set(entry.sourceEventId, n);
                return { id: journalLineId(entry.effectiveAt, entry.sourceEventId, n), entry, line };
              }),
            )
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          const lines = await store.find<JournalLineDocument>(JOURNAL_LINES, tenantId, { limit: 10_000 });
          expect(lines.map((d) => [d.id, d.data.entryId, d.data.account, d.data.debit, d.data.credit, d.data.currency, d.data.kind])).toEqual(
            expected.map(({ id, entry, line }) => [id, entry.entryId, line.account, line.debit, line.credit, entry.currency, entry.kind]),
          );

          // Through the reports (whole days summed in SQL + the split day's lines): liability = paid value still
          // held, plus on the delivery basis the value redeemed for sessions not yet delivered.
          const undelivered = (currency: string, instant: string) => (basis === 'delivery' ? undeliveredValueAsOf(plan, played, currency, instant) : 0);
          const owed = (currency: string, instant: string) => paidValueHeldAsOf(plan, played, currency, instant) + undelivered(currency, instant);
          const candidates = splitCandidates(played);
          const first = new Date(Date.parse(HISTORY_START) - 1).toISOString();
          const last = [...played.map(effectiveAtOf), ...expected.map((e) => e.entry.effectiveAt)].sort().at(-1)!;
          const splits = [...new Set([first, ...picks.map((k) => candidates[k % candidates.length]), last])].sort();
          const currencies = [...new Set(plan.packages.map((p) => p.currency))];
          for (const instant of splits) {
            const reported = Object.fromEntries((await reports.contractLiability(tenantId, instant)).map((c) => [c.currency, c.liability]));
            for (const currency of currencies) expect([currency, instant, reported[currency] ?? 0]).toEqual([currency, instant, owed(currency, instant)]);
          }
          for (let i = 1; i < splits.length; i++) {
            // Each column against a figure counted without the journal (the difference column is 0 by construction).
            const [from, to] = [splits[i - 1], splits[i]];
            for (const { currency, opening, sales, recognised, breakage, refunds, closing } of await reports.liabilityRollforward(tenantId, from, to)) {
              const moved = valueMovedIn(plan, played, currency, from, to);
              expect({ currency, opening, sales, recognised, breakage, refunds, closing }).toEqual({
                currency,
                opening: owed(currency, from),
                ...moved,
                recognised: moved.recognised + undelivered(currency, from) - undelivered(currency, to),
                closing: owed(currency, to),
              });
            }
          }
          checked++;
        },
      ),
      RUNS,
    );
    expect(checked).toBe(NUM_RUNS);
  });
});
