import type { NewEvent, RecordedEvent } from '../events/event.js';

/**
 * What an append expects of the stream before it writes:
 * - `'any'`: no check;
 * - `'no_stream'`: the stream has no events (same as `0`);
 * - `'stream_exists'`: the stream has at least one event;
 * - a number `n >= 0`: the stream's version (position of its last event) is exactly `n`.
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** Outcome of a successful append to one stream. */
export type AppendResult = {
  readonly streamId: string;
  /** The stream's version after the append: pass it as the next expected version. */
  readonly nextExpectedVersion: number;
  /** Global position of the last event written by this append. */
  readonly globalPosition: number;
  /** The events exactly as stored, in order. */
  readonly events: readonly RecordedEvent[];
  /**
   * True when nothing was written because the append repeated events an
   * earlier append stored (same ids, same order, same stream): the result is
   * that append's. Absent on a write.
   */
  readonly replayed?: boolean;
};

/** One stream's part of a multi-stream append. */
export type StreamAppend = {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedVersion: ExpectedVersion;
};

/** Options for reading one stream. */
export type ReadStreamOptions = {
  /** `'forwards'` (default) from position 1, or `'backwards'` from the last event. */
  readonly direction?: 'forwards' | 'backwards';
  /** First stream position to return (inclusive); defaults to the start in the read direction. */
  readonly from?: number;
  /** Maximum number of events to return; unlimited by default. */
  readonly limit?: number;
};

/**
 * Which events of the global log a read or subscription returns, applied by
 * the store (in its query where it can), so that a consumer does not pull
 * every event. An event passes when it matches every criterion given.
 */
export type GlobalLogFilter = {
  /** Only events of these types (exact names; `$StreamDeleted` markers only if listed). */
  readonly eventTypes?: readonly string[];
  /**
   * Only events of streams whose id starts with one of these prefixes. A
   * category (`order` in `order-42`) is the prefix `order-`.
   */
  readonly streamIdPrefixes?: readonly string[];
};

/**
 * Options for reading the global log. An option the store cannot honour is
 * refused with `NOT_SUPPORTED`, an unknown one with `VALIDATION_FAILED`; none is ignored.
 */
export type ReadAllOptions = {
  /**
   * `'forwards'` (default): increasing global position, from just after
   * `after`. `'backwards'`: decreasing, from just below `before` (by default
   * the head: the newest event readers can see).
   */
  readonly direction?: 'forwards' | 'backwards';
  /** Only events with `globalPosition > after` (0, the beginning, by default). */
  readonly after?: number;
  /** Only events with `globalPosition < before` (no bound by default). */
  readonly before?: number;
  /** Maximum number of events to return (after filtering); unlimited by default. */
  readonly limit?: number;
  /** Only events that pass this filter. */
  readonly filter?: GlobalLogFilter;
};

/** Options for a subscription to the global log. */
export type SubscribeOptions = {
  /**
   * Where to start: a global position (deliver events after it), `'start'`
   * (everything, the default) or `'end'` (only events appended after the
   * subscription was opened). The start is fixed when `subscribe` is called,
   * not when iteration begins.
   */
  readonly after?: number | 'start' | 'end';
  /** Ends the subscription: the iterator finishes without error. */
  readonly signal?: AbortSignal;
  /** Events fetched per page during catch-up. */
  readonly batchSize?: number;
  /** Only events that pass this filter (see {@link GlobalLogFilter}). */
  readonly filter?: GlobalLogFilter;
};

/** What is known of a stream without reading its events. */
export type StreamInfo = {
  readonly streamId: string;
  /** Position of the last event (>= 1 for an existing stream). */
  readonly version: number;
};

/** Options for listing streams, ordered by stream id. */
export type ListStreamsOptions = {
  /** Only streams whose id starts with this prefix. */
  readonly prefix?: string;
  /** Only streams whose id sorts after this one (paging cursor). */
  readonly after?: string;
  /** Maximum number of streams. */
  readonly limit?: number;
};

/** Static facts about a store that callers and the conformance suite branch on. */
export type StoreInfo = {
  /** Short adapter name, e.g. `in-memory`, `sqlite`, `postgres`. */
  readonly name: string;
  /** Whether {@link EventStore.appendMulti} is atomic; otherwise it throws `NOT_SUPPORTED`. */
  readonly multiStreamAppend: boolean;
  /** Largest accepted event, in bytes of serialized type + data + metadata. */
  readonly maxEventBytes: number;
};

/**
 * The store contract. Every adapter implements exactly this and passes the
 * conformance suite in `@chronicle/core/conformance`.
 *
 * Guarantees shared by all adapters:
 * - An append is atomic: all of its events are stored, or none, and a rejected
 *   append leaves no trace.
 * - Expected versions are checked in the same atomic step as the write, so of
 *   several concurrent appends expecting the same version exactly one wins.
 * - `readAll` and `subscribe` never skip a committed event and never deliver one
 *   twice; they deliver in increasing `globalPosition`.
 * - Reads return async iterables that page through the data: memory use does not
 *   grow with the stream's length.
 */
export interface EventStore {
  readonly info: StoreInfo;

  /**
   * Appends events to one stream if `expected` holds.
   *
   * Idempotent by event id: when every event carries an `eventId` that is
   * already stored, as the same events (ids and types) in the same order at
   * consecutive positions of this stream, nothing is written and the original
   * result is returned (`replayed: true`), whatever `expected` says; so a
   * client that lost an append's answer (`STORE_UNAVAILABLE` with
   * `outcomeUnknown`) retries it as it was and learns where it landed.
   * @throws WrongExpectedVersionError when `expected` does not hold (nothing is written).
   * @throws RetryMismatchError when some of the ids are stored in this stream but the
   *   append does not repeat them exactly.
   * @throws ValidationError / PayloadTooLargeError / DuplicateEventIdError on bad input.
   */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;

  /**
   * Appends to several streams atomically: every expectation is checked and
   * either all appends are stored or none. Results are in input order. A stream
   * may appear only once. Stores without `info.multiStreamAppend` throw `NOT_SUPPORTED`.
   * Idempotent by event id like {@link append}: a repeat of every part returns the original results.
   */
  appendMulti(appends: readonly StreamAppend[]): Promise<readonly AppendResult[]>;

  /** Reads one stream; a stream that does not exist yields nothing. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /** Reads the global log, forwards (increasing global position) or backwards, optionally filtered. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /** Catch-up then live: every event after the start position, as it commits, until aborted or the loop breaks. */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /** The stream's version, or `undefined` when it has no events. */
  getStreamInfo(streamId: string): Promise<StreamInfo | undefined>;

  /** Streams ordered by id. */
  listStreams(options?: ListStreamsOptions): AsyncIterable<StreamInfo>;

  /** Global position of the newest event readers can see (0 when empty). */
  headPosition(): Promise<number>;

  /** Releases connections and ends open subscriptions. Later calls throw `STORE_CLOSED`. */
  close(): Promise<void>;
}
