import { ChronicleError } from '../errors/chronicle-error.js';
import { ValidationError } from '../errors/errors.js';
import type { JsonValue } from '../events/event.js';
import type { EventStore, ExpectedVersion } from './event-store.js';

/**
 * Retention and custom data of one stream. Reads honour it: events hidden by
 * it are skipped by `readStream`, `readAll` and subscriptions (they stay in
 * storage, and in the archive).
 */
export type StreamMetadata = {
  /** Only the newest `maxCount` events are visible. */
  readonly maxCount?: number;
  /** Only events recorded in the last `maxAge` seconds are visible. */
  readonly maxAge?: number;
  /** Events at positions below this are hidden. */
  readonly truncateBefore?: number;
  /** Application data (owner, retention class, …). */
  readonly custom?: Readonly<Record<string, JsonValue>>;
};

/** The marker written into a stream, and visible in the global log, when the stream is deleted. */
export const STREAM_DELETED_EVENT = '$StreamDeleted';

/** Data of a {@link STREAM_DELETED_EVENT} marker. */
export type StreamDeletedData = { readonly mode: 'soft' | 'hard' };

/** Options of {@link StreamLifecycle.deleteStream}. */
export type DeleteStreamOptions = {
  /**
   * `'soft'` (default): the stream is hidden and can be recreated by appending;
   * its positions continue after the deletion marker, which takes one (a stream
   * of 3 events, soft-deleted, is recreated at position 5). `'hard'`: a
   * tombstone — appends are refused forever with `STREAM_DELETED`; allowed on a
   * soft-deleted stream and on a name never written (which it reserves).
   */
  readonly mode?: 'soft' | 'hard';
  /**
   * Checked like an append's, against the stream as appends see it (a
   * soft-deleted or never written stream is at 0, `'no_stream'`): a mismatch
   * fails with `WRONG_EXPECTED_VERSION` before anything else is looked at.
   */
  readonly expectedVersion?: ExpectedVersion;
};

/**
 * Stream metadata and deletion, offered by stores that support them (check with
 * {@link hasStreamLifecycle}). Deleting never rewrites history: events stay in
 * storage (and can be archived); they are hidden from reads, and a
 * `$StreamDeleted` marker in the global log tells projections. A soft-deleted
 * stream reads like one never written: `readStream` yields nothing,
 * `getStreamInfo` is undefined, `listStreams` leaves it out.
 */
export interface StreamLifecycle {
  /** Replaces the stream's metadata. @throws StreamDeletedError for a tombstoned stream. */
  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void>;
  getStreamMetadata(streamId: string): Promise<StreamMetadata>;
  /**
   * Deletes a stream (see {@link DeleteStreamOptions}). Checked in this order:
   * a tombstone fails with `STREAM_DELETED`; a given expected version that does
   * not hold fails with `WRONG_EXPECTED_VERSION`; a soft delete of a stream with
   * no live events fails with `STREAM_NOT_FOUND`.
   * @throws StreamDeletedError / WrongExpectedVersionError / StreamNotFoundError
   */
  deleteStream(streamId: string, options?: DeleteStreamOptions): Promise<void>;
}

/** True when the store supports stream metadata and deletion. */
export function hasStreamLifecycle(store: EventStore): store is EventStore & StreamLifecycle {
  const candidate = store as Partial<StreamLifecycle>;
  return typeof candidate.deleteStream === 'function' && typeof candidate.setStreamMetadata === 'function';
}

/** The stream was hard-deleted: appends are refused forever and reads fail. */
export class StreamDeletedError extends ChronicleError {
  readonly code = 'STREAM_DELETED';
  constructor(readonly streamId: string) {
    super(`stream ${JSON.stringify(streamId)} was deleted`);
  }
}

function count(value: unknown, path: string, min: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)) {
    throw ValidationError.of(path, `must be an integer >= ${min}`);
  }
}

/** Validates stream metadata; returns it normalized (JSON copy). */
export function normalizeStreamMetadata(metadata: unknown): StreamMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw ValidationError.of('metadata', 'must be an object');
  const { maxCount, maxAge, truncateBefore, custom, ...unknown } = metadata as StreamMetadata & Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw ValidationError.of(`metadata.${extra[0]}`, 'is not a stream metadata field (use custom)');
  count(maxCount, 'metadata.maxCount', 1);
  count(maxAge, 'metadata.maxAge', 1);
  count(truncateBefore, 'metadata.truncateBefore', 0);
  if (custom !== undefined && (typeof custom !== 'object' || custom === null || Array.isArray(custom))) throw ValidationError.of('metadata.custom', 'must be an object');
  return JSON.parse(JSON.stringify({ maxCount, maxAge, truncateBefore, custom })) as StreamMetadata;
}

/**
 * The first visible position of a stream under its metadata and deletion
 * state (the rule every adapter applies, in code or SQL): an event at
 * `position` recorded at `recordedAt` is visible iff `position >= firstVisible`
 * and it is not older than `maxAge`.
 */
export function firstVisiblePosition(version: number, metadata: StreamMetadata, hiddenBefore: number): number {
  return Math.max(1, hiddenBefore, metadata.truncateBefore ?? 0, metadata.maxCount === undefined ? 0 : version - metadata.maxCount + 1);
}

/** Whether `recordedAt` passes the stream's `maxAge` at `now`. */
export function withinMaxAge(metadata: StreamMetadata, recordedAt: Date, now: Date): boolean {
  return metadata.maxAge === undefined || recordedAt.getTime() >= now.getTime() - metadata.maxAge * 1000;
}
