import { Position } from '@punchcard/event-store';

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
   * Documents that match at least one of these condition sets (each ANDed within), on top of `where`:
   * e.g. recorded status expired, or status active with an expiry already past.
   */
  anyOf?: Record<string, FieldCondition>[];
  /**
   * Case-insensitive substring match of `text` against any of `fields` (`id` is the document id), or
   * a document matching any of the `orAnyOf` condition sets instead: e.g. the package id contains q,
   * or the client is one whose name matched q. A search with no fields and no sets matches nothing.
   */
  search?: { fields: string[]; text: string; orAnyOf?: Record<string, FieldCondition>[] };
  /** Without `sort`, results are ordered by document id; cursors are ids. */
  order?: 'asc' | 'desc';
  /** Only documents after this id in the chosen order (cursor pagination). */
  after?: string;
  /**
   * Only documents whose id lies between these (inclusive). For collections whose ids embed the key
   * they are read by (e.g. `{packageId}:{sequence}`): a range on the id is served by the primary key,
   * where a filter on a document field under row-level security is not (`->>` is not leakproof).
   */
  idBetween?: { from: string; to: string };
  /**
   * Order by a field, then by id (so equal values page stably), instead of by id alone. A missing
   * or null field sorts as '' (text) or 0 (numeric). Page with `afterSorted`, the last row's value and id.
   */
  sort?: SortOrder;
  afterSorted?: { value: Scalar; id: string };
  limit: number;
}

export interface SortOrder {
  field: string;
  numeric?: boolean;
  direction?: 'asc' | 'desc';
}

/**
 * A field queries filter a collection by; the adapter indexes it (with the tenant, then id). With
 * `within` or `numeric` the index serves sorting instead: `within` is an equality field that leads it
 * (e.g. one offering's rows sorted by `booked`), `numeric` sorts the field as a number.
 */
export interface FieldIndex {
  collection: string;
  field: string;
  numeric?: boolean;
  within?: string;
}

export interface SumQuery {
  where?: Record<string, FieldCondition>;
  /** Top-level fields to group by (their values as text; null when missing). */
  groupBy: string[];
  /** Numeric top-level fields to add up (missing counts as 0). */
  fields: string[];
}

export interface SumRow {
  group: Record<string, string | null>;
  sums: Record<string, number>;
  count: number;
}

/** A document that differs between a live collection and its rebuilt copy (by id). */
export interface DocumentDifference {
  collection: string;
  tenantId: string;
  id: string;
  live: unknown | null;
  rebuilt: unknown | null;
}

/** One projection's batch: its document changes and the checkpoint move that goes with them. */
export interface ProjectionBatch {
  projection: string;
  from: Position;
  to: Position;
  changes: DocumentChange[];
}

/** A projection's checkpoint name and the collections it writes. */
export interface ProjectionStorage {
  projection: string;
  collections: string[];
}

/** The reads of a read store, as a snapshot offers them. */
export type SnapshotReader = Pick<ReadStore, 'get' | 'getMany' | 'find' | 'sum' | 'checkpoint'>;

export interface ReadStore {
  /**
   * Runs `work` with reads that all see one snapshot (a repeatable-read, read-only transaction):
   * documents committed meanwhile are not seen, so a report's several reads agree with each other.
   * Keep `work` short: it holds a connection.
   */
  readInSnapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T>;
  /** Creates the indexes if missing (idempotent; safe when several instances start together). */
  ensureIndexes(indexes: FieldIndex[]): Promise<void>;
  get<T>(key: DocumentKey): Promise<T | null>;
  getMany(keys: DocumentKey[]): Promise<StoredDocument[]>;
  find<T>(collection: string, tenantId: string, query: FindQuery): Promise<StoredDocument<T>[]>;
  /**
   * The distinct values of a field whose text contains `contains` case-insensitively, in text
   * order, at most `limit`: e.g. the offering names a tenant's packages were sold under that match a
   * search, to find those packages by the field's index. Fast only for a field declared with
   * ensureIndexes on this collection; any other field is answered by reading the tenant's documents.
   */
  distinctValues(collection: string, tenantId: string, field: string, query: { contains: string; limit: number }): Promise<string[]>;
  /** Where a projection has got to in the event log; START if it never ran. */
  checkpoint(projection: string): Promise<Position>;
  /** Where each of these projections has got to, read together (START for one that never ran). */
  checkpoints(projections: string[]): Promise<Map<string, Position>>;
  /**
   * Writes `changes` and moves the projection's checkpoint from `from` to `to`, in one transaction.
   * Throws CheckpointMovedError, writing nothing, if the checkpoint is no longer at `from`
   * (another runner got there first): a stale runner can never apply a batch twice.
   */
  commit(projection: string, from: Position, to: Position, changes: DocumentChange[]): Promise<void>;
  /**
   * `commit` for several projections in one transaction: every batch is written or none is. Throws
   * CheckpointMovedError, writing nothing, if any of their checkpoints is no longer at its `from`.
   */
  commitAll(batches: ProjectionBatch[]): Promise<void>;
  /** Adds up numeric fields of the matching documents in the store (no documents cross the wire). */
  sum(collection: string, tenantId: string, query: SumQuery): Promise<SumRow[]>;
  /** Deletes every document of `collections` and the projection's checkpoint, in one transaction. */
  reset(projection: string, collections: string[]): Promise<void>;
  /**
   * Blue/green switch: in one transaction, `live`'s documents and checkpoint are replaced by
   * `rebuilt`'s (collections pair up by position), and `rebuilt` ends empty. Readers see the old
   * generation or the new one, never a mix; a live runner's next commit fails its checkpoint check
   * unless it starts exactly where the rebuilt generation stands.
   */
  swap(live: ProjectionStorage, rebuilt: ProjectionStorage): Promise<void>;
  /**
   * Compares `live` with `rebuilt` as of one snapshot: `null` when their checkpoints differ there (the
   * caller catches up and asks again), else up to `limit` documents that differ (none = equal).
   */
  compare(live: ProjectionStorage, rebuilt: ProjectionStorage, limit: number): Promise<DocumentDifference[] | null>;
}

export class CheckpointMovedError extends Error {
  constructor(readonly projection: string) {
    super(`Checkpoint of projection ${projection} moved: another runner is applying it`);
    this.name = 'CheckpointMovedError';
  }
}
