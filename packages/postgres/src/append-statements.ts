import { StreamDeletedError, WrongExpectedVersionError, type AppendResult, type ExpectedVersion, type PreparedEvent, type RecordedEvent } from '@chronicle/core';
import type { PgClientLike, PgQueryConfig } from './pg-types.js';
import { callReturningArray, type NamedStatement } from './prepared-call.js';
import { toNumber } from './rows.js';
import { EXPECTED_ANY, EXPECTED_STREAM_EXISTS } from './sql/append-functions.js';
import type { Queries } from './sql/queries.js';

/** One stream's part of an append, validated and serialized by core's `prepareEvents`. */
export type PreparedAppend = {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PreparedEvent[];
};

/** The SQL functions' encoding of an expected version (see {@link EXPECTED_ANY}). */
function encodeExpected(expected: ExpectedVersion): number {
  if (expected === 'any') return EXPECTED_ANY;
  if (expected === 'stream_exists') return EXPECTED_STREAM_EXISTS;
  if (expected === 'no_stream') return 0;
  return expected;
}

type Columns = { ids: string[]; types: string[]; data: string[]; metadata: string[]; partOf: number[] };

function columns(parts: readonly PreparedAppend[]): Columns {
  const out: Columns = { ids: [], types: [], data: [], metadata: [], partOf: [] };
  parts.forEach((part, index) => {
    for (const event of part.events) {
      out.ids.push(event.eventId);
      out.types.push(event.type);
      out.data.push(event.data);
      out.metadata.push(event.metadata);
      out.partOf.push(index + 1);
    }
  });
  return out;
}

/**
 * The statement of one append: one event takes the scalar function, one
 * stream the specialized one, several streams the atomic multi-stream one.
 */
export function appendStatement(queries: Queries, parts: readonly PreparedAppend[], recordedAt: Date): NamedStatement {
  const at = recordedAt.toISOString();
  if (parts.length === 1 && parts[0]!.events.length === 1) {
    const { streamId, expectedVersion, events } = parts[0]!;
    const { eventId, type, data, metadata } = events[0]!;
    const { name, text } = queries.appendEvent;
    return { name, text, values: [streamId, encodeExpected(expectedVersion), eventId, type, data, metadata, at] };
  }
  const { ids, types, data, metadata, partOf } = columns(parts);
  if (parts.length === 1) {
    const [part] = parts as [PreparedAppend];
    return { ...queries.appendToStream, values: [part.streamId, encodeExpected(part.expectedVersion), ids, types, data, metadata, at] };
  }
  const streams = parts.map((p) => p.streamId);
  const expected = parts.map((p) => encodeExpected(p.expectedVersion));
  const counts = parts.map((p) => p.events.length);
  return { ...queries.appendToStreams, values: [streams, expected, counts, partOf, ids, types, data, metadata, at] };
}

/** The statement of a group commit: independent single-stream appends in one transaction. */
export function batchStatement(queries: Queries, appends: readonly PreparedAppend[], recordedAt: Date): NamedStatement {
  const { ids, types, data, metadata, partOf } = columns(appends);
  const streams = appends.map((p) => p.streamId);
  const expected = appends.map((p) => encodeExpected(p.expectedVersion));
  const counts = appends.map((p) => p.events.length);
  return { ...queries.appendBatch, values: [streams, expected, counts, partOf, ids, types, data, metadata, recordedAt.toISOString()] };
}

/**
 * Errors the append functions raise only outside the position reservation
 * (before it: CH001; after it released the lock: conflicts, deleted streams,
 * duplicate ids). Anything else (a cancel or statement_timeout, a deadlock or
 * lock timeout on the sequence, an exhausted sequence...) may have struck
 * between lock and unlock.
 */
const RAISED_OUTSIDE_RESERVATION = new Set(['CH001', 'CH409', 'CH410', '23505']);

/**
 * Whether a failed append function call may have left its session holding
 * the position lock (a session advisory lock, which outlives the statement;
 * generation 3 of the functions no longer releases it in an exception block,
 * see `append-functions.ts`).
 */
export function positionLockMayBeHeld(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code !== 'string' || !RAISED_OUTSIDE_RESERVATION.has(code);
}

/**
 * Runs an append function's statement and returns its array. When the call
 * fails in a way that may have left the position lock held, the connection
 * is discarded: destroying it ends the session, which releases the lock,
 * instead of returning it to serve (and block) later appends.
 */
export async function callAppendFunction(client: PgClientLike, statement: NamedStatement, discard: () => void): Promise<readonly unknown[]> {
  try {
    return await callReturningArray(client, statement);
  } catch (error) {
    if (positionLockMayBeHeld(error)) discard();
    throw error;
  }
}

/** One part's result, given its version before the append and its first global position. */
export function appendResult(part: PreparedAppend, before: number, firstGlobal: number, recordedAt: Date): AppendResult {
  const events = part.events.map(
    (event, i): RecordedEvent => ({
      eventId: event.eventId,
      type: event.type,
      data: JSON.parse(event.data) as unknown,
      metadata: JSON.parse(event.metadata) as RecordedEvent['metadata'],
      streamId: part.streamId,
      streamPosition: before + i + 1,
      globalPosition: firstGlobal + i,
      recordedAt: new Date(recordedAt.getTime()),
    }),
  );
  return { streamId: part.streamId, nextExpectedVersion: before + events.length, globalPosition: firstGlobal + events.length - 1, events };
}

/** Results of an atomic append from `[first global position, version before of each part...]`. */
export function appendResults(parts: readonly PreparedAppend[], returned: readonly unknown[], recordedAt: Date): AppendResult[] {
  let next = toNumber(returned[0]);
  return parts.map((part, index) => {
    const result = appendResult(part, toNumber(returned[index + 1]), next, recordedAt);
    next += part.events.length;
    return result;
  });
}

/** The typed conflict for an actual version, as core reports it. */
export function wrongVersion(part: PreparedAppend, actual: number): WrongExpectedVersionError {
  return new WrongExpectedVersionError(part.streamId, part.expectedVersion, actual === 0 ? 'no_stream' : actual);
}

/**
 * Maps the append functions' `CH409` (detail `index:actual`) to the typed
 * conflict, and `CH410` (detail `index`) to STREAM_DELETED.
 */
export function conflict(parts: readonly PreparedAppend[], error: unknown): WrongExpectedVersionError | StreamDeletedError | undefined {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code === 'CH410' && typeof detail === 'string') return new StreamDeletedError(parts[Number(detail) - 1]!.streamId);
  if (code !== 'CH409' || typeof detail !== 'string') return undefined;
  const [index, actual] = detail.split(':').map(Number) as [number, number];
  return wrongVersion(parts[index - 1]!, actual);
}
