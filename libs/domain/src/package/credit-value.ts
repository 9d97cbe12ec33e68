/**
 * Value (minor units) of the first `paidRemaining` of `paidCredits` credits sharing `price`.
 * Using floor(price * r / n) for the remaining value means each credit's value is
 * V(r) - V(r-1): the values of all credits add up to the price exactly, to the cent,
 * whatever order credits are redeemed, refunded or forfeited in.
 */
export function remainingPaidValue(price: number, paidCredits: number, paidRemaining: number): number {
  if (paidCredits === 0) return 0;
  return Math.floor((price * paidRemaining) / paidCredits);
}

/** Value of `count` paid credits taken from the `paidRemaining` still held. */
export function valueOfPaidCredits(price: number, paidCredits: number, paidRemaining: number, count: number): number {
  return remainingPaidValue(price, paidCredits, paidRemaining) - remainingPaidValue(price, paidCredits, paidRemaining - count);
}
