import { randomUUID } from 'node:crypto';
import {
  StoreUnavailableError,
  ValidationError,
  appendOrRepeat,
  assertExpectedVersion,
  checkExpectedVersion,
  prepareEvents,
  suppliesEventIds,
  type AppendResult,
  type ExpectedVersion,
  type NewEvent,
  type PreparedEvent,
  type RecordedEvent,
} from '@chronicle/core';
import { claimEventIds, releaseClaims, storedEventsById } from './claims.js';
import { HEADER, commitHeaders, encodeEvents } from './commit.js';
import { discardChunks, stageChunks } from './chunks.js';
import { EMPTY_HEAD, type StreamHead } from './head-cache.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import { EVENTS_PER_MESSAGE, globalPosition } from './positions.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lookupHead } from './stream-head.js';

const encoder = new TextEncoder();
const EMPTY_BODY = encoder.encode('[]');

/** The head to check `expected` against first: none needed for a new stream, the cached one when it matches. */
async function startingHead(context: StoreContext, streamId: string, expected: ExpectedVersion): Promise<StreamHead> {
  if (expected === 'no_stream' || expected === 0) return EMPTY_HEAD;
  const cached = context.heads.get(streamId);
  if (cached && (typeof expected !== 'number' || cached.version === expected)) return cached;
  return lookupHead(context, streamId);
}

function idsToClaim(context: StoreContext, input: readonly NewEvent[], prepared: readonly PreparedEvent[]): string[] {
  if (context.claimAllEventIds) return prepared.map((e) => e.eventId);
  return prepared.filter((_, i) => input[i]?.eventId !== undefined).map((e) => e.eventId);
}

function recorded(streamId: string, prepared: readonly PreparedEvent[], previousVersion: number, sequence: number, recordedAt: number): RecordedEvent[] {
  return prepared.map((event, index) => ({
    eventId: event.eventId,
    type: event.type,
    data: JSON.parse(event.data) as unknown,
    metadata: (event.metadata === '{}' ? {} : JSON.parse(event.metadata)) as RecordedEvent['metadata'],
    streamId,
    streamPosition: previousVersion + index + 1,
    globalPosition: globalPosition(sequence, index),
    recordedAt: new Date(recordedAt),
  }));
}

/**
 * Appends one commit. The version check is JetStream's: the commit is
 * published with `Nats-Expected-Last-Subject-Sequence` set to the sequence of
 * the stream's last commit (0 for a new stream), so of racing appends exactly
 * one is stored. `'any'` and `'stream_exists'` re-read the head and retry when
 * they lose such a race; exact expectations report the conflict.
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
  if (prepared.length > EVENTS_PER_MESSAGE) {
    throw ValidationError.of('events', `at most ${EVENTS_PER_MESSAGE} events per append`);
  }
  const waiting = context.starts.settled();
  if (waiting) await waiting;
  if (!suppliesEventIds(events)) return commitAppend(context, streamId, events, prepared, expected);
  // A repeat of a stored append (same event ids, found through their claims) gets the original result.
  const append = async (): Promise<AppendResult[]> => [
    await commitAppend(context, streamId, events, prepared, expected),
  ];
  const stored = (ids: readonly string[]): Promise<RecordedEvent[]> => storedEventsById(context, ids);
  const [result] = await appendOrRepeat([{ streamId, events: prepared }], append, stored);
  return result!;
}

async function commitAppend(
  context: StoreContext,
  streamId: string,
  events: readonly NewEvent[],
  prepared: readonly PreparedEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> {
  const subject = context.layout.eventSubject(streamId);
  const appendId = randomUUID();
  const { bodies } = encodeEvents(prepared, context.maxBodyBytes);
  const chunks = bodies.length > 1 ? bodies.length : 0;
  const body = chunks > 0 ? EMPTY_BODY : encoder.encode(bodies[0]);
  const claimIds = idsToClaim(context, events, prepared);
  const recordedAt = context.clock().getTime();
  const deadline = Date.now() + context.retryForMs;
  const claims = new Map<string, number>();
  let staged = false;
  // Once a commit publish may have been stored, its claims and chunks must stay.
  let maybeCommitted = false;
  try {
    let head = await startingHead(context, streamId, expected);
    for (;;) {
      const conflict = checkExpectedVersion(streamId, expected, head.version);
      if (conflict) throw conflict;
      if (claimIds.length > 0) await claimEventIds(context, claimIds, { appendId, subject, previous: head.sequence }, claims);
      if (chunks > 0 && !staged) {
        staged = true;
        await stageChunks(context, appendId, bodies);
      }
      const header = { appendId, version: head.version + prepared.length, count: prepared.length, previous: head.sequence, recordedAt, chunks };
      const committed = (sequence: number): AppendResult => {
        context.heads.remember(streamId, { version: header.version, sequence });
        return {
          streamId,
          nextExpectedVersion: header.version,
          globalPosition: globalPosition(sequence, prepared.length - 1),
          events: recorded(streamId, prepared, header.version - prepared.length, sequence, recordedAt),
        };
      };
      try {
        maybeCommitted = true;
        const ack = await context.io.publish(subject, body, { msgId: appendId, expectLastSubjectSequence: head.sequence, headers: commitHeaders(header) });
        return committed(ack.seq);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        // A publish retried across a failover can lose the version check to its own first attempt,
        // stored by the old leader whose ack was lost: then the commit after `previous` is ours.
        const next = await context.io.getMessage(context.layout.eventsStream, { seq: head.sequence + 1, next_by_subj: subject });
        if (next?.header.get(HEADER.appendId) === appendId) return committed(next.seq);
        maybeCommitted = false;
      }
      if (Date.now() > deadline) throw new StoreUnavailableError(`${streamId}: gave up after losing every race for ${context.retryForMs} ms`, false);
      head = await lookupHead(context, streamId);
    }
  } finally {
    if (!maybeCommitted) {
      if (claims.size > 0) await releaseClaims(context, claims);
      if (staged) await discardChunks(context, appendId);
    }
  }
}
