import type { RecordedEvent } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { messageOf, slicesFor, type Batch } from './live-feed.js';

function event(globalPosition: number, type: string): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(globalPosition).padStart(12, '0')}`,
    type,
    data: { n: globalPosition },
    metadata: {},
    streamId: `s-${globalPosition % 2}`,
    streamPosition: globalPosition,
    globalPosition,
    recordedAt: new Date(0),
  };
}

function batch(events: RecordedEvent[]): Batch {
  const messages = events.map(messageOf);
  const offsets = [0];
  for (const message of messages) offsets.push(offsets[offsets.length - 1]! + Buffer.byteLength(message));
  return { events, bytes: Buffer.from(messages.join('')), offsets, first: events[0]!.globalPosition, last: events[events.length - 1]!.globalPosition };
}

const text = (slices: Buffer[]) => slices.map(String).join('');
const ids = (slices: Buffer[]) => [...text(slices).matchAll(/id: (\d+)/g)].map((m) => Number(m[1]));

describe('slicesFor', () => {
  const batches = [batch([event(1, 'A'), event(2, 'B'), event(3, 'B')]), batch([event(4, 'A'), event(5, 'B')])];

  it('sends a whole batch as its shared buffer, no copy', () => {
    const slices = slicesFor(batches, 0, undefined);
    expect(slices).toHaveLength(2);
    expect(slices[0]!.buffer).toBe(batches[0]!.bytes.buffer);
    expect(ids(slices)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips what the client has and what its filter refuses; runs of events are one slice of the shared buffer', () => {
    expect(ids(slicesFor(batches, 2, undefined))).toEqual([3, 4, 5]);
    const onlyB = slicesFor(batches, 0, (e) => e.type === 'B');
    expect(ids(onlyB)).toEqual([2, 3, 5]);
    expect(onlyB).toHaveLength(2);
    expect(onlyB[0]!.buffer).toBe(batches[0]!.bytes.buffer);
    expect(slicesFor(batches, 5, undefined)).toEqual([]);
  });

  it('every slice is whole messages', () => {
    for (const slice of slicesFor(batches, 1, (e) => e.streamId === 's-1')) expect(String(slice)).toMatch(/^(id: \d+\nevent: event\ndata: [^\n]*\n\n)+$/);
  });
});
