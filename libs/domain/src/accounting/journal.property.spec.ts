import fc from 'fast-check';
import { creditsRemaining } from '../package/package.decider';
import { PackageEvent } from '../package/package.events';
import { effectiveAtOf as effectiveAt, HISTORY_START, historyPlans, paidValueHeldAsOf, playHistory, splitCandidates, valueMovedIn } from '../testing/package-histories';
import { JournalEntry } from './journal';
import { journalOf } from './package-books';
import { addMeasures, Measures, measuresOfEntry, rollforward, zeroMeasures } from './rollforward';

/**
 * Properties of random package histories decided by the real package decider: credits never go
 * negative, the balance is the sum of the ledger's deltas, and the journal's contract liability,
 * rolled forward between random instants, reconciles to the cent with the paid value the packages
 * still hold. fast-check prints the seed of a failing run; FC_SEED=<seed> replays it.
 */
const RUNS = { numRuns: 300, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };
const ids = () => {
  let n = 0;
  return { packageId: (i: number) => `pkg-${i}`, eventId: () => `evt-${++n}` };
};

/** The change to the credits a client can use, as the package ledger records it. */
function ledgerDelta(event: PackageEvent): number {
  switch (event.type) {
    case 'PackagePurchased':
      return event.data.credits;
    case 'SessionRedeemed':
      return -1;
    case 'RedemptionReversed':
      return 1;
    case 'CreditsAdjusted':
      return event.data.delta;
    case 'PackageExpired':
      return -event.data.creditsForfeited;
    case 'PackageRefunded':
      return -event.data.credits;
    default:
      return 0;
  }
}


describe('Package histories (property): credit balances', () => {
  it('no balance ever goes negative, and every balance is the sum of its ledger deltas', () => {
    fc.assert(
      fc.property(historyPlans(), (plan) => {
        const ledgerBalances = plan.packages.map(() => 0);
        const played = playHistory(plan, ids(), ({ packageIndex, event }, states) => {
          ledgerBalances[packageIndex] += ledgerDelta(event);
          for (const [i, state] of states.entries()) {
            if (!state.exists) continue;
            expect(Math.min(state.paidRemaining, state.goodwillRemaining, state.paidValueRemaining)).toBeGreaterThanOrEqual(0);
            expect(creditsRemaining(state)).toBe(ledgerBalances[i]);
          }
        });
        expect(played.length).toBeGreaterThanOrEqual(1);
      }),
      RUNS,
    );
  });
});

describe('Package histories (property): the journal and the contract liability', () => {
  it('entries balance; the rollforward between random instants reconciles to 0; liability = paid value still held', () => {
    fc.assert(
      fc.property(historyPlans(), fc.array(fc.nat(), { maxLength: 10 }), (plan, picks) => {
        const played = playHistory(plan, ids());
        const byPackage = plan.packages.map((_, i) => played.filter((p) => p.packageIndex === i));
        const entries: JournalEntry[] = byPackage.flatMap((history) => journalOf(history));

        for (const entry of entries) {
          const debits = entry.lines.reduce((sum, l) => sum + l.debit, 0);
          const credits = entry.lines.reduce((sum, l) => sum + l.credit, 0);
          expect(debits).toBe(credits);
          expect(entry.lines.every((l) => (l.debit > 0) !== (l.credit > 0) && Number.isSafeInteger(l.debit + l.credit))).toBe(true);
          expect(entry.currency).toBe(plan.packages[Number(entry.packageId.slice(4))].currency);
        }
        // Within a package, effective instants never go back: a prefix by effective time is a prefix of the stream.
        for (const history of byPackage) {
          const instants = history.map(effectiveAt);
          expect(instants).toEqual([...instants].sort());
        }

        const heldAsOf = (currency: string, instant: string) => paidValueHeldAsOf(plan, played, currency, instant);
        const totalsAsOf = (currency: string, instant: string): Measures =>
          entries.filter((e) => e.currency === currency && e.effectiveAt <= instant).map(measuresOfEntry).reduce(addMeasures, zeroMeasures());

        // Split instants: exactly at, just before and just after events, plus both ends.
        const candidates = splitCandidates(played);
        const end = played.map(effectiveAt).sort().at(-1)!;
        const splits = [...new Set([new Date(Date.parse(HISTORY_START) - 1).toISOString(), ...picks.map((k) => candidates[k % candidates.length]), end])].sort();

        for (const currency of new Set(plan.packages.map((p) => p.currency))) {
          for (let i = 1; i < splits.length; i++) {
            // Every figure against one counted without the journal: the opening and closing balances
            // from the packages' states, the movements from the events' own values.
            const period = rollforward(totalsAsOf(currency, splits[i - 1]), totalsAsOf(currency, splits[i]));
            const { difference: _, ...figures } = period;
            expect(figures).toEqual({
              opening: heldAsOf(currency, splits[i - 1]),
              ...valueMovedIn(plan, played, currency, splits[i - 1], splits[i]),
              closing: heldAsOf(currency, splits[i]),
            });
          }
          const lifetime = rollforward(zeroMeasures(), totalsAsOf(currency, end));
          expect(lifetime.closing).toBe(heldAsOf(currency, end));
          expect(lifetime.sales).toBe(valueMovedIn(plan, played, currency, '', end).sales);
        }
      }),
      RUNS,
    );
  });
});
