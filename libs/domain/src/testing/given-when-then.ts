import assert from 'node:assert/strict';
import { DomainError, DomainErrorCode } from '../shared/domain-error';

/**
 * Given events / when command / then events (or error code), for any pure decider.
 *
 *   const given = givenWhenThen({ initialState: initialPackageState, decide: decidePackage, evolve: evolvePackage });
 *   given([purchased]).when(redeem, ctx).then([redeemed]);
 *   given([purchased, expired]).when(redeem, ctx).thenFails('package_expired');
 *
 * The given events are folded with `evolve`; every state handed to `decide`/`evolve` is deep-frozen,
 * so a decider or evolver that mutates its input fails loudly. `then` returns the state after the
 * produced events, for tests that also check what the events do to the state.
 * Produced events are compared as they are stored (a JSON round trip, so `-0` equals `0`).
 * It asserts with node:assert (not jest's `expect`) so it also compiles under tsconfig.build.json.
 */
export interface Decider<C, S, E, Ctx> {
  initialState: S;
  decide(command: C, state: S, ctx: Ctx): E[];
  evolve(state: S, event: E): S;
}

export function givenWhenThen<C, S, E, Ctx>(decider: Decider<C, S, E, Ctx>) {
  const fold = (events: E[]): S => events.reduce((state, event) => decider.evolve(deepFreeze(state), event), decider.initialState);

  return (events: E[]) => ({
    when: (command: C, ctx: Ctx) => {
      const run = () => decider.decide(command, deepFreeze(fold(events)), ctx);
      return {
        then(expected: E[]): S {
          assert.deepStrictEqual(JSON.parse(JSON.stringify(run())), expected);
          return fold([...events, ...expected]);
        },
        thenFails(code: DomainErrorCode): void {
          let produced: E[] | undefined;
          let error: unknown;
          try {
            produced = run();
          } catch (e) {
            error = e;
          }
          if (error === undefined) throw new Error(`Expected ${code}, but the command succeeded with ${JSON.stringify(produced)}`);
          if (!(error instanceof DomainError)) throw error;
          assert.equal(error.code, code, `Expected DomainError ${code}, got ${error.code}: ${error.message}`);
          exercisedCodes.add(code);
        },
      };
    },
  });
}

/** Codes asserted by `thenFails` in the current test file (jest gives each file its own module registry). */
export const exercisedCodes = new Set<DomainErrorCode>();

/** The codes a source file raises with `new DomainError('code', ...)`, to check a spec exercises them all. */
export function codesRaisedIn(source: string): DomainErrorCode[] {
  return [...new Set([...source.matchAll(/new DomainError\(\s*'([a-z_]+)'/g)].map((m) => m[1] as DomainErrorCode))].sort();
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A small deterministic PRNG (mulberry32) for seeded property-style loops, without a new dependency. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}
