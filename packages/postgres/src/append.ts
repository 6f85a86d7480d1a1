import type { AppendResult, RecordedEvent } from '@chronicle/core';
import { appendResults, appendStatement, callAppendFunction, conflict, type PreparedAppend } from './append-statements.js';
import type { NamedStatement } from './prepared-call.js';
import { toStoreError } from './errors.js';
import type { ConnectionLease } from './connection-lease.js';
import type { PgClientLike } from './pg-types.js';
import { transaction } from './sql/transaction.js';
import type { Queries } from './sql/queries.js';

export type { PreparedAppend };

/**
 * Runs inside the append transaction, after the events are written and
 * before COMMIT, with the transaction's connection. Throwing aborts the
 * append (nothing is stored) and the error reaches the caller. This is the
 * hook inline projections build on.
 */
export type AppendHook = (client: PgClientLike, events: readonly RecordedEvent[]) => Promise<void>;

/** What the append path needs from the store. */
export type AppenderDeps = {
  readonly connections: ConnectionLease;
  readonly queries: Queries;
  readonly clock: () => Date;
  readonly hooks: readonly AppendHook[];
  /**
   * Called after every append attempt, committed or rolled back: either can
   * move the gap-safe horizon, so subscribers are woken for both.
   */
  readonly onSettled: () => void;
};

/**
 * One append in its own transaction. Without hooks it is one statement in
 * autocommit (one round trip); with hooks it is BEGIN, the same statement,
 * the hooks, COMMIT. Either way the append function reserves positions
 * first, checks every expected version under row locks and writes all
 * events, or raises and writes nothing.
 */
export function createAppender(deps: AppenderDeps): (parts: readonly PreparedAppend[]) => Promise<AppendResult[]> {
  const { connections, queries, clock, hooks } = deps;

  /** `state.committing` tells the caller whether COMMIT was sent when a failure arrives. */
  async function inTransaction(
    client: PgClientLike,
    discard: () => void,
    query: NamedStatement,
    parts: readonly PreparedAppend[],
    recordedAt: Date,
    state: { committing: boolean },
  ): Promise<AppendResult[]> {
    await client.query(transaction.begin);
    try {
      const appended = appendResults(parts, await callAppendFunction(client, query, discard), recordedAt);
      const recorded = appended.flatMap((r) => r.events);
      for (const hook of hooks) await hook(client, recorded);
      state.committing = true;
      await client.query(transaction.commit);
      return appended;
    } catch (error) {
      if (!state.committing) await client.query(transaction.rollback).catch(discard);
      throw error;
    }
  }

  return async (parts) => {
    const recordedAt = clock();
    const query = appendStatement(queries, parts, recordedAt);
    // A single-statement append commits as it runs; with hooks only COMMIT does.
    const state = { committing: hooks.length === 0 };
    try {
      // No named closure per append: under tsx (the bench, `npm start`) each costs a defineProperty of its name.
      return await connections.use(async (client, discard) => {
        if (hooks.length > 0) return inTransaction(client, discard, query, parts, recordedAt, state);
        return appendResults(parts, await callAppendFunction(client, query, discard), recordedAt);
      });
    } catch (error) {
      throw conflict(parts, error) ?? toStoreError(error, state.committing);
    } finally {
      deps.onSettled();
    }
  };
}
