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

/**
 * Writes one append (one or more stream parts) inside the current
 * transaction: checks every expected version first, then inserts, then runs
 * the hooks. Throws on a conflict, a duplicate event id or a failing hook;
 * the caller rolls back to its savepoint.
 */
export type AppendWriter = (parts: readonly PreparedAppend[]) => AppendResult[];

/** Builds the {@link AppendWriter} for a connection. */
export function createAppendWriter(db: SqliteDatabase, statements: Statements, clock: () => Date, hooks: readonly AppendHook[]): AppendWriter {
  const { streamVersion, insertEvents, eventIdStored, insertStream, updateStream, hideBefore } = statements;
  const params: unknown[] = [];

  /**
   * Inserts `events[from, from + count)` at stream positions after `position`
   * with one statement and returns the global position of the first. The rows
   * of one INSERT get consecutive rowids (AUTOINCREMENT gives each new row the
   * largest rowid ever used plus one, and nothing else writes meanwhile), so
   * the last rowid gives them all.
   */
  function insertChunk(streamId: string, events: readonly PreparedEvent[], from: number, count: number, position: number, recordedAt: number): number {
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
      return Number(insertEvents(count).run(params).lastInsertRowid) - count + 1;
    } catch (error) {
      if (!isDuplicateEventId(error)) throw error;
      // Ids are unique within one append, so the clash is with a stored event; name it.
      const clash = events.slice(from, from + count).find((event) => eventIdStored.get(event.eventId) !== undefined);
      throw new DuplicateEventIdError(clash?.eventId ?? events[from]!.eventId);
    }
  }

  function writePart(part: PreparedAppend, current: number, recordedAt: number): AppendResult {
    const { streamId, events } = part;
    const recorded: RecordedEvent[] = [];
    for (let from = 0; from < events.length; from += INSERT_CHUNK) {
      const count = Math.min(INSERT_CHUNK, events.length - from);
      const firstGlobal = insertChunk(streamId, events, from, count, current + from, recordedAt);
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
    }
    const version = current + events.length;
    // Appending to a soft-deleted stream recreates it; a deletion marker deletes it and hides everything up to itself.
    if (current === 0) insertStream.run(streamId, version);
    else updateStream.run(version, part.deletion ? DELETED[part.deletion] : 0, streamId);
    if (part.deletion) hideBefore.run(streamId, version + 1);
    return { streamId, nextExpectedVersion: version, globalPosition: recorded[recorded.length - 1]!.globalPosition, events: recorded };
  }

  return (parts) => {
    const versions = parts.map((part) => {
      const [current, deleted] = (streamVersion.get(part.streamId) as [number, number] | undefined) ?? [0, 0];
      if (deleted === DELETED.hard) throw new StreamDeletedError(part.streamId);
      if (part.deletion && (current === 0 || deleted === DELETED.soft)) throw new StreamNotFoundError(part.streamId);
      // A soft-deleted stream counts as absent for expectations; its positions continue.
      const conflict = checkExpectedVersion(part.streamId, part.expectedVersion, deleted === DELETED.soft ? 0 : current);
      if (conflict) throw conflict;
      return current;
    });
    const recordedAt = clock().getTime();
    const results = parts.map((part, i) => writePart(part, versions[i]!, recordedAt));
    for (const hook of hooks) hook(db, results);
    return results;
  };
}
