import type { RecordedEvent } from '@chronicle/core';

/**
 * Positions and counts arrive as `int8`, which `pg` returns as strings by
 * default (or numbers / bigints when the pool is configured so): accept all.
 */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value as string | bigint);
}

/** Maps one row of `EVENT_COLUMNS` (array row mode) to a recorded event. */
export function toRecordedEvent(row: unknown): RecordedEvent {
  const [globalPosition, streamId, streamPosition, eventId, type, data, metadata, recordedAt] = row as unknown[];
  return {
    eventId: eventId as string,
    type: type as string,
    data: JSON.parse(data as string) as unknown,
    // Most events carry no metadata: a literal is a fresh object without the parser.
    metadata: (metadata === '{}' ? {} : JSON.parse(metadata as string)) as RecordedEvent['metadata'],
    streamId: streamId as string,
    streamPosition: toNumber(streamPosition),
    globalPosition: toNumber(globalPosition),
    recordedAt: new Date(toNumber(recordedAt)),
  };
}
