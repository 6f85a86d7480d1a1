import type { RecordedEvent } from '@chronicle/core';
import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { decodeCommitBody, decodeEvents, readCommitHeader, type CommitHeader, type StoredEventJson } from './commit.js';
import { globalPosition } from './positions.js';
import type { StoreContext } from './store-context.js';

/** A commit message, however it was fetched. */
export type CommitMessage = {
  readonly subject: string;
  readonly seq: number;
  readonly header: CommitHeader;
  readonly data: Uint8Array;
  /** The body's events, when already parsed (a body with its header in front). */
  readonly events?: StoredEventJson[];
};

/** A commit from its body when that carries the header, else from its headers (read only then: decoding them costs). */
function commit(subject: string, seq: number, data: Uint8Array, headers: () => MsgHdrs | undefined): CommitMessage {
  const body = decodeCommitBody(data);
  if (body) return { subject, seq, header: body.header, data, events: body.events };
  return { subject, seq, header: readCommitHeader(headers()), data };
}

/** A commit fetched with `STREAM.MSG.GET`. */
export function storedCommit(message: StoredMsg): CommitMessage {
  return commit(message.subject, message.seq, message.data, () => message.header);
}

/** A commit delivered by a consumer. */
export function deliveredCommit(message: JsMsg): CommitMessage {
  return commit(message.subject, message.seq, message.data, () => message.headers);
}

/** Stream position of the commit's first event. */
export function firstPosition(message: CommitMessage): number {
  return message.header.version - message.header.count + 1;
}

async function loadChunk(context: StoreContext, message: CommitMessage, index: number): Promise<StoredEventJson[]> {
  const subject = context.layout.chunkSubject(message.header.appendId, index);
  const chunk = await context.io.getMessage(context.layout.auxStream, { last_by_subj: subject });
  if (!chunk) throw new Error(`commit ${message.seq} of ${message.subject}: chunk ${subject} is missing`);
  return decodeEvents(chunk.data);
}

/** The events of `stored` (a commit body or chunk) as recorded events, the first being the commit's `index`-th. */
function recorded(
  stored: readonly StoredEventJson[],
  message: CommitMessage,
  streamId: string,
  index: number,
): RecordedEvent[] {
  const first = firstPosition(message);
  const recordedAt = message.header.recordedAt;
  const events: RecordedEvent[] = new Array(stored.length);
  for (let i = 0; i < stored.length; i++) {
    const event = stored[i]!;
    events[i] = {
      eventId: event.id,
      type: event.type,
      data: event.data,
      metadata: event.metadata as RecordedEvent['metadata'],
      streamId,
      streamPosition: first + index + i,
      globalPosition: globalPosition(message.seq, index + i),
      recordedAt: new Date(recordedAt),
    };
  }
  return events;
}

function countMismatch(message: CommitMessage, count: number): Error {
  return new Error(`commit ${message.seq} of ${message.subject}: ${count} events, header says ${message.header.count}`);
}

/**
 * The events of a commit whose events are in its body (all but large
 * appends), without waiting; undefined for a commit keeping them in chunks.
 * A metadata commit holds no events.
 */
export function bodyEvents(context: StoreContext, message: CommitMessage): RecordedEvent[] | undefined {
  if (message.header.kind === 'meta') return [];
  if (message.header.chunks > 0) return undefined;
  const stored = message.events ?? decodeEvents(message.data);
  const events = recorded(stored, message, context.layout.streamIdOf(message.subject), 0);
  if (events.length !== message.header.count) throw countMismatch(message, events.length);
  return events;
}

/**
 * The events of one commit as the store returns them, a page at a time: the
 * body, or one page per chunk, loaded when reached, so memory stays at one
 * message's worth. Pages rather than single events keep the per-event cost
 * of async iteration out of catch-up reads.
 */
export async function* commitPages(context: StoreContext, message: CommitMessage): AsyncGenerator<RecordedEvent[]> {
  const inBody = bodyEvents(context, message);
  if (inBody) {
    if (inBody.length > 0) yield inBody;
    return;
  }
  const streamId = context.layout.streamIdOf(message.subject);
  let index = 0;
  for (let page = 0; page < message.header.chunks; page++) {
    const events = recorded(await loadChunk(context, message, page), message, streamId, index);
    index += events.length;
    yield events;
  }
  if (index !== message.header.count) throw countMismatch(message, index);
}
