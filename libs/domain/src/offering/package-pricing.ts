import { Money } from '../shared/money';
import { computeExpiresAt, Validity } from './validity';
import { OfferingStatus } from './offering.events';

/**
 * What a storefront says about an offering's price: the price per session, and what the package saves
 * against buying its sessions one at a time. Integer minor units only (no floats touch money).
 */

/** A session type's single-session price, as the offering's linked session types offer it. */
export interface SinglePrice {
  sessionTypeId: string;
  price: Money;
}

export interface PackageSaving {
  /** What the whole package saves: `sessionCount × singlePrice − price` (exact, no rounding). */
  amount: Money;
  /** `amount` as a percentage of `sessionCount × singlePrice`, rounded down to one decimal: never overstated. */
  percent: number;
  /** The single price compared with (the lowest of the linked session types in the offering's currency). */
  singlePrice: Money;
  /** The session type whose single price that is. */
  sessionTypeId: string;
}

export interface PackagePricing {
  pricePerSession: Money;
  saving: PackageSaving | null;
}

/**
 * `price / sessionCount` in whole minor units, rounded to the nearest unit, halves up: 100.00 for
 * 3 sessions is 33.33, 100.00 for 8 is 12.50, 0.05 for 2 is 0.03. A display figure: the price charged is
 * always the package price, and `pricePerSession × sessionCount` may differ from it by the rounding.
 */
export function pricePerSession(price: Money, sessionCount: number): Money {
  assertWhole(price.amount, 'price.amount');
  if (!Number.isSafeInteger(sessionCount) || sessionCount < 1) throw new RangeError(`sessionCount must be a whole number of at least 1, not ${sessionCount}`);
  const amount = BigInt(price.amount);
  const count = BigInt(sessionCount);
  // round(a / n), halves up, for a ≥ 0: floor((2a + n) / 2n).
  return { amount: Number((2n * amount + count) / (2n * count)), currency: price.currency };
}

/**
 * What the package saves against paying the single price for each of its sessions. The single price is
 * the lowest among the linked session types priced in the offering's currency (a package that books
 * several session types saves at least that much on any of them); prices in another currency are not
 * compared. Null when no linked session type has a price in that currency, or when the package costs as
 * much as the sessions singly or more (no saving to show).
 */
export function packageSaving(price: Money, sessionCount: number, singlePrices: readonly SinglePrice[]): PackageSaving | null {
  assertWhole(price.amount, 'price.amount');
  const comparable = singlePrices.filter((s) => s.price.currency === price.currency);
  if (comparable.length === 0) return null;
  const cheapest = comparable.reduce((min, s) => (s.price.amount < min.price.amount || (s.price.amount === min.price.amount && s.sessionTypeId < min.sessionTypeId) ? s : min));
  assertWhole(cheapest.price.amount, 'singlePrice.amount');
  const singly = BigInt(cheapest.price.amount) * BigInt(sessionCount);
  const saved = singly - BigInt(price.amount);
  if (saved <= 0n) return null;
  // Per mille, rounded down, then shown with one decimal: 11.1 for 6000 of 54000 (11.11...%).
  const perMille = (saved * 1000n) / singly;
  return {
    amount: { amount: toSafeNumber(saved), currency: price.currency },
    percent: Number(perMille) / 10,
    singlePrice: { amount: cheapest.price.amount, currency: cheapest.price.currency },
    sessionTypeId: cheapest.sessionTypeId,
  };
}

export function packagePricing(price: Money, sessionCount: number, singlePrices: readonly SinglePrice[]): PackagePricing {
  return { pricePerSession: pricePerSession(price, sessionCount), saving: packageSaving(price, sessionCount, singlePrices) };
}

/**
 * Whether an offering can be bought now: active, not deleted, and (with a fixed expiration date) not
 * past it in the tenant's zone. The same conditions the package sale decides (`offering_not_active`,
 * `offering_deleted`, `offering_expired`), so a storefront never lists what a sale would refuse.
 */
export function isOnSale(offering: { status: OfferingStatus; deleted: boolean; validity: Validity }, now: string, timezone: string): boolean {
  if (offering.deleted || offering.status !== 'active') return false;
  const expiresAt = computeExpiresAt(offering.validity, now, timezone);
  return expiresAt === null || Date.parse(expiresAt) > Date.parse(now);
}

function assertWhole(amount: number, field: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${field} must be a whole number of minor units (0 or more), not ${amount}`);
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${value} minor units is beyond the safe integer range`);
  return Number(value);
}
