import type { RecordedEvent } from '@chronicle/core';
import type { GlobalRow, StreamRow } from './sql/statements.js';

/** Parses stored metadata; `{}` (the common case) skips the parser. */
export function parseMetadata(json: string): RecordedEvent['metadata'] {
  return json === '{}' ? {} : (JSON.parse(json) as RecordedEvent['metadata']);
}

/** A stream row as a recorded event (parsing gives every reader its own copy). */
export function streamRowToEvent(row: StreamRow, streamId: string): RecordedEvent {
  return {
    eventId: row[2],
    type: row[3],
    data: JSON.parse(row[4]) as unknown,
    metadata: parseMetadata(row[5]),
    streamId,
    streamPosition: row[1],
    globalPosition: row[0],
    recordedAt: new Date(row[6]),
  };
}

/** A global-log row as a recorded event. */
export function globalRowToEvent(row: GlobalRow): RecordedEvent {
  return {
    eventId: row[3],
    type: row[4],
    data: JSON.parse(row[5]) as unknown,
    metadata: parseMetadata(row[6]),
    streamId: row[1],
    streamPosition: row[2],
    globalPosition: row[0],
    recordedAt: new Date(row[7]),
  };
}
