import { StoreUnavailableError } from '@chronicle/core';
import { isBusy, toStoreError } from './sqlite-errors.js';

/** How long SQLite itself waits for a lock before handing control back to the event loop. */
export const LOCK_WAIT_SLICE_MS = 20;

/** Delay before retry number `attempt` (0-based): short at first, capped, jittered so processes do not retry in step. */
export function busyBackoffMs(attempt: number): number {
  const base = Math.min(2 ** attempt, 25);
  return base / 2 + Math.random() * base;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error to raise when the lock stayed busy past the deadline. */
export function busyTimeout(action: string, waitedMs: number, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `sqlite: ${action} failed: the database stayed locked by another connection for ${Math.round(waitedMs)} ms`,
    false,
    { cause },
  );
}

/**
 * Runs a synchronous read, retrying on SQLITE_BUSY with backoff (without
 * blocking the event loop) until `timeoutMs` has passed. Infrastructure
 * errors become `StoreUnavailableError`; SQLITE_BUSY never escapes.
 */
export async function retryWhileBusy<T>(operation: () => T, action: string, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return operation();
    } catch (error) {
      if (!isBusy(error)) throw toStoreError(error, action, false);
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw busyTimeout(action, waited, error);
      await sleep(busyBackoffMs(attempt));
    }
  }
}

/** Runs a synchronous read now; only when SQLITE_BUSY interrupts it does the result become a promise. */
export type Query = <T>(run: () => T, action: string) => T | Promise<T>;

/**
 * Builds the store's {@link Query}: checks the store is open, runs the read,
 * maps errors, and retries SQLITE_BUSY (rare for WAL readers, e.g. while
 * another process recovers the WAL) without blocking the event loop.
 */
export function createQuery(assertOpen: () => void, timeoutMs: number): Query {
  return <T>(run: () => T, action: string): T | Promise<T> => {
    assertOpen();
    try {
      return run();
    } catch (error) {
      if (!isBusy(error)) throw toStoreError(error, action, false);
      return retryWhileBusy(
        () => {
          assertOpen();
          return run();
        },
        action,
        timeoutMs,
      );
    }
  };
}
