import type { PreparedEvent } from '@chronicle/core';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/**
 * One append is one JetStream message on the stream's subject: a *commit*.
 * Its headers carry the stream version after the append, the number of events,
 * the sequence of the stream's previous commit (a back link for backwards
 * reads) and the recording time. Its body is a JSON array of events whose
 * `data`/`metadata` are the exact JSON text `prepareEvents` produced. An append
 * too large for one message keeps its events in chunk messages on the aux
 * stream; the commit then says how many (`Chronicle-Chunks`) and has an empty body.
 *
 * The body of a commit with events in it leads with the header's fields as a
 * JSON array ({@link commitBody}): reads take them from there, and the
 * client's header decoding, a third of a catch-up read's CPU, is skipped
 * (the headers stay, for everything else; older commits, without it, are read
 * from their headers).
 *
 * The stream's lifecycle rides on the same messages: every commit carries it
 * forward from the one before. `Chronicle-Live-From` is the first position
 * after the newest soft-delete marker (a stream whose version is below it
 * reads as deleted), `Chronicle-Tombstone` marks a hard delete, and
 * `Chronicle-Meta` is the sequence of the message holding the stream's
 * metadata: a *metadata commit* (`Chronicle-Kind: meta`, no events, the
 * metadata JSON as its body) written like an append, so it is serialized
 * with the stream's appends by the same expected-sequence check.
 */
export const HEADER = {
  /** Append id of a single commit; a batch (which cannot carry `Nats-Msg-Id`) uses {@link HEADER.batchAppendId}. */
  appendId: 'Nats-Msg-Id',
  batchAppendId: 'Chronicle-Append',
  version: 'Chronicle-Version',
  count: 'Chronicle-Count',
  previous: 'Chronicle-Prev',
  recordedAt: 'Chronicle-Time',
  chunks: 'Chronicle-Chunks',
  liveFrom: 'Chronicle-Live-From',
  tombstone: 'Chronicle-Tombstone',
  meta: 'Chronicle-Meta',
  kind: 'Chronicle-Kind',
} as const;

/** What a commit's headers say. */
export type CommitHeader = {
  readonly appendId: string;
  /** Stream version after this append: the position of its last event. */
  readonly version: number;
  readonly count: number;
  /** Sequence of the stream's previous commit, 0 for its first. */
  readonly previous: number;
  readonly recordedAt: number;
  /** Number of chunk messages holding the events (0: they are in the body). */
  readonly chunks: number;
  /** First position after the newest soft-delete marker (0: never soft-deleted). */
  readonly liveFrom: number;
  /** The stream is hard-deleted. */
  readonly tombstone: boolean;
  /** Sequence of the stream's metadata commit (0: none); a metadata commit names no other. */
  readonly meta: number;
  /** `events`, or `meta` for a metadata commit (no events; the body is the metadata JSON). */
  readonly kind: 'events' | 'meta';
};

/** The lifecycle fields of a commit header, all absent for a stream that never had metadata or a deletion. */
export const NO_LIFECYCLE = { liveFrom: 0, tombstone: false, meta: 0, kind: 'events' } as const;

/** An event as stored inside a commit or chunk body. */
export type StoredEventJson = {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
};

/** Builds a commit's headers. */
export function commitHeaders(header: CommitHeader): MsgHdrs {
  const h = headers();
  h.set(HEADER.version, String(header.version));
  h.set(HEADER.count, String(header.count));
  h.set(HEADER.previous, String(header.previous));
  h.set(HEADER.recordedAt, String(header.recordedAt));
  if (header.chunks > 0) h.set(HEADER.chunks, String(header.chunks));
  if (header.liveFrom > 0) h.set(HEADER.liveFrom, String(header.liveFrom));
  if (header.tombstone) h.set(HEADER.tombstone, '1');
  if (header.meta > 0) h.set(HEADER.meta, String(header.meta));
  if (header.kind === 'meta') h.set(HEADER.kind, 'meta');
  return h;
}

function integer(text: string | undefined, name: string, fallback?: number): number {
  if (!text && fallback !== undefined) return fallback;
  const value = Number(text);
  if (!text || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`not a Chronicle commit: header ${name} is ${JSON.stringify(text ?? '')}`);
  }
  return value;
}

/**
 * Reads a commit's headers; throws on a message Chronicle did not write. The
 * headers are walked once, each name's first value kept (the client's `get`
 * scans every key on each call, which shows in catch-up reads).
 */
