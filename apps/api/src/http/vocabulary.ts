import { ApiOkResponse } from '@nestjs/swagger';

/**
 * The one vocabulary of credit figures (docs/api-guide.md, "Vocabulary"), as OpenAPI schema fragments.
 * Views list the figures they carry; a published name kept for compatibility is marked deprecated and
 * names its replacement. Only these fields are described; the rest of each view is in the guide.
 */
const figure = (description: string) => ({ type: 'integer', description });
const deprecated = (replacement: string) => ({ type: 'integer', deprecated: true, description: `Deprecated: the same figure as ${replacement}.` });

const creditsTotal = figure('Every credit the client was given: purchased + added − removed.');
const creditsUsed = figure('Credits redeemed and not given back: booked sessions (forfeited ones included) and manual deductions.');
const creditsRemaining = figure('Credits still usable.');
const creditsRefunded = figure('Credits refunded.');
const creditsExpired = figure('Credits lost when a package expired. (Forfeited is only a booked credit kept after a late cancellation or a no-show.)');

export const PACKAGE_FIGURES = { creditsTotal, creditsUsed, creditsRemaining, creditsRefunded, creditsExpired, creditsForfeited: deprecated('creditsExpired') };
export const OFFERING_FIGURES = { creditsTotal, creditsUsed, creditsRefunded, creditsExpired, creditsGranted: deprecated('creditsTotal'), creditsForfeited: deprecated('creditsExpired') };
export const USAGE_FIGURES = {
  creditsTotal,
  creditsUsed,
  creditsRemaining,
  creditsRefunded,
  creditsExpired,
  creditsGranted: deprecated('creditsTotal'),
  sessionsBooked: deprecated('creditsUsed'),
  creditsLeft: deprecated('creditsRemaining'),
};
export const CLIENT_USAGE_FIGURES = {
  creditsTotal,
  creditsUsed,
  creditsRemaining,
  creditsRefunded,
  creditsExpired,
  limit: deprecated('creditsTotal'),
  booked: deprecated('creditsUsed'),
  left: deprecated('creditsRemaining'),
  refunded: deprecated('creditsRefunded'),
  expired: deprecated('creditsExpired'),
};

type Figures = Record<string, object>;
const objectWith = (properties: Figures) => ({ type: 'object', properties, additionalProperties: true });

/** A 200 answer that is one view carrying these figures. */
export const ApiViewWith = (figures: Figures) => ApiOkResponse({ schema: objectWith(figures) });
/** A 200 answer that is a page of views (`items`, `nextCursor`) carrying these figures. */
export const ApiPageWith = (figures: Figures) =>
  ApiOkResponse({ schema: { type: 'object', properties: { items: { type: 'array', items: objectWith(figures) }, nextCursor: { type: 'string', nullable: true } }, additionalProperties: true } });
