import type { Mutex } from '@chronicle/core';
import { retryWhileBusy } from './busy-retry.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { toStoreError } from './sqlite-errors.js';
import type { Statements } from './sql/statements.js';

/** Runs work in a write transaction of the store's connection. */
export type WriteTransactions = <T>(work: () => Promise<T> | T, action: string) => Promise<T>;

/** What {@link createWriteTransactions} needs. */
export type WriteTransactionOptions = {
  readonly db: SqliteDatabase;
  readonly statements: Statements;
  /** The store's write lock, shared with group commit: one transaction at a time on the connection. */
  readonly lock: Mutex;
  readonly busyTimeoutMs: number;
  readonly assertOpen: () => void;
};

/**
 * Write transactions beside group commit: each takes the store's write lock
 * (so it never interleaves with appends on the one write connection, even
 * across its awaits), starts with `BEGIN IMMEDIATE` (waiting, without
 * blocking the event loop, while another process writes), commits when the
 * work resolves and rolls back when it throws. Readers use another connection
 * and never see the transaction before it commits.
 */
export function createWriteTransactions(options: WriteTransactionOptions): WriteTransactions {
  const { db, statements, lock, busyTimeoutMs, assertOpen } = options;

  // BEGIN IMMEDIATE waits (without blocking the event loop) while another process writes.
  const begin = (action: string): Promise<void> =>
    retryWhileBusy(
      () => {
        assertOpen();
        statements.begin.run();
      },
      action,
      busyTimeoutMs,
    );

  return (work, action) => {
    try {
      assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return lock.run(async () => {
      await begin(action);
      let result;
      try {
        result = await work();
      } catch (error) {
        if (db.inTransaction) {
          try {
            statements.rollback.run();
          } catch {
            // The connection already rolled back (or is gone); nothing was committed either way.
          }
        }
        throw toStoreError(error, action, false);
      }
      try {
        statements.commit.run();
      } catch (error) {
        let rolledBack = false;
        try {
          if (db.inTransaction) statements.rollback.run();
          rolledBack = true;
        } catch {
          // Outcome unknown.
        }
        throw toStoreError(error, `${action} (commit)`, !rolledBack);
      }
      return result;
    });
  };
}