export function readCommitHeader(h: MsgHdrs | undefined): CommitHeader {
  let appendId: string | undefined;
  let batchAppendId: string | undefined;
  let version: string | undefined;
  let count: string | undefined;
  let previous: string | undefined;
  let recordedAt: string | undefined;
  let chunks: string | undefined;
  let liveFrom: string | undefined;
  let tombstone: string | undefined;
  let meta: string | undefined;
  let kind: string | undefined;
  if (h)
    for (const [name, all] of h) {
      const value = all[0];
      if (value === undefined) continue;
      switch (name) {
        case HEADER.appendId:
          appendId ??= value;
          break;
        case HEADER.batchAppendId:
          batchAppendId ??= value;
          break;
        case HEADER.version:
          version ??= value;
          break;
        case HEADER.count:
          count ??= value;
          break;
        case HEADER.previous:
          previous ??= value;
          break;
        case HEADER.recordedAt:
          recordedAt ??= value;
          break;
        case HEADER.chunks:
          chunks ??= value;
          break;
        case HEADER.liveFrom:
          liveFrom ??= value;
          break;
        case HEADER.tombstone:
          tombstone ??= value;
          break;
        case HEADER.meta:
          meta ??= value;
          break;
        case HEADER.kind:
          kind ??= value;
          break;
      }
    }
  return {
    appendId: appendId || batchAppendId || '',
    version: integer(version, HEADER.version),
    count: integer(count, HEADER.count),
    previous: integer(previous, HEADER.previous),
    recordedAt: integer(recordedAt, HEADER.recordedAt),
    chunks: integer(chunks, HEADER.chunks, 0),
    liveFrom: integer(liveFrom, HEADER.liveFrom, 0),
    tombstone: tombstone === '1',
    meta: integer(meta, HEADER.meta, 0),
    kind: kind === 'meta' ? 'meta' : 'events',
  };
}

/** The append id a commit (single or part of a batch) or claim names. */
export function appendIdOf(h: MsgHdrs | undefined): string {
  return h?.get(HEADER.appendId) || h?.get(HEADER.batchAppendId) || '';
}

function eventJson(event: PreparedEvent): string {
  // String concatenation keeps data and metadata byte-for-byte as prepared.
  return `{"id":"${event.eventId}","type":${JSON.stringify(event.type)},"data":${event.data},"metadata":${event.metadata}}`;
}

/**
 * Serializes an append's events: one body when it fits `maxBodyBytes`,
 * otherwise bodies of at most `maxBodyBytes` each, in order, for chunk messages.
 */
export function encodeEvents(events: readonly PreparedEvent[], maxBodyBytes: number): { readonly bodies: readonly string[] } {
  const parts = events.map(eventJson);
  const whole = `[${parts.join(',')}]`;
  // One length check covers the usual case of an append that fits one message.
  if (Buffer.byteLength(whole) <= maxBodyBytes) return { bodies: [whole] };
  const bodies: string[] = [];
  let page: string[] = [];
  let size = 2;
  for (const [index, json] of parts.entries()) {
    const bytes = Buffer.byteLength(json) + 1;
    if (bytes + 2 > maxBodyBytes) throw new Error(`event ${events[index]!.eventId} does not fit one message (${bytes} bytes)`);
    if (page.length > 0 && size + bytes > maxBodyBytes) {
      bodies.push(`[${page.join(',')}]`);
      page = [];
      size = 2;
    }
    page.push(json);
    size += bytes;
  }
  bodies.push(`[${page.join(',')}]`);
  return { bodies };
}

const decoder = new TextDecoder();

/**
 * A commit's body with its header's fields in front: `[[version, count,
 * previous, recordedAt, liveFrom, tombstone (0/1), meta, appendId], event, …]`.
 * `events` is a body from {@link encodeEvents} (a non-empty JSON array); the
 * fields fit in the room the store leaves for headers.
 */
export function commitBody(header: CommitHeader, events: string): string {
  const { version, count, previous, recordedAt, liveFrom, tombstone, meta, appendId } = header;
  const fields = `${version},${count},${previous},${recordedAt},${liveFrom},${tombstone ? 1 : 0},${meta}`;
  return `[[${fields},${JSON.stringify(appendId)}],${events.slice(1)}`;
}

function field(fields: readonly unknown[], index: number): number {
  const value = fields[index];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`not a Chronicle commit: body header field ${index} is ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Parses a commit body written by {@link commitBody}: its header and events;
 * undefined for a body without the header in front (older commits).
 */
export function decodeCommitBody(body: Uint8Array): { header: CommitHeader; events: StoredEventJson[] } | undefined {
  // '[[': no event body or metadata body starts so.
  if (body.length < 2 || body[0] !== 0x5b || body[1] !== 0x5b) return undefined;
  const parsed = decodeEvents(body) as unknown[];
  const fields = parsed.shift();
  if (!Array.isArray(fields) || typeof fields[7] !== 'string') {
    throw new Error('not a Chronicle commit: malformed body header');
  }
  const header: CommitHeader = {
    appendId: fields[7],
    version: field(fields, 0),
    count: field(fields, 1),
    previous: field(fields, 2),
    recordedAt: field(fields, 3),
    chunks: 0,
    liveFrom: field(fields, 4),
    tombstone: field(fields, 5) === 1,
    meta: field(fields, 6),
    kind: 'events',
  };
  return { header, events: parsed as StoredEventJson[] };
}

/** Parses a commit or chunk body. */
export function decodeEvents(body: Uint8Array): StoredEventJson[] {
  if (body.length === 0) return [];
  const parsed: unknown = JSON.parse(decoder.decode(body));
  if (!Array.isArray(parsed)) throw new Error('not a Chronicle commit: body is not a JSON array');
  return parsed as StoredEventJson[];
}
