import { valueOfPaidCredits } from './credit-value';
import { seededRandom } from '../testing/given-when-then';

const AWKWARD: Array<[value: number, credits: number]> = [
  [1000, 3],
  [1000, 6],
  [1, 7],
  [0, 5],
  [999, 10],
  [100, 1],
  [7, 7],
  [12_345, 1000],
  [9_999_999_999, 13],
];

/** Takes all `credits` (together worth `value`) in chunks of the given sizes and returns what each chunk was worth. */
function takeInChunks(value: number, credits: number, chunks: number[]): number[] {
  let valueRemaining = value;
  let paidRemaining = credits;
  return chunks.map((count) => {
    const taken = valueOfPaidCredits(valueRemaining, paidRemaining, count);
    valueRemaining -= taken;
    paidRemaining -= count;
    return taken;
  });
}

/** A random split of `credits` into chunks of at least one credit. */
function randomChunks(random: ReturnType<typeof seededRandom>, credits: number): number[] {
  const chunks: number[] = [];
  for (let left = credits; left > 0; ) {
    const count = random.int(1, left);
    chunks.push(count);
    left -= count;
  }
  return chunks;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('valueOfPaidCredits', () => {
  it('1000 over 3: the credits are worth 334, 333 and 333', () => {
    expect(takeInChunks(1000, 3, [1, 1, 1])).toEqual([334, 333, 333]);
  });

  it('0 credits are worth 0', () => {
    for (const [value, credits] of AWKWARD) {
      expect(valueOfPaidCredits(value, credits, 0)).toBe(0);
    }
    expect(valueOfPaidCredits(0, 0, 0)).toBe(0);
  });

  it('no paid credits left: nothing to take, worth 0', () => {
    expect(valueOfPaidCredits(0, 0, 1)).toBe(0);
    expect(valueOfPaidCredits(0, 0, 0)).toBe(0);
  });

  it('taking as many credits as remain, or more, takes all the remaining value', () => {
    for (const [value, credits] of AWKWARD) {
      expect(valueOfPaidCredits(value, credits, credits)).toBe(value);
      expect(valueOfPaidCredits(value, credits, credits + 1)).toBe(value);
      expect(valueOfPaidCredits(value, credits, credits + 1000)).toBe(value);
    }
  });

  it('the last credit takes the remainder, whatever the value held', () => {
    expect(valueOfPaidCredits(333, 1, 1)).toBe(333);
    expect(valueOfPaidCredits(1, 1, 1)).toBe(1);
    expect(valueOfPaidCredits(0, 1, 1)).toBe(0);
  });

  it.each(AWKWARD)('value %i over %i credits: taken one by one, the values add up to the value exactly, each a fair share', (value, credits) => {
    const values = takeInChunks(value, credits, Array(credits).fill(1));
    expect(sum(values)).toBe(value);
    for (const taken of values) {
      expect(Number.isInteger(taken)).toBe(true);
      expect(taken).toBeGreaterThanOrEqual(Math.floor(value / credits));
      expect(taken).toBeLessThanOrEqual(Math.ceil(value / credits));
    }
  });

  it.each(AWKWARD)('value %i over %i credits: taken in any chunking, the values add up to the value exactly', (value, credits) => {
    const random = seededRandom(value + credits);
    for (let run = 0; run < 50; run++) {
      const chunks = randomChunks(random, credits);
      expect(sum(takeInChunks(value, credits, chunks))).toBe(value);
      // Each chunk is worth its share of what was still held when it was taken, to within one minor unit.
      let valueRemaining = value;
      let paidRemaining = credits;
      for (const count of chunks) {
        const taken = valueOfPaidCredits(valueRemaining, paidRemaining, count);
        expect(Number.isSafeInteger(taken)).toBe(true);
        expect(taken).toBeGreaterThanOrEqual(0);
        expect(taken).toBeLessThanOrEqual(valueRemaining);
        expect(Math.abs(taken - (valueRemaining * count) / paidRemaining)).toBeLessThan(1);
        valueRemaining -= taken;
        paidRemaining -= count;
      }
    }
  });

  it('any chunking of the remaining credits adds up to the remaining value, from any starting point', () => {
    const random = seededRandom(42);
    for (let run = 0; run < 500; run++) {
      const credits = random.int(1, 50);
      const value = random.int(0, 1_000_000);
      expect(sum(takeInChunks(value, credits, randomChunks(random, credits)))).toBe(value);
    }
  });

  it('the order of the chunks does not change the total', () => {
    expect(sum(takeInChunks(1000, 10, [4, 6]))).toBe(1000);
    expect(sum(takeInChunks(1000, 10, [6, 4]))).toBe(1000);
    expect(sum(takeInChunks(1000, 10, [1, 3, 6]))).toBe(1000);
    expect(takeInChunks(1000, 10, [4, 6])).toEqual([400, 600]);
    expect(takeInChunks(1000, 10, [6, 4])).toEqual([600, 400]);
  });

  it('a chunk given back with exactly its value leaves the total intact', () => {
    // 1000 over 6: take 1, give it back, then take everything in ones: still 1000 in all.
    let valueRemaining = 1000;
    let paidRemaining = 6;
    const first = valueOfPaidCredits(valueRemaining, paidRemaining, 1);
    valueRemaining -= first;
    paidRemaining -= 1;
    const second = valueOfPaidCredits(valueRemaining, paidRemaining, 2);
    valueRemaining = valueRemaining - second + first; // the first credit comes back with its value
    paidRemaining = paidRemaining - 2 + 1;
    expect(second + sum(takeInChunks(valueRemaining, paidRemaining, Array(paidRemaining).fill(1)))).toBe(1000);
  });
});
