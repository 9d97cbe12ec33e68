import { StoredEvent } from '@punchcard/event-store';
import { DocumentKey, FieldIndex } from '@punchcard/read-store';

/**
 * Documents of one batch: everything `keys` named is loaded before `apply` runs. Never change an
 * object `get` returned or one already `put` in place: put a new one. A document put in one batch
 * is handed to the next while its commit is still writing it (ProjectionRunner's catch-up and running loop).
 */
export interface DocumentSet {
  get<T>(key: DocumentKey): T | null;
  put(key: DocumentKey, data: unknown): void;
  delete(key: DocumentKey): void;
}

/**
 * A read model. `apply` must be a pure function of the event and the documents: no clock, no I/O,
 * so that a rebuild from the first event yields exactly the documents the live run wrote.
 */
export interface Projection {
  /** Checkpoint name; bump its version suffix when the documents' shape changes. */
  name: string;
  collections: string[];
  /** Fields its queries filter by. */
  indexes?: FieldIndex[];
  /** The documents `apply` will read for this event, loaded before it runs; it may also write documents it never reads ([] = the event is not of interest). */
  keys(event: StoredEvent): DocumentKey[];
  apply(event: StoredEvent, documents: DocumentSet): void;
}
