import { CancellationPolicy, Money, packagePricing, PackageSaving, Validity } from '@punchcard/domain';
import { OfferingSummary } from '../offerings';
import { SessionTypeSummary } from '../session-types';

/** A session type an offering's packages book, as a storefront shows it. */
export interface StorefrontSessionType {
  id: string;
  name: string;
  description: string | null;
  coverImageUrl: string | null;
  durationMinutes: number;
  capacity: number;
  location: string | null;
  /** The single-session price. */
  price: Money;
  nonMemberPrice: Money | null;
}

/** An offering on sale, as anyone who may see it sees it: no usage figures, visibility groups or internal settings. */
export interface StorefrontOffering {
  id: string;
  name: string;
  description: string | null;
  sessionCount: number;
  price: Money;
  /** price / sessionCount, to the nearest minor unit (halves up). */
  pricePerSession: Money;
  /** Against the cheapest linked session type's single price in the same currency; null when there is none or no saving. */
  saving: PackageSaving | null;
  validity: Validity;
  maxSessionsPerWeek: number | null;
  cancellationPolicy: CancellationPolicy;
  /** True when the packages book any session type (the offering names none); `sessionTypes` is then empty. */
  allSessionTypes: boolean;
  /** The active session types the offering names, in its order. */
  sessionTypes: StorefrontSessionType[];
}

/** `sessionTypes`: the tenant's active session types by id (those not listed are left out). */
export function toStorefrontOffering(offering: OfferingSummary, sessionTypes: ReadonlyMap<string, SessionTypeSummary>): StorefrontOffering {
  const linked = offering.sessionTypeIds.map((id) => sessionTypes.get(id)).filter((s): s is SessionTypeSummary => s !== undefined);
  const { pricePerSession, saving } = packagePricing(
    offering.price,
    offering.sessionCount,
    linked.map((s) => ({ sessionTypeId: s.id, price: s.price })),
  );
  return {
    id: offering.id,
    name: offering.name,
    description: offering.description,
    sessionCount: offering.sessionCount,
    price: offering.price,
    pricePerSession,
    saving,
    validity: offering.validity,
    maxSessionsPerWeek: offering.maxSessionsPerWeek,
    cancellationPolicy: offering.cancellationPolicy,
    allSessionTypes: offering.sessionTypeIds.length === 0,
    sessionTypes: linked.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      coverImageUrl: s.coverImageUrl,
      durationMinutes: s.durationMinutes,
      capacity: s.capacity,
      location: s.location,
      price: s.price,
      nonMemberPrice: s.nonMemberPrice,
    })),
  };
}
