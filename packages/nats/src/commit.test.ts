import type { PreparedEvent } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { commitBody, commitHeaders, decodeCommitBody, decodeEvents, encodeEvents, readCommitHeader } from './commit.js';

function prepared(i: number, data: string): PreparedEvent {
  return { eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'T"ype', data, metadata: '{"k":1}' };
}

const encoder = new TextEncoder();

describe('commit bodies', () => {
  it('keep data and metadata JSON text exactly as prepared', () => {
    const data = '{"z":1,"a":[1.5,"é",null],"__proto__x":{}}';
    const { bodies } = encodeEvents([prepared(1, data)], 1_000_000);
    expect(bodies).toHaveLength(1);
    const [event] = decodeEvents(encoder.encode(bodies[0]));
    expect(JSON.stringify(event!.data)).toBe(data);
    expect(event).toMatchObject({ id: prepared(1, data).eventId, type: 'T"ype', metadata: { k: 1 } });
  });

  it('split into bodies no larger than the limit, in order, when an append is too big for one message', () => {
    const events = Array.from({ length: 50 }, (_, i) => prepared(i, JSON.stringify('x'.repeat(1_000))));
    const { bodies } = encodeEvents(events, 10_000);
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(10_000);
    const ids = bodies.flatMap((body) => decodeEvents(encoder.encode(body)).map((e) => e.id));
    expect(ids).toEqual(events.map((e) => e.eventId));
  });

  it('refuse an event that cannot fit one message', () => {
    expect(() => encodeEvents([prepared(1, JSON.stringify('x'.repeat(2_000)))], 1_000)).toThrow(/does not fit/);
  });
});

describe('commit headers', () => {
  it('round-trip, and chunks default to 0', () => {
    const header = {
      ...{ appendId: '', version: 7, count: 2, previous: 41, recordedAt: 1_700_000_000_123, chunks: 0 },
      ...{ liveFrom: 0, tombstone: false, meta: 0, kind: 'events' as const },
    };
    expect(readCommitHeader(commitHeaders(header))).toEqual(header);
    expect(readCommitHeader(commitHeaders({ ...header, chunks: 3 })).chunks).toBe(3);
    const lifecycle = { ...header, liveFrom: 5, tombstone: true, meta: 40, kind: 'meta' as const };
    expect(readCommitHeader(commitHeaders(lifecycle))).toEqual(lifecycle);
  });

  it('refuse messages Chronicle did not write', () => {
    expect(() => readCommitHeader(undefined)).toThrow(/not a Chronicle commit/);
  });
});

describe('commit bodies with the header in front', () => {
  const header = {
    ...{ appendId: 'a1b2.0', version: 9, count: 2, previous: 41, recordedAt: 1_700_000_000_123, chunks: 0 },
    ...{ liveFrom: 3, tombstone: true, meta: 40, kind: 'events' as const },
  };

  it('round-trip the header and the events, data kept exactly', () => {
    const data = '{"z":1,"a":[1.5,"é",null]}';
    const { bodies } = encodeEvents([prepared(1, data), prepared(2, '[]')], 1_000_000);
    const decoded = decodeCommitBody(encoder.encode(commitBody(header, bodies[0]!)));
    expect(decoded?.header).toEqual(header);
    expect(decoded?.events.map((e) => e.id)).toEqual([prepared(1, data).eventId, prepared(2, '[]').eventId]);
    expect(JSON.stringify(decoded?.events[0]!.data)).toBe(data);
  });

  it('leave bodies without it (older commits, metadata) to the headers, and refuse a malformed one', () => {
    const { bodies } = encodeEvents([prepared(1, '{}')], 1_000_000);
    expect(decodeCommitBody(encoder.encode(bodies[0]!))).toBeUndefined();
    expect(decodeCommitBody(encoder.encode('{"a":[[1]]}'))).toBeUndefined();
    expect(decodeCommitBody(new Uint8Array(0))).toBeUndefined();
    expect(() => decodeCommitBody(encoder.encode('[[1,2,"x"],{}]'))).toThrow(/not a Chronicle commit/);
    expect(() => decodeCommitBody(encoder.encode('[[1,-2,3,4,0,0,0,"id"]]'))).toThrow(/not a Chronicle commit/);
  });
});
