import { ClientUsageSort, CLIENT_USAGE_SORTS } from '@punchcard/projections';
import { ApiError } from '../../http/problem';

export type SortOrder = 'asc' | 'desc';

/** Where a page ended: the last row's sort value and id (rows are ordered by value, then id). */
export interface ClientUsagePosition {
  value: number | string;
  id: string;
}

interface CursorBody {
  s: ClientUsageSort;
  o: SortOrder;
  v: number | string;
  id: string;
}

/** Opaque to clients: base64url JSON that names its sort and order, so it cannot be replayed under another. */
export function encodeCursor(sort: ClientUsageSort, order: SortOrder, position: ClientUsagePosition): string {
  return Buffer.from(JSON.stringify({ s: sort, o: order, v: position.value, id: position.id } satisfies CursorBody)).toString('base64url');
}

/** The position a cursor points at; a 400 problem if this list (offering, sort, order) never gave it out. */
export function decodeCursor(cursor: string, expected: { offeringId: string; sort: ClientUsageSort; order: SortOrder }): ClientUsagePosition {
  let body: Partial<CursorBody> | null = null;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // not JSON: refused below
  }
  const numeric = CLIENT_USAGE_SORTS[expected.sort].numeric;
  const valid =
    body !== null &&
    typeof body === 'object' &&
    body.s === expected.sort &&
    body.o === expected.order &&
    (numeric ? Number.isSafeInteger(body.v) : typeof body.v === 'string' && body.v.length <= 40) &&
    typeof body.id === 'string' &&
    body.id.length <= 100 &&
    body.id.startsWith(`${expected.offeringId}:`);
  if (!valid) {
    const message = 'cursor must be the nextCursor of a previous page with the same offering, sort and order';
    throw new ApiError(400, 'validation_failed', message, { errors: [{ field: 'cursor', messages: [message] }] });
  }
  return { value: body!.v!, id: body!.id! };
}
