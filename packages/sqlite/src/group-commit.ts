import type { AppendResult, Mutex } from '@chronicle/core';
import { busyBackoffMs, busyTimeout } from './busy-retry.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { isBusy, isInfrastructureError, toStoreError } from './sqlite-errors.js';
import type { Statements } from './sql/statements.js';
import type { AppendWriter, PreparedAppend } from './write-append.js';

/** Most appends coalesced into one transaction; the rest wait for the next. */
const MAX_GROUP = 500;

type Request = {
  readonly parts: readonly PreparedAppend[];
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
  readonly enqueuedAt: number;
};

type Outcome = { readonly results: AppendResult[] } | { readonly error: unknown };

/** What {@link createGroupCommit} needs. */
export type GroupCommitOptions = {
  readonly db: SqliteDatabase;
  readonly statements: Statements;
  readonly write: AppendWriter;
  /**
   * Runs after an append's rows are written, inside its savepoint (inline
   * projections); throwing rolls that append back alone.
   */
  readonly afterWrite: (results: AppendResult[]) => Promise<void> | void;
  /** The store's write lock: a group holds it from BEGIN to COMMIT, across the awaits of inline projections. */
  readonly lock: Mutex;
  readonly busyTimeoutMs: number;
  /** Called after each successful COMMIT, before any caller is resolved. */
  readonly onCommit: () => void;
};

/** The store's single writer. */
export type GroupCommit = {
  /** Queues an append; resolves with its results once they are committed (durably, under synchronous=FULL). */
  submit(parts: readonly PreparedAppend[]): Promise<AppendResult[]>;
  /** Resolves when every submitted append has settled. */
  idle(): Promise<void>;
};

/** Why the group must be tried again later, without any of it having been stored. */
const RETRY = Symbol('retry');

/**
 * Group commit: appends submitted during one event-loop turn are written in
 * one `BEGIN IMMEDIATE` transaction, so that many concurrent appends share one
 * fsync. Each append runs in its own savepoint with its own expected-version
 * check: a conflicting or failing append is rolled back alone and rejected,
 * the others commit. Callers are resolved only after COMMIT returned.
 *
 * Inline projections run inside each append's savepoint, awaited while the
 * store's write lock is held, so they see the append and nothing else.
 *
 * While another process holds the write lock, the group waits (with backoff,
 * on timers, never blocking the event loop) and absorbs appends that arrive
 * meanwhile; appends that waited longer than `busyTimeoutMs` fail with
 * `STORE_UNAVAILABLE`.
 */
export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { db, statements, write, afterWrite, lock, busyTimeoutMs, onCommit } = options;
  const { begin, commit, rollback, savepoint, release, rollbackToSavepoint } = statements;
  const queue: Request[] = [];
  let scheduled = false;
  let flushing = false;
  let busyAttempts = 0;
  let idleWaiters: (() => void)[] = [];

  // Defined once, not per append: a closure per call costs allocation (and a naming helper under tsx).
  function run(): void {
    void lock.run(flush);
  }

  function schedule(delayMs?: number): void {
    if (scheduled) return;
    scheduled = true;
    if (delayMs === undefined) setImmediate(run);
    else setTimeout(run, delayMs);
  }

  function rollbackQuietly(): boolean {
    try {
      if (db.inTransaction) rollback.run();
      return true;
    } catch {
      return false;
    }
  }

  /** Ends an append that failed: only errors of the append itself become its outcome. */
  function failed(error: unknown, own: boolean): Outcome {
    // An I/O error or a transaction SQLite already rolled back dooms the whole group.
    if (isInfrastructureError(error) || !db.inTransaction) throw error;
    if (own) {
      rollbackToSavepoint.run();
      release.run();
    }
    return { error };
  }

  /**
   * Runs one append in the open transaction. Synchronous unless an inline
   * projection is asynchronous: most appends cost no promise here.
   */
  function attempt(request: Request, own: boolean): Outcome | Promise<Outcome> {
    if (own) savepoint.run();
    let results: AppendResult[];
    let pending: Promise<void> | void;
    try {
      results = write(request.parts);
      pending = afterWrite(results);
    } catch (error) {
      return failed(error, own);
    }
    if (pending) {
      return pending.then(
        (): Outcome => {
          if (own) release.run();
          return { results };
        },
        (error: unknown) => failed(error, own),
      );
    }
    if (own) release.run();
    return { results };
  }

  async function commitGroup(group: readonly Request[]): Promise<typeof RETRY | undefined> {
    try {
      begin.run();
    } catch (error) {
      if (isBusy(error)) return RETRY;
      for (const request of group) request.reject(toStoreError(error, 'append', false));
      return undefined;
    }
    let outcomes: Outcome[];
    try {
      // A lone append needs no savepoint: the transaction is its savepoint.
      const alone = group.length === 1;
      outcomes = [];
      for (const request of group) {
        const outcome = attempt(request, !alone);
        outcomes.push(outcome instanceof Promise ? await outcome : outcome);
      }
      if (alone && 'error' in outcomes[0]!) rollback.run();
    } catch (error) {
      rollbackQuietly();
      if (isBusy(error)) return RETRY;
      for (const request of group) request.reject(toStoreError(error, 'append', false));
      return undefined;
    }
    if (db.inTransaction) {
      try {
        commit.run();
      } catch (error) {
        // If our own ROLLBACK succeeded nothing was stored; otherwise the commit may or may not have reached the disk.
        const rolledBack = rollbackQuietly();
        if (isBusy(error) && rolledBack) return RETRY;
        const failure = toStoreError(error, 'commit', !rolledBack);
        group.forEach((request, i) => request.reject('error' in outcomes[i]! ? (outcomes[i] as { error: unknown }).error : failure));
        return undefined;
      }
      onCommit();
    }
    group.forEach((request, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) request.reject(outcome.error);
      else request.resolve(outcome.results);
    });
    return undefined;
  }

  async function flush(): Promise<void> {
    scheduled = false;
    flushing = true;
    const group = queue.splice(0, MAX_GROUP);
    if (group.length > 0 && (await commitGroup(group)) === RETRY) {
      const now = Date.now();
      const waiting = group.filter((request) => {
        const waited = now - request.enqueuedAt;
        if (waited < busyTimeoutMs) return true;
        request.reject(busyTimeout('append', waited, undefined));
        return false;
      });
      queue.unshift(...waiting);
      if (queue.length > 0) schedule(busyBackoffMs(busyAttempts++));
    } else {
      busyAttempts = 0;
      if (queue.length > 0) schedule();
    }
    flushing = false;
    if (!scheduled) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  return {
    submit(parts) {
      return new Promise<AppendResult[]>((resolve, reject) => {
        queue.push({ parts, resolve, reject, enqueuedAt: Date.now() });
        schedule();
      });
    },
    idle() {
      if (!scheduled && !flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
