/**
 * The slice of the `pg` driver this package uses, declared structurally so the
 * package never depends on the driver's types. A `pg.Pool` fits as it is.
 */

/** A query as `pg` accepts it. Chronicle always uses parameters and array rows. */
export type PgQueryConfig = {
  readonly text: string;
  readonly values?: unknown[];
  /** Prepared-statement name: the statement is parsed once per connection. */
  readonly name?: string;
  readonly rowMode?: 'array';
};

/** What Chronicle reads from a query result. */
export type PgQueryResult = {
  readonly rows: unknown[];
};

/** A notification delivered to a listening connection. */
export type PgNotification = {
  readonly channel: string;
  readonly payload?: string | undefined;
  readonly processId: number;
};

/** A connection checked out of a pool. */
export interface PgClientLike {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  /** Returns the connection to its pool; pass an error (or `true`) to destroy it instead. */
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'notification', listener: (message: PgNotification) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
}

/**
 * A connection pool, e.g. `new pg.Pool({ connectionString })`. Chronicle
 * checks connections out with `connect()` and always releases them.
 */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  end(): Promise<void>;
  /** Callers waiting for a connection (`pg.Pool` has it): connections kept idle go back while someone waits. */
  readonly waitingCount?: number;
  /** `pg.Pool`'s options; `max` (its size) lets the store check its connection budget at start. */
  readonly options?: { readonly max?: number };
}
