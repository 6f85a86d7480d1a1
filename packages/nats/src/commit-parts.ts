import { randomUUID } from 'node:crypto';
import {
  StoreUnavailableError,
  sleep,
  WrongExpectedVersionError,
  type ExpectedVersion,
  type PreparedEvent,
  type RecordedEvent,
} from '@chronicle/core';
import type { PubAck } from '@nats-io/jetstream';
import { claimEventIds, releaseClaims } from './claims.js';
import { HEADER, appendIdOf, commitBody, commitHeaders, encodeEvents, type CommitHeader } from './commit.js';
import { discardChunks, stageChunks } from './chunks.js';
import { liveVersion, type StreamHead } from './head-cache.js';
import type { BatchMessage } from './jetstream-io.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import { globalPosition } from './positions.js';
import type { StoreContext } from './store-context.js';
import { lookupHead } from './stream-head.js';
import { recordedRuns, requestRuns, requestRecord, type RequestRun } from './request-records.js';

const encoder = new TextEncoder();
const EMPTY_BODY = encoder.encode('[]');

/** What a part writes on the head it found: its lifecycle fields (events are fixed per part). */
export type CommitDraft = {
  readonly liveFrom: number;
  readonly tombstone: boolean;
  readonly kind: 'events' | 'meta';
  /** The metadata JSON of a metadata commit. */
  readonly metadataJson?: string;
  /**
   * Also write the stream's lifecycle index record (`<prefix>.m.<stream id>`, in
   * the same atomic batch), so that global readers know to look at its head.
   */
  readonly index?: boolean;
};

/** One stream's commit in {@link commitParts}. */
export type CommitPart = {
  readonly streamId: string;
  readonly events: readonly PreparedEvent[];
  /** Event ids to claim before committing (supplied ones, or all with `eventIdIndex: 'all'`). */
  readonly claimIds: readonly string[];
  /** The head to try first: a cached one, or looked up. */
  readonly startingHead: () => Promise<StreamHead>;
  /**
   * Checks the head (expected version, tombstone) and says what to write on
   * it; throws to refuse. Called again on the fresh head after losing a race,
   * so an exact expectation then reports the conflict and `'any'` retries.
   */
  readonly draft: (head: StreamHead) => CommitDraft;
  /** The append's expected version, for the conflict a recorded request id reports. */
  readonly expected?: ExpectedVersion;
};

/** A stored part: the head it made, and its events as recorded. */
export type CommittedPart = {
  readonly streamId: string;
  readonly head: StreamHead;
  readonly events: RecordedEvent[];
};

/** Per-part state of one {@link commitParts} call. */
type Pending = {
  readonly part: CommitPart;
  readonly subject: string;
  readonly appendId: string;
  readonly bodies: readonly string[];
  head: StreamHead;
  draft?: CommitDraft;
  staged: boolean;
};

function recorded(
  streamId: string,
  events: readonly PreparedEvent[],
  firstPosition: number,
  sequence: number,
  recordedAt: number,
): RecordedEvent[] {
  return events.map((event, index) => ({
    eventId: event.eventId,
    type: event.type,
    data: JSON.parse(event.data) as unknown,
    metadata: (event.metadata === '{}' ? {} : JSON.parse(event.metadata)) as RecordedEvent['metadata'],
    streamId,
    streamPosition: firstPosition + index,
    globalPosition: globalPosition(sequence, index),
    recordedAt: new Date(recordedAt),
  }));
}

function headerOf(p: Pending, draft: CommitDraft, recordedAt: number): CommitHeader {
  const count = p.part.events.length;
  return {
    appendId: p.appendId,
    version: p.head.version + count,
    count,
    previous: p.head.sequence,
    recordedAt,
    chunks: p.bodies.length > 1 ? p.bodies.length : 0,
    liveFrom: draft.liveFrom,
    tombstone: draft.tombstone,
    meta: draft.kind === 'meta' ? 0 : p.head.meta,
    kind: draft.kind,
  };
}

function bodyOf(p: Pending, draft: CommitDraft, header: CommitHeader): Uint8Array {
  if (draft.kind === 'meta') return encoder.encode(draft.metadataJson ?? '{}');
  if (p.bodies.length > 1) return EMPTY_BODY;
  return p.bodies.length === 0 ? new Uint8Array(0) : encoder.encode(commitBody(header, p.bodies[0]!));
}

/**
 * What follows the head `p` was drafted on, on its stream's subject: this
 * call's commit (`ours`, with its sequence), another writer's (`other`), or
 * nothing (`none`).
 */
