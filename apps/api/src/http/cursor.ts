import { ApiError } from './problem';

/**
 * Keyset page cursors: the position of a page's last row, `(instant, id)` in the list's order, as
 * base64url(JSON `[instant, id]`). Opaque to clients; strict on the way back in: only what
 * `encodeCursor` writes is accepted, so nothing a client makes up reaches a database cast (a 500).
 *
 * The instant is UTC, `YYYY-MM-DDTHH:MM:SS`, with up to 6 fraction digits (the database keeps
 * microseconds: a page boundary rounded to milliseconds could skip or repeat rows), and a `Z` (older
 * cursors of the Stripe delivery log were written without it; they read as UTC). It must be a date
 * that exists ("2020-02-30" does not) from year 1 on.
 */
export interface CursorPosition {
  /** The instant, UTC, always with its `Z`: cast it with `::timestamptz`. */
  at: string;
  id: string;
}

export interface CursorRules {
  /** The 400 problem's code: each list keeps the one it has always answered. */
  code: 'invalid_cursor' | 'validation_failed';
  /** The id must be a UUID (the list's id column is uuid). Otherwise any string up to 255 characters. */
  uuidId?: boolean;
}

const INSTANT = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The position a cursor names; a 400 problem (`rules.code`) when this API did not write it. */
export function decodeCursor(cursor: string, rules: CursorRules): CursorPosition {
  const position = parse(cursor, rules);
  if (position) return position;
  const message = 'cursor must be the nextCursor of a previous page.';
  throw new ApiError(400, rules.code, message, { errors: [{ field: 'cursor', messages: [message] }] });
}

function parse(cursor: string, rules: CursorRules): CursorPosition | null {
  if (!/^[A-Za-z0-9_-]{1,600}$/.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return null;
  const [at, id] = decoded;
  if (typeof at !== 'string' || typeof id !== 'string') return null;
  const shape = INSTANT.exec(at);
  if (!shape || Number(shape[1]) < 1) return null;
  const utc = at.endsWith('Z') ? at : `${at}Z`;
  // Date.parse rolls "2020-02-30" over to March; the database's cast refuses it (a 500): the date must round-trip.
  const parsed = new Date(utc);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== at.slice(0, 19)) return null;
  // Printable ASCII only: PostgreSQL refuses a NUL in text (a 500), and the API writes no other ids.
  if (rules.uuidId ? !UUID.test(id) : !/^[\x20-\x7e]{1,255}$/.test(id)) return null;
  return { at: utc, id };
}
