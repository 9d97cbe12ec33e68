/**
 * Value (minor units) carried by `count` of the `paidRemaining` paid credits that together still
 * carry `valueRemaining`. The package tracks its remaining paid value explicitly and every movement
 * takes its share of it (the last credit takes the remainder), so however credits are redeemed,
 * reversed, refunded, removed or forfeited, the values moved out add up to the price exactly.
 * A reversal restores exactly what its redemption took.
 */
export function valueOfPaidCredits(valueRemaining: number, paidRemaining: number, count: number): number {
  if (count <= 0 || paidRemaining <= 0) return 0;
  if (count >= paidRemaining) return valueRemaining;
  return valueRemaining - Math.floor((valueRemaining * (paidRemaining - count)) / paidRemaining);
}