async function afterHead(context: StoreContext, p: Pending): Promise<{ ours: number } | 'other' | 'none'> {
  const next = await context.io.getMessage(context.layout.eventsStream, {
    seq: p.head.sequence + 1,
    next_by_subj: p.subject,
  });
  if (!next) return 'none';
  return appendIdOf(next.header) === p.appendId ? { ours: next.seq } : 'other';
}

/**
 * Whether one of the append's request ids was recorded by another append (a
 * record whose first commit is not one of this call's): a lost race even
 * when no head shows it.
 */
async function recordedByAnother(
  context: StoreContext,
  pending: readonly Pending[],
  requests: ReadonlyMap<string, RequestRun[]>,
): Promise<boolean> {
  const ours = new Set(pending.map((p) => p.appendId));
  for (const requestId of requests.keys()) {
    const record = await context.io.getMessage(context.layout.eventsStream, {
      last_by_subj: context.layout.requestSubject(requestId),
    });
    if (!record) continue;
    const back = recordedRuns(record.data)[0]?.back;
    const commit =
      back === undefined ? null : await context.io.getMessage(context.layout.eventsStream, { seq: record.seq - back });
    if (!commit || !ours.has(appendIdOf(commit.header))) return true;
  }
  return false;
}

/** Wait between attempts whose refusal the reads could not confirm (see {@link commitParts}). */
const UNCONFIRMED_RETRY_MS = 50;

/**
 * Writes one commit per part, atomically: one message (with `Nats-Msg-Id`, so
 * a retried publish is stored once) for a single part, else one atomic batch
 * (nats-server 2.12+). Every commit carries `Nats-Expected-Last-Subject-Sequence`
 * of the head it was drafted on, so of racing writers exactly one is stored, and
 * of this call's own attempts (a retry after a lost ack, a failover) at most
 * one. After losing a race, the parts are redrafted on fresh heads; a commit
 * found stored after its head with this call's append id is this call's own,
 * acknowledged or not. Claims and chunks are released when nothing can have
 * been stored.
 */
export async function commitParts(context: StoreContext, parts: readonly CommitPart[]): Promise<CommittedPart[]> {
  const recordedAt = context.clock().getTime();
  const deadline = Date.now() + context.retryForMs;
  const callId = randomUUID();
  const heads = await Promise.all(parts.map((part) => part.startingHead()));
  const pending: Pending[] = parts.map((part, i) => ({
    part,
    subject: context.layout.eventSubject(part.streamId),
    appendId: parts.length === 1 ? callId : `${callId}.${i}`,
    bodies: part.events.length === 0 ? [] : encodeEvents(part.events, context.maxBodyBytes).bodies,
    head: heads[i]!,
    staged: false,
  }));
  const requests = context.recordRequests ? requestRuns(parts) : new Map<string, RequestRun[]>();
  const claims = new Map<string, number>();
  // Once a publish may have been stored, its claims and chunks must stay.
  let maybeCommitted = false;
  try {
    for (;;) {
      for (const p of pending) p.draft = p.part.draft(p.head);
      await Promise.all(
        pending.map(async (p) => {
          if (p.part.claimIds.length > 0)
            await claimEventIds(
              context,
              p.part.claimIds,
              { appendId: p.appendId, subject: p.subject, previous: p.head.sequence },
              claims,
            );
          if (p.bodies.length > 1 && !p.staged) {
            p.staged = true;
            await stageChunks(context, p.appendId, p.bodies);
          }
        }),
      );
      let sequences: number[] | undefined;
      try {
        maybeCommitted = true;
        sequences = await publish(context, pending, recordedAt, requests);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        // A publish retried across a failover can lose the check to its own first attempt, stored by the old
        // leader whose ack was lost: then the commits after the heads are ours (all of them: batches are atomic).
        // A stale copy holds a prefix of the real history: "ours" and "other" are facts, "none" may be stale.
        const after = await Promise.all(pending.map((p) => afterHead(context, p)));
        if (after.every((a) => typeof a === 'object')) {
          sequences = after.map((a) => (a as { ours: number }).ours);
        } else if (!after.includes('other')) {
          // Refused, yet no head has another writer's commit after it: one of the two answers is stale. After a
          // network partition heals, a deposed stream leader that has not yet heard of its successor answers
          // publishes and reads from its old copy, while the real leader may store the same publish. Only a
          // record of the request by another append (below) or another writer's commit after a head proves a
          // lost race; until then the same commits are published again (a single commit with the same
          // Nats-Msg-Id, so it is stored once; a batch guarded by the same expected sequences).
          if (await recordedByAnother(context, pending, requests)) {
            await refuseRecordedRequests(context, pending[0]!, requests);
          }
          if (Date.now() > deadline) {
            const streams = parts.map((p) => p.streamId).join(', ');
            const reason = `${streams}: refused, with no conflict visible, for ${context.retryForMs} ms`;
            throw new StoreUnavailableError(reason, true);
          }
          await sleep(UNCONFIRMED_RETRY_MS);
          continue;
        } else maybeCommitted = false;
      }
      if (sequences) return pending.map((p, i) => committed(context, p, sequences[i]!, recordedAt));
      if (Date.now() > deadline) {
        throw new StoreUnavailableError(
          `${parts.map((p) => p.streamId).join(', ')}: gave up after losing every race for ${context.retryForMs} ms`,
          false,
        );
      }
      const fresh = await Promise.all(pending.map((p) => lookupHead(context, p.part.streamId)));
      fresh.forEach((head, i) => (pending[i]!.head = head));
      await refuseRecordedRequests(context, pending[0]!, requests);
    }
  } finally {
    if (!maybeCommitted) {
      if (claims.size > 0) await releaseClaims(context, claims);
      await Promise.all(pending.filter((p) => p.staged).map((p) => discardChunks(context, p.appendId)));
    }
  }
}

