/** What running a statement that changes rows reports. */
export type SqliteRunResult = {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
};

/**
 * The slice of a prepared statement that Chronicle uses. better-sqlite3's
 * `Statement` fits it; Chronicle never imports the driver's types.
 */
export interface SqliteStatement {
  run(...params: readonly unknown[]): SqliteRunResult;
  get(...params: readonly unknown[]): unknown;
  all(...params: readonly unknown[]): unknown[];
  /** Rows as arrays of column values instead of objects. */
  raw(toggle?: boolean): this;
  /** Only the first column of each row. */
  pluck(toggle?: boolean): this;
}

/**
 * The slice of a synchronous SQLite connection that Chronicle uses
 * (better-sqlite3's `Database` fits it). Inline code that receives it, such as
 * an `onAppend` hook, runs inside the store's write transaction.
 */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): unknown;
}
