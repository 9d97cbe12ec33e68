import { Position } from '../../event-store/src/event-store.port';

/**
 * The read-model document store port. Projections write documents (with their checkpoint, atomically);
 * queries only read them. Adapters: PostgreSQL JSONB (./postgres). Every adapter must pass
 * ./contract/read-store.contract.ts.
 */

export interface DocumentKey {
  collection: string;
  tenantId: string;
  id: string;
}

export interface StoredDocument<T = any> extends DocumentKey {
  data: T;
}

export type DocumentChange = { kind: 'put'; key: DocumentKey; data: unknown } | { kind: 'delete'; key: DocumentKey };

export type Scalar = string | number | boolean | null;

/**
 * A condition on one top-level field. Range operators compare numbers as numbers and strings
 * as strings (instants are stored as ISO-8601 UTC strings, which sort correctly as text).
 */
export type FieldCondition = Scalar | { in?: Scalar[]; lt?: string | number; lte?: string | number; gt?: string | number; gte?: string | number };

export interface FindQuery {
  where?: Record<string, FieldCondition>;
  /**
   * Case-insensitive substring match of `text` against any of `fields`, or (when given) the document
   * matching `orWhere` instead: e.g. offering name contains q, or the client is one whose name matched q.
   */
  search?: { fields: string[]; text: string; orWhere?: Record<string, FieldCondition> };
  /** Results are ordered by document id; cursors are ids. */
  order?: 'asc' | 'desc';
  /** Only documents after this id in the chosen order (cursor pagination). */
  after?: string;
  limit: number;
}

/** A field queries filter a collection by; the adapter indexes it (with the tenant, ordered by id). */
export interface FieldIndex {
  collection: string;
  field: string;
}

export interface ReadStore {
  /** Creates the indexes if missing (idempotent; safe when several instances start together). */
  ensureIndexes(indexes: FieldIndex[]): Promise<void>;
  get<T>(key: DocumentKey): Promise<T | null>;
  getMany(keys: DocumentKey[]): Promise<StoredDocument[]>;
  find<T>(collection: string, tenantId: string, query: FindQuery): Promise<StoredDocument<T>[]>;
  /** Where a projection has got to in the event log; START if it never ran. */
  checkpoint(projection: string): Promise<Position>;
  /**
   * Writes `changes` and moves the projection's checkpoint from `from` to `to`, in one transaction.
   * Throws CheckpointMovedError, writing nothing, if the checkpoint is no longer at `from`
   * (another runner got there first): a stale runner can never apply a batch twice.
   */
  commit(projection: string, from: Position, to: Position, changes: DocumentChange[]): Promise<void>;
  /** Deletes every document of `collections` and the projection's checkpoint, in one transaction. */
  reset(projection: string, collections: string[]): Promise<void>;
}

export class CheckpointMovedError extends Error {
  constructor(readonly projection: string) {
    super(`Checkpoint of projection ${projection} moved: another runner is applying it`);
    this.name = 'CheckpointMovedError';
  }
}
