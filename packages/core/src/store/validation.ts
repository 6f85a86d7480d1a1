import { PayloadTooLargeError, ValidationError, WrongExpectedVersionError } from '../errors/errors.js';
import type { NewEvent } from '../events/event.js';
import type { ExpectedVersion, ListStreamsOptions, ReadAllOptions, ReadStreamOptions, StreamAppend } from './event-store.js';
import { assertGlobalLogFilter } from './global-filter.js';

/** Longest accepted stream id, in UTF-16 code units. */
export const MAX_STREAM_ID_LENGTH = 256;
/** Longest accepted event type. */
export const MAX_EVENT_TYPE_LENGTH = 256;
/** Default largest event (serialized type + data + metadata), 1 MiB. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An event validated and serialized once, ready for an adapter to write.
 * `data` and `metadata` are JSON text; adapters store them as they are.
 */
export type PreparedEvent = {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
};

/** What is wrong with a name (stream id, event type), or undefined when it is usable (then it is a string). */
function nameProblem(value: unknown, max: number, what: string): string | undefined {
  if (typeof value !== 'string') return `${what} must be a string`;
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} is longer than ${max} characters`;
  if (CONTROL_CHARS.test(value)) return `${what} must not contain control characters`;
  if (value.trim() !== value) return `${what} must not start or end with whitespace`;
  return undefined;
}

/** Throws `VALIDATION_FAILED` unless `streamId` is a usable stream id. */
export function assertStreamId(streamId: unknown, path = 'streamId'): asserts streamId is string {
  const problem = nameProblem(streamId, MAX_STREAM_ID_LENGTH, 'stream id');
  if (problem !== undefined) throw ValidationError.of(path, problem);
}

/** Throws `VALIDATION_FAILED` unless `expected` is a valid {@link ExpectedVersion}. */
export function assertExpectedVersion(expected: unknown, path = 'expectedVersion'): asserts expected is ExpectedVersion {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw ValidationError.of(path, `must be 'any', 'no_stream', 'stream_exists' or an integer >= 0, got ${describe(expected)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/**
 * Where event `index` of an append is, for an issue. Built only on failure
 * (not per valid event), and by a plain function: no closure per event.
 */
function eventPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** JSON text of `value`; an issue's path is event `index`'s path plus `suffix`. */
function toJson(value: unknown, path: string, index: number, suffix: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw ValidationError.of(`${eventPath(path, index)}${suffix}`, `is not JSON-serializable (${(error as Error).message})`);
  }
  if (json === undefined) throw ValidationError.of(`${eventPath(path, index)}${suffix}`, 'is not JSON-serializable');
  return json;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates and serializes an append's events. Every adapter calls this before
 * touching its database, so bad input fails the same way everywhere and
 * nothing is written.
 */
export function prepareEvents(
  streamId: unknown,
  events: unknown,
  maxEventBytes: number,
  newId: () => string,
  path = 'events',
  allowSystemTypes = false,
): PreparedEvent[] {
  assertStreamId(streamId);
  if (!Array.isArray(events)) throw ValidationError.of(path, 'must be an array of events');
  if (events.length === 0) throw ValidationError.of(path, 'an append needs at least one event');
  const seenIds = events.length > 1 ? new Set<string>() : undefined;
  return events.map((event: unknown, index) => {
    if (!isPlainObject(event)) throw ValidationError.of(eventPath(path, index), 'must be an object with type and data');
    const { type, data, metadata, eventId } = event as NewEvent & Record<string, unknown>;
    const typeProblem = nameProblem(type, MAX_EVENT_TYPE_LENGTH, 'event type');
    if (typeProblem !== undefined) throw ValidationError.of(`${eventPath(path, index)}.type`, typeProblem);
    if (!allowSystemTypes && type.startsWith('$')) throw ValidationError.of(`${eventPath(path, index)}.type`, "event types starting with '$' are reserved for the store");
    if (data === undefined) throw ValidationError.of(`${eventPath(path, index)}.data`, 'is required (use null for no data)');
    if (metadata !== undefined && !isPlainObject(metadata)) throw ValidationError.of(`${eventPath(path, index)}.metadata`, 'must be an object');
    let id: string;
    if (eventId === undefined) {
      id = newId();
    } else {
      if (typeof eventId !== 'string' || !UUID.test(eventId)) throw ValidationError.of(`${eventPath(path, index)}.eventId`, 'must be a UUID');
      id = eventId.toLowerCase();
      if (seenIds?.has(id)) throw ValidationError.of(`${eventPath(path, index)}.eventId`, 'appears twice in one append');
    }
    seenIds?.add(id);
    const dataJson = toJson(data, path, index, '.data');
    const metadataJson = metadata === undefined ? '{}' : toJson(metadata, path, index, '.metadata');
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: count bytes only when that bound could exceed the limit.
    const units = type.length + dataJson.length + metadataJson.length;
    if (units * 3 > maxEventBytes) {
      const size = Buffer.byteLength(type) + Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
      if (size > maxEventBytes) throw new PayloadTooLargeError(eventPath(path, index), size, maxEventBytes);
    }
    return { eventId: id, type, data: dataJson, metadata: metadataJson };
  });
}

/** Validates a multi-stream append (each part, and no stream twice) and prepares its events. */
export function prepareMulti(
  appends: unknown,
  maxEventBytes: number,
  newId: () => string,
): { streamId: string; expectedVersion: ExpectedVersion; events: PreparedEvent[] }[] {
  if (!Array.isArray(appends) || appends.length === 0) throw ValidationError.of('appends', 'must be a non-empty array');
  const seenStreams = new Set<string>();
  const seenIds = new Set<string>();
  return appends.map((append: unknown, index) => {
    const at = `appends[${index}]`;
    if (!isPlainObject(append)) throw ValidationError.of(at, 'must be an object with streamId, events and expectedVersion');
    const { streamId, events, expectedVersion } = append as StreamAppend;
    assertStreamId(streamId, `${at}.streamId`);
    assertExpectedVersion(expectedVersion, `${at}.expectedVersion`);
    if (seenStreams.has(streamId)) throw ValidationError.of(`${at}.streamId`, 'a stream may appear only once in a multi-stream append');
    seenStreams.add(streamId);
    const prepared = prepareEvents(streamId, events, maxEventBytes, newId, `${at}.events`);
    for (const [i, event] of prepared.entries()) {
      if (seenIds.has(event.eventId)) throw ValidationError.of(`${at}.events[${i}].eventId`, 'appears twice in one append');
      seenIds.add(event.eventId);
    }
    return { streamId, expectedVersion, events: prepared };
  });
}

/**
 * The shared expected-version rule. `current` is the stream's version (0 when
 * it has no events). Returns the error to throw, or undefined when the append may proceed.
 */
export function checkExpectedVersion(
  streamId: string,
  expected: ExpectedVersion,
  current: number,
): WrongExpectedVersionError | undefined {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === 0) ||
    (expected === 'stream_exists' && current > 0) ||
    expected === current;
  return ok ? undefined : new WrongExpectedVersionError(streamId, expected, current === 0 ? 'no_stream' : current);
}

