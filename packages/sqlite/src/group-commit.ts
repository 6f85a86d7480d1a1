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
  /** {@link submit} of one stream's append, resolving with its result (one promise less than unwrapping the array). */
  submitOne(part: PreparedAppend): Promise<AppendResult>;
  /** Resolves when every submitted append has settled. */
  idle(): Promise<void>;
};

/** Why the group must be tried again later, without any of it having been stored. */
const RETRY = Symbol('retry');
/** How a group ended: RETRY, or settled (every caller resolved or rejected). */
type Done = typeof RETRY | undefined;

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

  /** Ends a group that failed as a whole: rolls back; busy means try again later, anything else rejects every append. */
  function failedGroup(group: readonly Request[], error: unknown): Done {
    rollbackQuietly();
    if (isBusy(error)) return RETRY;
    for (const request of group) request.reject(toStoreError(error, 'append', false));
    return undefined;
  }

  /** Finishes the rest of the group once an inline projection went asynchronous at `index`. */
  async function attemptRest(group: readonly Request[], own: boolean, outcomes: Outcome[], pending: Promise<Outcome>, index: number): Promise<Outcome[]> {
    outcomes.push(await pending);
    for (let i = index + 1; i < group.length; i++) {
      const outcome = attempt(group[i]!, own);
      outcomes.push(outcome instanceof Promise ? await outcome : outcome);
    }
    return outcomes;
  }

  /** Runs the group's appends in order; synchronous unless an inline projection is asynchronous. */
  function attemptAll(group: readonly Request[]): Outcome[] | Promise<Outcome[]> {
    // A lone append needs no savepoint: the transaction is its savepoint.
    const own = group.length > 1;
    const outcomes: Outcome[] = [];
    for (let i = 0; i < group.length; i++) {
      const outcome = attempt(group[i]!, own);
      if (outcome instanceof Promise) return attemptRest(group, own, outcomes, outcome, i);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** Commits what the group wrote (or rolls back a lone failed append) and settles every caller. */
  function finishGroup(group: readonly Request[], outcomes: readonly Outcome[]): Done {
    try {
      if (group.length === 1 && 'error' in outcomes[0]!) rollback.run();
    } catch (error) {
      return failedGroup(group, error);
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

  /**
   * Writes and commits one group. Synchronous (no promise, no extra
   * microtask) unless an inline projection is asynchronous.
   */
  function commitGroup(group: readonly Request[]): Done | Promise<Done> {
    try {
      begin.run();
    } catch (error) {
      // Nothing to roll back (failedGroup's rollback only runs inside a transaction).
      return failedGroup(group, error);
    }
    let outcomes: Outcome[] | Promise<Outcome[]>;
    try {
      outcomes = attemptAll(group);
    } catch (error) {
      return failedGroup(group, error);
    }
    if (outcomes instanceof Promise) {
      return outcomes.then(
        (settled) => finishGroup(group, settled),
        (error: unknown) => failedGroup(group, error),
      );
    }
    return finishGroup(group, outcomes);
  }

  /** After a group: requeue it if the file was busy, schedule what arrived meanwhile, wake idle() waiters. */
  function afterGroup(group: readonly Request[], done: Done): void {
    if (done === RETRY) {
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

  function flush(): Promise<void> | void {
    scheduled = false;
    flushing = true;
    const group = queue.splice(0, MAX_GROUP);
    const done = group.length > 0 ? commitGroup(group) : undefined;
    if (done instanceof Promise) return done.then((settled) => afterGroup(group, settled));
    afterGroup(group, done);
  }

  function enqueue(parts: readonly PreparedAppend[], resolve: Request['resolve'], reject: Request['reject']): void {
    queue.push({ parts, resolve, reject, enqueuedAt: Date.now() });
    schedule();
  }

  return {
    submit(parts) {
      return new Promise<AppendResult[]>((resolve, reject) => enqueue(parts, resolve, reject));
    },
    submitOne(part) {
      return new Promise<AppendResult>((resolve, reject) => enqueue([part], (results) => resolve(results[0]!), reject));
    },
    idle() {
      if (!scheduled && !flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
