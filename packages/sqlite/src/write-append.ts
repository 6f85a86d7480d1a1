import { DuplicateEventIdError, checkExpectedVersion, type AppendResult, type ExpectedVersion, type PreparedEvent, type RecordedEvent } from '@chronicle/core';
import type { SqliteDatabase } from './sqlite-database.js';
import type { AppendHook } from './sqlite-store-options.js';
import { isDuplicateEventId } from './sqlite-errors.js';
import type { Statements } from './sql/statements.js';

/** One stream's part of an append, validated and serialized. */
export type PreparedAppend = {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PreparedEvent[];
};

/** Parses stored metadata; `{}` (the common case) skips the parser. */
export function parseMetadata(json: string): RecordedEvent['metadata'] {
  return json === '{}' ? {} : (JSON.parse(json) as RecordedEvent['metadata']);
}

/**
 * Writes one append (one or more stream parts) inside the current
 * transaction: checks every expected version first, then inserts, then runs
 * the hooks. Throws on a conflict, a duplicate event id or a failing hook;
 * the caller rolls back to its savepoint.
 */
export type AppendWriter = (parts: readonly PreparedAppend[]) => AppendResult[];

/** Builds the {@link AppendWriter} for a connection. */
export function createAppendWriter(db: SqliteDatabase, statements: Statements, clock: () => Date, hooks: readonly AppendHook[]): AppendWriter {
  const { streamVersion, insertEvent, insertStream, updateStream } = statements;

  function writePart(part: PreparedAppend, current: number, recordedAt: number): AppendResult {
    const { streamId } = part;
    let position = current;
    let globalPosition = 0;
    const recorded = part.events.map((event): RecordedEvent => {
      position++;
      try {
        globalPosition = Number(
          insertEvent.run(streamId, position, event.eventId, event.type, event.data, event.metadata, recordedAt).lastInsertRowid,
        );
      } catch (error) {
        if (isDuplicateEventId(error)) throw new DuplicateEventIdError(event.eventId);
        throw error;
      }
      // Parsed from the stored text: the result shares nothing with the caller's objects.
      return {
        eventId: event.eventId,
        type: event.type,
        data: JSON.parse(event.data) as unknown,
        metadata: parseMetadata(event.metadata),
        streamId,
        streamPosition: position,
        globalPosition,
        recordedAt: new Date(recordedAt),
      };
    });
    if (current === 0) insertStream.run(streamId, position);
    else updateStream.run(position, streamId);
    return { streamId, nextExpectedVersion: position, globalPosition, events: recorded };
  }

  return (parts) => {
    const versions = parts.map((part) => {
      const current = (streamVersion.get(part.streamId) as number | undefined) ?? 0;
      const conflict = checkExpectedVersion(part.streamId, part.expectedVersion, current);
      if (conflict) throw conflict;
      return current;
    });
    const recordedAt = clock().getTime();
    const results = parts.map((part, i) => writePart(part, versions[i]!, recordedAt));
    for (const hook of hooks) hook(db, results);
    return results;
  };
}