function assertCount(value: unknown, path: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw ValidationError.of(path, `must be an integer >= ${min}, got ${describe(value)}`);
  }
}

/** Validates stream read options; throws `VALIDATION_FAILED`. */
export function assertReadStreamOptions(streamId: unknown, options: ReadStreamOptions | undefined): asserts streamId is string {
  assertStreamId(streamId);
  if (options === undefined) return;
  const { direction, from, limit } = options;
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw ValidationError.of('direction', `must be 'forwards' or 'backwards', got ${describe(direction)}`);
  }
  assertCount(from, 'from', 0);
  assertCount(limit, 'limit', 0);
}

const READ_ALL_OPTIONS = new Set(['direction', 'after', 'before', 'limit', 'filter']);

/**
 * Validates global-log read options; throws `VALIDATION_FAILED`, also for an
 * unknown option (an option that does nothing must not look as if it did).
 */
export function assertReadAllOptions(options: ReadAllOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw ValidationError.of('options', 'must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!READ_ALL_OPTIONS.has(key)) {
      throw ValidationError.of(key, 'is not a readAll option (direction, after, before, limit, filter)');
    }
  }
  const { direction } = options;
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw ValidationError.of('direction', `must be 'forwards' or 'backwards', got ${describe(direction)}`);
  }
  assertCount(options.after, 'after', 0);
  assertCount(options.before, 'before', 0);
  assertCount(options.limit, 'limit', 0);
  assertGlobalLogFilter(options.filter);
}

/** Validates stream-listing options; throws `VALIDATION_FAILED`. */
export function assertListStreamsOptions(options: ListStreamsOptions | undefined): void {
  if (options?.prefix !== undefined && typeof options.prefix !== 'string') throw ValidationError.of('prefix', 'must be a string');
  if (options?.after !== undefined && typeof options.after !== 'string') throw ValidationError.of('after', 'must be a string');
  assertCount(options?.limit, 'limit', 0);
}
