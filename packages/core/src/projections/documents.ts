/** One stored read-model document. */
export type DocumentEntry<T = unknown> = { readonly id: string; readonly document: T };

/** Options for listing a collection, ordered by id (byte order). */
export type FindOptions = {
  /** Only ids starting with this literal prefix. */
  readonly prefix?: string;
  /** Only ids after this one (paging cursor). */
  readonly after?: string;
  readonly limit?: number;
};

/**
 * Store-agnostic read-model storage: JSON documents by collection and id.
 * Every store implements it in its own database, so a projection written
 * against `Documents` runs unchanged on in-memory, SQLite and PostgreSQL, and
 * inside a transaction its writes commit or roll back with the events or the
 * checkpoint. Documents are JSON: what you put is what you get back, as a copy.
 */
export interface Documents {
  get<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  /** Fetches many ids in one round trip; missing ids are absent from the map. */
  getMany<T = unknown>(collection: string, ids: readonly string[]): Promise<Map<string, T>>;
  put(collection: string, id: string, document: unknown): Promise<void>;
  /**
   * Stores the document only if the id is free, atomically even across
   * concurrent transactions and processes: of several racing creates exactly
   * one returns true. Use it for "first one wins" records.
   */
  create(collection: string, id: string, document: unknown): Promise<boolean>;
  /** Upserts many documents in one round trip. */
  putMany(collection: string, entries: readonly (readonly [string, unknown])[]): Promise<void>;
  delete(collection: string, id: string): Promise<void>;
  deleteMany(collection: string, ids: readonly string[]): Promise<void>;
  find<T = unknown>(collection: string, options?: FindOptions): Promise<DocumentEntry<T>[]>;
  count(collection: string): Promise<number>;
  /** Removes a whole collection (used when dropping an old read-model version). */
  dropCollection(collection: string): Promise<void>;
}
