import { remainingPaidValue, valueOfPaidCredits } from './credit-value';
import { seededRandom } from '../testing/given-when-then';

const AWKWARD: Array<[price: number, credits: number]> = [
  [1000, 3],
  [1, 7],
  [0, 5],
  [999, 10],
  [100, 1],
  [7, 7],
  [12_345, 1000],
  [9_999_999_999, 13],
];

/** Takes all `credits` in chunks of the given sizes and returns what each chunk was worth. */
function takeInChunks(price: number, credits: number, chunks: number[]): number[] {
  let remaining = credits;
  return chunks.map((count) => {
    const value = valueOfPaidCredits(price, credits, remaining, count);
    remaining -= count;
    return value;
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('credit value', () => {
  it('1000 over 3: the credits are worth 334, 333 and 333', () => {
    expect(takeInChunks(1000, 3, [1, 1, 1])).toEqual([334, 333, 333]);
  });

  it('all credits together are worth the price; none left are worth 0', () => {
    for (const [price, credits] of AWKWARD) {
      expect(remainingPaidValue(price, credits, credits)).toBe(price);
      expect(remainingPaidValue(price, credits, 0)).toBe(0);
      expect(valueOfPaidCredits(price, credits, credits, credits)).toBe(price);
    }
  });

  it('a package with no paid credits has no paid value', () => {
    expect(remainingPaidValue(1000, 0, 0)).toBe(0);
    expect(valueOfPaidCredits(1000, 0, 0, 0)).toBe(0);
  });

  it.each(AWKWARD)('price %i over %i credits: taken one by one, the values add up to the price exactly', (price, credits) => {
    const values = takeInChunks(price, credits, Array(credits).fill(1));
    expect(sum(values)).toBe(price);
    for (const value of values) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(Math.floor(price / credits));
      expect(value).toBeLessThanOrEqual(Math.ceil(price / credits));
    }
  });

  it.each(AWKWARD)('price %i over %i credits: any split into refunds/forfeits adds up to the price exactly', (price, credits) => {
    const random = seededRandom(price + credits);
    for (let run = 0; run < 50; run++) {
      const chunks: number[] = [];
      for (let left = credits; left > 0; ) {
        const count = random.int(1, left);
        chunks.push(count);
        left -= count;
      }
      expect(sum(takeInChunks(price, credits, chunks))).toBe(price);
    }
  });

  it('the value of n credits does not depend on how they were taken before', () => {
    // 10 credits at 1000: taking 4 then 6, or 6 then 4, or 1+3 then 6, always sums to the price.
    expect(sum(takeInChunks(1000, 10, [4, 6]))).toBe(1000);
    expect(sum(takeInChunks(1000, 10, [6, 4]))).toBe(1000);
    expect(sum(takeInChunks(1000, 10, [1, 3, 6]))).toBe(1000);
    expect(valueOfPaidCredits(1000, 10, 6, 6)).toBe(remainingPaidValue(1000, 10, 6));
  });
});
