import { expect } from 'vitest';
import type { EventStore, RecordedEvent } from '@chronicle/core';

/** Every event of the store, through `readAll`. */
export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

/**
 * Checks the log's structure: global positions strictly increase, every
 * stream holds positions 1..version without gaps, and the streams table and
 * listing agree with the events. Returns the events grouped by stream.
 */
export async function expectConsistentLog(store: EventStore, events: readonly RecordedEvent[]): Promise<Map<string, RecordedEvent[]>> {
  const outOfOrder = events.filter((event, i) => i > 0 && event.globalPosition <= events[i - 1]!.globalPosition);
  expect(outOfOrder).toEqual([]);
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const list = streams.get(event.streamId) ?? [];
    list.push(event);
    streams.set(event.streamId, list);
  }
  const problems: string[] = [];
  for (const [streamId, list] of streams) {
    const gap = list.findIndex((event, i) => event.streamPosition !== i + 1);
    if (gap >= 0) problems.push(`${streamId}: position ${list[gap]!.streamPosition} at index ${gap}`);
    const info = await store.getStreamInfo(streamId);
    if (info?.version !== list.length) problems.push(`${streamId}: version ${info?.version} but ${list.length} events`);
  }
  expect(problems).toEqual([]);
  let listed = 0;
  for await (const _info of store.listStreams()) listed++;
  expect(listed).toBe(streams.size);
  return streams;
}
