/**
 * The event store port. Adapters: PostgreSQL (./postgres). Every adapter must pass
 * ./contract/event-store.contract.ts.
 */

export interface EventMetadata {
  tenantId: string;
  actor: { id: string; role: string };
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string | null;
  /** When the command was decided (ISO-8601 UTC); the event's business time. */
  occurredAt: string;
}

export interface NewEvent {
  /** Chosen by the writer, so a retried append of the same events is recognised, not duplicated. */
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * Position in the global order: the writing transaction's id, then the row's sequence number.
 * Both are decimal strings (they are 64-bit). Order is (transactionId, globalPosition).
 */
export interface Position {
  transactionId: string;
  globalPosition: string;
}

export const START: Position = { transactionId: '0', globalPosition: '0' };

export interface StoredEvent extends NewEvent {
  streamId: string;
  /** 1 for a stream's first event. */
  streamVersion: number;
  position: Position;
  recordedAt: string;
}

export interface StreamWrite {
  streamId: string;
  /** The stream's current version as the writer saw it: 0 = the stream must not exist yet. */
  expectedVersion: number;
  /**
   * No events: an assertion. The stream is only checked to be at `expectedVersion` in the same
   * atomic append (a stream the decision read but does not change), and nothing is written to it.
   */
  events: NewEvent[];
}

export interface AppendResult {
  /** Position of the last event written; the caller's read-your-writes token. */
  lastPosition: Position;
  /** New version of each written stream. */
  streamVersions: Record<string, number>;
  /** The events as stored (positions, versions, recording time), in stream and version order. */
  stored: StoredEvent[];
}

/**
 * The answer to a request made under an idempotency key, recorded in the same atomic write as the
 * events it reports (ADR 0028): the events and the answer are both stored, or neither. Its scope and
 * key are unique: if they are already recorded, nothing is appended and the append throws
 * ReceiptTakenError (the caller replays the stored answer).
 */
export interface CommandReceipt {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  /** The body's exact text (null: no body). */
  body: string | null;
  headers: Record<string, string>;
  /** A header (lower case) to which the store adds the append's last position (`formatPosition`). */
  positionHeader: string;
}

export interface EventStore {
  /**
   * Appends to one or more streams atomically: all events are written, or none. Every write's
   * stream (asserted ones too) must be at its expected version, else WrongExpectedVersionError.
   * An assertion is serialised against concurrent writes to its stream: an append that asserts a
   * stream another append is writing either sees that write (and conflicts) or commits before it.
   * At least one write must carry events. With a receipt, the receipt is recorded in the same write.
   */
  append(writes: StreamWrite[], receipt?: CommandReceipt): Promise<AppendResult>;
  readStream(streamId: string): Promise<StoredEvent[]>;
  /** Several streams in one read (one snapshot): each id maps to its events, empty for an unknown stream. */
  readStreams(streamIds: string[]): Promise<Map<string, StoredEvent[]>>;
  /**
   * Events after `after` in global order, at most `limit`. Gap-free: an event that becomes
   * visible later never sorts before an event already returned.
   */
  readAll(after: Position, limit: number): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`Stream ${streamId} is not at version ${expectedVersion}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** An append's receipt was already recorded (its scope and key): nothing was appended. */
export class ReceiptTakenError extends Error {
  constructor(
    readonly scope: string,
    readonly key: string,
  ) {
    super(`A receipt for ${scope} / ${key} is already recorded`);
    this.name = 'ReceiptTakenError';
  }
}

export function comparePositions(a: Position, b: Position): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const pos = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return pos === 0n ? 0 : pos < 0n ? -1 : 1;
}

/** `Punchcard-Position` header form: `<transactionId>-<globalPosition>`. */
export function formatPosition(position: Position): string {
  return `${position.transactionId}-${position.globalPosition}`;
}

export function parsePosition(text: string): Position | null {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(text);
  return match ? { transactionId: match[1], globalPosition: match[2] } : null;
}
