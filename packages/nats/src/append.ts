import { randomUUID } from 'node:crypto';
import {
  StreamDeletedError,
  ValidationError,
  appendOrRepeat,
  assertExpectedVersion,
  checkExpectedVersion,
  prepareEvents,
  prepareMulti,
  suppliesEventIds,
  type AppendResult,
  type ExpectedVersion,
  type NewEvent,
  type PreparedEvent,
  type RecordedEvent,
  type StreamAppend,
} from '@chronicle/core';
import { storedEventsById } from './claims.js';
import { commitParts, type CommitPart, type CommittedPart } from './commit-parts.js';
import { EMPTY_HEAD, liveVersion, type StreamHead } from './head-cache.js';
import { MAX_BATCH_MESSAGES } from './jetstream-io.js';
import { EVENTS_PER_MESSAGE, globalPosition } from './positions.js';
import { assertAtomicBatches } from './server-version.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lookupHead } from './stream-head.js';

/** The head to check `expected` against first: none needed for a new stream, the cached one when it matches. */
async function startingHead(context: StoreContext, streamId: string, expected: ExpectedVersion): Promise<StreamHead> {
  if (expected === 'no_stream' || expected === 0) return EMPTY_HEAD;
  const cached = context.heads.get(streamId);
  if (cached && (typeof expected !== 'number' || liveVersion(cached) === expected)) return cached;
  return lookupHead(context, streamId);
}

function idsToClaim(
  context: StoreContext,
  input: readonly NewEvent[] | undefined,
  prepared: readonly PreparedEvent[],
): string[] {
  if (context.claimAllEventIds) return prepared.map((e) => e.eventId);
  return prepared.filter((_, i) => input?.[i]?.eventId !== undefined).map((e) => e.eventId);
}

/**
 * An append's part: refused on a tombstone, checked against the stream as
 * appends see it (a soft-deleted stream counts as absent, its positions
 * continue after the marker), and carrying the stream's lifecycle forward.
 */
function appendPart(
  context: StoreContext,
  streamId: string,
  input: readonly NewEvent[] | undefined,
  prepared: readonly PreparedEvent[],
  expected: ExpectedVersion,
): CommitPart {
  if (prepared.length > EVENTS_PER_MESSAGE)
    throw ValidationError.of('events', `at most ${EVENTS_PER_MESSAGE} events per append`);
  return {
    streamId,
    events: prepared,
    claimIds: idsToClaim(context, input, prepared),
    startingHead: () => startingHead(context, streamId, expected),
    expected,
    draft(head) {
      if (head.tombstone) throw new StreamDeletedError(streamId);
      const conflict = checkExpectedVersion(streamId, expected, liveVersion(head));
      if (conflict) throw conflict;
      return { liveFrom: head.liveFrom, tombstone: false, kind: 'events' };
    },
  };
}

function resultOf(part: CommittedPart): AppendResult {
  return {
    streamId: part.streamId,
    nextExpectedVersion: part.head.version,
    globalPosition: globalPosition(part.head.sequence, part.events.length - 1),
    events: part.events,
  };
}

async function settledStarts(context: StoreContext): Promise<void> {
  const waiting = context.starts.settled();
  if (waiting) await waiting;
}

/**
 * `EventStore.append`: one commit (see `commitParts`). The version check is
 * JetStream's: the commit is published with `Nats-Expected-Last-Subject-Sequence`
 * set to the sequence of the stream's last commit (0 for a new stream), so of
 * racing appends exactly one is stored. `'any'` and `'stream_exists'` re-read
 * the head and retry when they lose such a race; exact expectations report the conflict.
 */
export async function appendToStream(
  context: StoreContext,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> {
  assertOpen(context);
  assertExpectedVersion(expected);
  const prepared = prepareEvents(streamId, events, context.maxEventBytes, randomUUID);
  const part = appendPart(context, streamId, events, prepared, expected);
  await settledStarts(context);
  const append = async (): Promise<AppendResult[]> => (await commitParts(context, [part])).map(resultOf);
  if (!suppliesEventIds(events)) return (await append())[0]!;
  // A repeat of a stored append (same event ids, found through their claims) gets the original result.
  const stored = (ids: readonly string[]): Promise<RecordedEvent[]> => storedEventsById(context, ids);
  const [result] = await appendOrRepeat([{ streamId, events: prepared }], append, stored);
  return result!;
}

/**
 * `EventStore.appendMulti`: one commit per stream in one atomic batch
 * (nats-server 2.12+), each guarded by its stream's expected sequence, so the
 * streams are all written, at consecutive sequences, or none is.
 */
export async function appendMultiToStreams(
  context: StoreContext,
  appends: readonly StreamAppend[],
): Promise<AppendResult[]> {
  assertOpen(context);
  assertAtomicBatches(context.serverVersion, 'appendMulti');
  const prepared = prepareMulti(appends, context.maxEventBytes, randomUUID);
  if (prepared.length > MAX_BATCH_MESSAGES)
    throw ValidationError.of('appends', `at most ${MAX_BATCH_MESSAGES} streams in one multi-stream append`);
  const parts = prepared.map((p, i) =>
    appendPart(context, p.streamId, appends[i]!.events, p.events, p.expectedVersion),
  );
  await settledStarts(context);
  const append = async (): Promise<AppendResult[]> => (await commitParts(context, parts)).map(resultOf);
  if (!appends.some((a) => suppliesEventIds(a.events))) return append();
  return appendOrRepeat(prepared, append, (ids) => storedEventsById(context, ids));
}
