import { WrongExpectedVersionError, type AppendResult, type ExpectedVersion, type PreparedEvent, type RecordedEvent } from '@chronicle/core';
import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike, PgQueryConfig } from './pg-types.js';
import { withClient } from './pool.js';
import { toNumber } from './rows.js';
import type { Queries } from './sql/queries.js';

/** One stream's part of an append, validated and serialized by core's `prepareEvents`. */
export type PreparedAppend = {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PreparedEvent[];
};

/**
 * Runs inside the append transaction, after the events are written and
 * before COMMIT, with the transaction's connection. Throwing aborts the
 * append (nothing is stored) and the error reaches the caller. This is the
 * hook inline projections build on.
 */
export type AppendHook = (client: PgClientLike, events: readonly RecordedEvent[]) => Promise<void>;

/** What the append path needs from the store. */
export type AppenderDeps = {
  readonly pool: PgPoolLike;
  readonly queries: Queries;
  readonly clock: () => Date;
  readonly hooks: readonly AppendHook[];
  /**
   * Called after every append attempt, committed or rolled back: either can
   * move the gap-safe horizon, so subscribers are woken for both.
   */
  readonly onSettled: () => void;
};

function encodeExpected(expected: ExpectedVersion): number {
  if (expected === 'any') return -1;
  if (expected === 'stream_exists') return -2;
  if (expected === 'no_stream') return 0;
  return expected;
}

/** The statement and its parameters: one stream takes the specialized function. */
function statement(queries: Queries, parts: readonly PreparedAppend[], recordedAt: Date): PgQueryConfig {
  const ids: string[] = [];
  const types: string[] = [];
  const data: string[] = [];
  const metadata: string[] = [];
  const partOf: number[] = [];
  parts.forEach((part, index) => {
    for (const event of part.events) {
      ids.push(event.eventId);
      types.push(event.type);
      data.push(event.data);
      metadata.push(event.metadata);
      partOf.push(index + 1);
    }
  });
  const at = recordedAt.toISOString();
  if (parts.length === 1) {
    const [part] = parts as [PreparedAppend];
    return { ...queries.appendToStream, values: [part.streamId, encodeExpected(part.expectedVersion), ids, types, data, metadata, at], rowMode: 'array' };
  }
  return {
    ...queries.appendToStreams,
    values: [
      parts.map((p) => p.streamId),
      parts.map((p) => encodeExpected(p.expectedVersion)),
      parts.map((p) => p.events.length),
      partOf,
      ids,
      types,
      data,
      metadata,
      at,
    ],
    rowMode: 'array',
  };
}

/** Builds the results from what the database returned: the first global position and each stream's prior version. */
function results(parts: readonly PreparedAppend[], returned: readonly unknown[], recordedAt: Date): AppendResult[] {
  let globalPosition = toNumber(returned[0]) - 1;
  return parts.map((part, index) => {
    const before = toNumber(returned[index + 1]);
    const events = part.events.map(
      (event, i): RecordedEvent => ({
        eventId: event.eventId,
        type: event.type,
        data: JSON.parse(event.data) as unknown,
        metadata: JSON.parse(event.metadata) as RecordedEvent['metadata'],
        streamId: part.streamId,
        streamPosition: before + i + 1,
        globalPosition: ++globalPosition,
        recordedAt: new Date(recordedAt.getTime()),
      }),
    );
    return { streamId: part.streamId, nextExpectedVersion: before + events.length, globalPosition, events };
  });
}

/** Maps the append function's `CH409` (detail `index:actual`) to the typed conflict. */
function conflict(parts: readonly PreparedAppend[], error: unknown): WrongExpectedVersionError | undefined {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== 'CH409' || typeof detail !== 'string') return undefined;
  const [index, actual] = detail.split(':').map(Number) as [number, number];
  const part = parts[index - 1]!;
  return new WrongExpectedVersionError(part.streamId, part.expectedVersion, actual === 0 ? 'no_stream' : actual);
}

/**
 * The append path. Without hooks an append is one statement in autocommit
 * (one round trip); with hooks it is BEGIN, the same statement, the hooks,
 * COMMIT. Either way the append function reserves positions first, checks every
 * expected version under row locks and writes all events, or raises and
 * writes nothing.
 */
export function createAppender(deps: AppenderDeps): (parts: readonly PreparedAppend[]) => Promise<AppendResult[]> {
  const { pool, queries, clock, hooks } = deps;

  /** `state.committing` tells the caller whether COMMIT was sent when a failure arrives. */
  async function inTransaction(
    client: PgClientLike,
    discard: () => void,
    query: PgQueryConfig,
    build: (row: unknown[]) => AppendResult[],
    state: { committing: boolean },
  ): Promise<AppendResult[]> {
    await client.query({ text: 'begin' });
    try {
      const result = await client.query(query);
      const appended = build((result.rows[0] as unknown[])[0] as unknown[]);
      const recorded = appended.flatMap((r) => r.events);
      for (const hook of hooks) await hook(client, recorded);
      state.committing = true;
      await client.query({ text: 'commit' });
      return appended;
    } catch (error) {
      if (!state.committing) await client.query({ text: 'rollback' }).catch(discard);
      throw error;
    }
  }

  return async (parts) => {
    const recordedAt = clock();
    const query = statement(queries, parts, recordedAt);
    const build = (returned: unknown[]): AppendResult[] => results(parts, returned, recordedAt);
    // A single-statement append commits as it runs; with hooks only COMMIT does.
    const state = { committing: hooks.length === 0 };
    try {
      return await withClient(pool, async (client, discard) => {
        if (hooks.length > 0) return inTransaction(client, discard, query, build, state);
        const result = await client.query(query);
        return build((result.rows[0] as unknown[])[0] as unknown[]);
      });
    } catch (error) {
      throw conflict(parts, error) ?? toStoreError(error, state.committing);
    } finally {
      deps.onSettled();
    }
  };
}
