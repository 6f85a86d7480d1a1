import {
  DuplicateEventIdError,
  StreamDeletedError,
  StreamNotFoundError,
  checkExpectedVersion,
  type AppendResult, type ExpectedVersion, type PreparedEvent, type RecordedEvent } from '@chronicle/core';
import type { SqliteDatabase } from './sqlite-database.js';
import { parseMetadata } from './read-rows.js';
import type { AppendHook } from './sqlite-store-options.js';
import { isDuplicateEventId } from './sqlite-errors.js';
import { INSERT_CHUNK, INSERT_COLUMNS, type Statements } from './sql/statements.js';

/** One stream's part of an append, validated and serialized. */
export type PreparedAppend = {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PreparedEvent[];
  /** Set when the events are a deletion marker: the stream becomes soft-deleted or a tombstone. */
  readonly deletion?: 'soft' | 'hard';
};

const DELETED = { soft: 1, hard: 2 } as const;

/** What the expected-version check found: see `Statements.streamVersion`. */
type StreamVersionRow = [exists: 0 | 1, version: number | null, deleted: number | null, highWater: number | null];

/** A stream as its part of an append found it. */
type StreamState = { readonly exists: boolean; readonly current: number; readonly deleted: number };

/**
 * Writes one append (one or more stream parts) inside the current
 * transaction: checks every expected version first, then inserts, then runs
 * the hooks. Throws on a conflict, a duplicate event id or a failing hook;
 * the caller rolls back to its savepoint.
 */
export type AppendWriter = (parts: readonly PreparedAppend[]) => AppendResult[];

/** Builds the {@link AppendWriter} for a connection. */
export function createAppendWriter(db: SqliteDatabase, statements: Statements, clock: () => Date, hooks: readonly AppendHook[]): AppendWriter {
  const { streamVersion, insertEvents, insertEventAt, eventIdStored, insertStream, updateStream, hideBefore } = statements;
  const params: unknown[] = [];

  /**
   * Inserts `events[from, from + count)` at stream positions after `position`
   * with one statement and returns the global position of the first. The rows
   * of one INSERT get consecutive rowids (SQLite gives each new row the
   * largest rowid in the table plus one, and nothing else writes meanwhile),
   * so the last rowid gives them all. `at`: the first event's global position
   * when it must be given explicitly (the newest events were deleted; the
   * chunk then holds one event).
   */
  function insertChunk(
    streamId: string,
    events: readonly PreparedEvent[],
    from: number,
    count: number,
    position: number,
    recordedAt: number,
    at?: number,
  ): number {
    params.length = count * INSERT_COLUMNS;
    for (let i = 0, p = 0; i < count; i++) {
      const event = events[from + i]!;
      params[p++] = streamId;
      params[p++] = position + i + 1;
      params[p++] = event.eventId;
      params[p++] = event.type;
      params[p++] = event.data;
      params[p++] = event.metadata;
      params[p++] = recordedAt;
    }
    try {
      if (at !== undefined) {
        insertEventAt.run(at, ...params);
        return at;
      }
      return Number(insertEvents(count).run(params).lastInsertRowid) - count + 1;
    } catch (error) {
      if (!isDuplicateEventId(error)) throw error;
      // Ids are unique within one append, so the clash is with a stored event; name it.
      const clash = events.slice(from, from + count).find((event) => eventIdStored.get(event.eventId) !== undefined);
      throw new DuplicateEventIdError(clash?.eventId ?? events[from]!.eventId);
    }
  }

  function writePart(part: PreparedAppend, stream: StreamState, recordedAt: number, highWater: number | null): AppendResult {
    const { streamId, events } = part;
    const { current } = stream;
    const recorded: RecordedEvent[] = [];
    let from = 0;
    while (from < events.length) {
      // Above a high-water mark (the newest events of the log were deleted) the first event goes alone, at an explicit position.
      const at = from === 0 && highWater !== null ? highWater + 1 : undefined;
      const count = at === undefined ? Math.min(INSERT_CHUNK, events.length - from) : 1;
      const firstGlobal = insertChunk(streamId, events, from, count, current + from, recordedAt, at);
      for (let i = 0; i < count; i++) {
        const event = events[from + i]!;
        // Parsed from the stored text: the result shares nothing with the caller's objects.
        recorded.push({
          eventId: event.eventId,
          type: event.type,
          data: JSON.parse(event.data) as unknown,
          metadata: parseMetadata(event.metadata),
          streamId,
          streamPosition: current + from + i + 1,
          globalPosition: firstGlobal + i,
          recordedAt: new Date(recordedAt),
        });
      }
      from += count;
    }
    const version = current + events.length;
    // The stream row changes only with the stream's existence or deletion state: appending to a
    // soft-deleted stream recreates it; a deletion marker deletes it and hides everything up to itself.
    if (!stream.exists) insertStream.run(streamId, version);
    // A hard delete of a name never written inserts its row first, then tombstones it.
    if (part.deletion || (stream.exists && stream.deleted !== 0)) {
      updateStream.run(version, part.deletion ? DELETED[part.deletion] : 0, streamId);
    }
    if (part.deletion) hideBefore.run(streamId, version + 1);
    return { streamId, nextExpectedVersion: version, globalPosition: recorded[recorded.length - 1]!.globalPosition, events: recorded };
  }

  return (parts) => {
    let highWater: number | null = null;
    const streams = parts.map((part): StreamState => {
      const row = streamVersion.get(part.streamId) as StreamVersionRow;
      const [exists, version, deleted, high] = row;
      // Read before anything is written, so the same for every part: it concerns the first event written.
      highWater = high;
      const current = exists === 1 ? version! : 0;
      const state = exists === 1 ? deleted! : 0;
      if (state === DELETED.hard) throw new StreamDeletedError(part.streamId);
      // A soft-deleted stream counts as absent for expectations; its positions continue.
      const checked = state === DELETED.soft ? 0 : current;
      const conflict = checkExpectedVersion(part.streamId, part.expectedVersion, checked);
      if (conflict) throw conflict;
      // A hard delete tombstones any name (a soft-deleted or never written one too); a soft one needs a live stream.
      if (part.deletion === 'soft' && checked === 0) throw new StreamNotFoundError(part.streamId);
      return { exists: exists === 1, current, deleted: state };
    });
    const recordedAt = clock().getTime();
    const results = parts.map((part, i) => writePart(part, streams[i]!, recordedAt, i === 0 ? highWater : null));
    for (const hook of hooks) hook(db, results);
    return results;
  };
}
