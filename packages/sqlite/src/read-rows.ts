import type { RecordedEvent } from '@chronicle/core';
import type { GlobalRow, StreamRow } from './sql/statements.js';
import { parseMetadata } from './write-append.js';

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

/**
 * The smallest string greater than every string that starts with `prefix`, in
 * UTF-8 byte order (which is code point order), or undefined when there is
 * none. Turns a prefix into a range that the primary-key index answers.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    let last = codePoints.pop()! + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // surrogates are not code points of their own
    if (last <= 0x10ffff) return String.fromCodePoint(...codePoints, last);
  }
  return undefined;
}