/**
 * A request id is recorded once, by the first append that carries it (the
 * record's expected sequence is 0): an append whose request id another append
 * recorded meanwhile fails like a lost race, and its caller finds that
 * request's outcome.
 */
async function refuseRecordedRequests(
  context: StoreContext,
  first: Pending,
  requests: ReadonlyMap<string, RequestRun[]>,
): Promise<void> {
  for (const requestId of requests.keys()) {
    const recorded = await context.io.getMessage(context.layout.eventsStream, {
      last_by_subj: context.layout.requestSubject(requestId),
    });
    if (recorded) {
      const actual = liveVersion(first.head);
      throw new WrongExpectedVersionError(
        first.part.streamId,
        first.part.expected ?? 'any',
        actual === 0 ? 'no_stream' : actual,
      );
    }
  }
}

/** Publishes the drafted commits; returns each commit's stream sequence. */
async function publish(
  context: StoreContext,
  pending: readonly Pending[],
  recordedAt: number,
  requests: ReadonlyMap<string, RequestRun[]>,
): Promise<number[]> {
  const only = pending[0]!;
  if (pending.length === 1 && !only.draft!.index && requests.size === 0) {
    const header = headerOf(only, only.draft!, recordedAt);
    const headers = commitHeaders(header);
    const ack = await context.io.publish(only.subject, bodyOf(only, only.draft!, header), {
      msgId: only.appendId,
      expectLastSubjectSequence: only.head.sequence,
      headers,
    });
    return [ack.seq];
  }
  const messages: BatchMessage[] = [];
  const commitIndexes: number[] = [];
  for (const p of pending) {
    const draft = p.draft!;
    if (draft.index)
      messages.push({ subject: context.layout.lifecycleSubject(p.part.streamId), body: new Uint8Array(0) });
    const header = headerOf(p, draft, recordedAt);
    const headers = commitHeaders(header);
    headers.set(HEADER.batchAppendId, p.appendId);
    commitIndexes.push(messages.length);
    const body = bodyOf(p, draft, header);
    messages.push({ subject: p.subject, body, headers, expectLastSubjectSequence: p.head.sequence });
  }
  for (const [requestId, runs] of requests) {
    const at = messages.length;
    const body = requestRecord(
      runs.map((run) => {
        const p = pending[run.part]!;
        return { run, streamId: p.part.streamId, head: p.head, back: at - commitIndexes[run.part]! };
      }),
    );
    messages.push({ subject: context.layout.requestSubject(requestId), body, expectLastSubjectSequence: 0 });
  }
  const ack: PubAck = await context.io.publishBatch(messages);
  // A batch is stored at consecutive sequences ending with the ack's.
  return commitIndexes.map((index) => ack.seq - (messages.length - 1 - index));
}

function committed(context: StoreContext, p: Pending, sequence: number, recordedAt: number): CommittedPart {
  const draft = p.draft!;
  const header = headerOf(p, draft, recordedAt);
  const head: StreamHead = {
    version: header.version,
    sequence,
    liveFrom: header.liveFrom,
    tombstone: header.tombstone,
    meta: draft.kind === 'meta' ? sequence : header.meta,
  };
  context.heads.remember(p.part.streamId, head);
  return {
    streamId: p.part.streamId,
    head,
    events: recorded(p.part.streamId, p.part.events, p.head.version + 1, sequence, recordedAt),
  };
}
