import { ValidationError } from '@chronicle/core';

/** Characters `encodeURIComponent` leaves alone that NATS subjects must not carry ('.' separates tokens) or that read badly. */
const EXTRA_ESCAPES = /[.!'()*]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Encodes a stream id as one NATS subject token: percent-encoding of its UTF-8
 * bytes, keeping only `A-Z a-z 0-9 - _ ~` literal. The mapping is injective
 * (upper-case hex, every other byte escaped) and keeps common ids readable:
 * `order-42` stays `order-42`, `tenant/a.b` becomes `tenant%2Fa%2Eb`.
 * @throws ValidationError for ids that are not well-formed UTF-16 (lone surrogates have no UTF-8 form).
 */
export function encodeStreamId(streamId: string): string {
  if (LONE_SURROGATE.test(streamId)) throw ValidationError.of('streamId', 'must be well-formed Unicode (no lone surrogates)');
  return encodeURIComponent(streamId).replace(EXTRA_ESCAPES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Inverse of {@link encodeStreamId}. */
export function decodeStreamId(token: string): string {
  // Most ids need no escapes: skip the decoder for them (once per commit in reads).
  return token.includes('%') ? decodeURIComponent(token) : token;
}

/**
 * Where a store keeps things. One JetStream stream holds the events (one
 * message per append, subject `<prefix>.e.<encoded stream id>`) and the
 * lifecycle index (`<prefix>.m.<encoded stream id>`: a record per stream that
 * has metadata or was deleted, written with it) and request records
 * (`<prefix>.r.<encoded request id>`: what an append carrying that request
 * id wrote, in the same atomic batch); a second,
 * `<stream>_AUX`, holds event-id claims, chunks of large appends and feed
 * checkpoints under `<prefix>.x.>`, at most one message per subject.
 */
export type Layout = {
  readonly eventsStream: string;
  readonly auxStream: string;
  readonly prefix: string;
  /** Filter matching every event subject. */
  readonly allEvents: string;
  /** Filter matching every auxiliary subject. */
  readonly allAux: string;
  /** Filter matching every lifecycle index record (events stream: streams with metadata or a deletion). */
  readonly allLifecycle: string;
  readonly lifecycleSubject: (streamId: string) => string;
  /** True for a lifecycle index record's subject (as opposed to a commit's). */
  readonly isLifecycleSubject: (subject: string) => boolean;
  /** Filter matching every request record (events stream: what each request id appended, written with it). */
  readonly allRequests: string;
  readonly requestSubject: (requestId: string) => string;
  /** True for a subject of the events stream that is no commit (lifecycle index and request records). */
  readonly isRecordSubject: (subject: string) => boolean;
  readonly streamIdOfLifecycle: (subject: string) => string;
  readonly eventSubject: (streamId: string) => string;
  readonly streamIdOf: (subject: string) => string;
  readonly claimSubject: (eventId: string) => string;
  readonly chunkSubject: (appendId: string, index: number) => string;
  readonly chunkFilter: (appendId: string) => string;
  readonly checkpointSubject: (feedName: string) => string;
};

const NAME = /^[A-Za-z0-9_-]+$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Builds the layout for a stream name and subject prefix, validating both. */
export function createLayout(stream: string, prefix: string): Layout {
  if (!NAME.test(stream) || stream.length > 200) throw ValidationError.of('stream', 'must be 1-200 characters of A-Z a-z 0-9 _ -');
  if (!PREFIX.test(prefix)) throw ValidationError.of('subjectPrefix', 'must be dot-separated tokens of A-Z a-z 0-9 _ -');
  const events = `${prefix}.e.`;
  const lifecycle = `${prefix}.m.`;
  const requests = `${prefix}.r.`;
  return {
    eventsStream: stream,
    auxStream: `${stream}_AUX`,
    prefix,
    allEvents: `${events}>`,
    allAux: `${prefix}.x.>`,
    allLifecycle: `${lifecycle}>`,
    lifecycleSubject: (streamId) => lifecycle + encodeStreamId(streamId),
    isLifecycleSubject: (subject) => subject.startsWith(lifecycle),
    allRequests: `${requests}>`,
    requestSubject: (requestId) => requests + encodeStreamId(requestId),
    isRecordSubject: (subject) => !subject.startsWith(events),
    streamIdOfLifecycle: (subject) => decodeStreamId(subject.slice(lifecycle.length)),
    eventSubject: (streamId) => events + encodeStreamId(streamId),
    streamIdOf: (subject) => {
      if (!subject.startsWith(events)) throw new Error(`subject ${subject} is not an event subject of ${prefix}`);
      return decodeStreamId(subject.slice(events.length));
    },
    claimSubject: (eventId) => `${prefix}.x.id.${eventId}`,
    chunkSubject: (appendId, index) => `${prefix}.x.chunk.${appendId}.${index}`,
    chunkFilter: (appendId) => `${prefix}.x.chunk.${appendId}.>`,
    checkpointSubject: (feedName) => `${prefix}.x.cp.${encodeStreamId(feedName)}`,
  };
}
