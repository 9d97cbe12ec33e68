import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ReadYourWritesParams } from '../../http/read-your-writes';
import { ApiError } from '../../http/problem';
import { IsInstant, PageLimit, toUtcInstant } from '../../http/validators';

export const AS_OF_DESCRIPTION =
  'An ISO-8601 instant with an offset (encode + as %2B). The answer is replayed from the events that had happened by then; an instant after now is refused (as_of_in_future).';

/** `?asOf=` (and `?after=`) of the point-in-time reads. */
export class AsOfParams extends ReadYourWritesParams {
  @ApiPropertyOptional({ description: AS_OF_DESCRIPTION, example: '2026-03-31T23:59:59.999+02:00' }) @IsOptional() @IsInstant() asOf?: string;
}

/** A client's packages: `asOf`, and a page (newest first; `cursor` is the previous page's nextCursor). */
export class ClientPackagesParams extends AsOfParams {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

/**
 * The instant normalised to UTC. A future instant is refused: events decided later carry an
 * occurredAt at or after their decision time, so an answer about a past instant never changes,
 * while one about the future would be a forecast that later events could contradict.
 */
export function pastInstant(value: string, now: Date): string {
  const asOf = toUtcInstant(value);
  if (Date.parse(asOf) > now.getTime()) {
    throw new ApiError(400, 'as_of_in_future', `asOf (${asOf}) is after now: point-in-time reads answer for past instants only.`);
  }
  return asOf;
}
