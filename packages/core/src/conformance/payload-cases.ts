import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ConformanceCase } from './case.js';
import { collect, events, rejection } from './case.js';

const UNICODE_SAMPLES = [
  'plain ascii',
  'émigré café naïve',
  'Ελληνικά Русский 中文 日本語 한국어',
  'עברית العربية (right to left)',
  '🎉👩‍👩‍👧‍👦🏳️‍🌈 emoji with joiners and flags',
  'e\u0301 (combining) vs \u00e9 (precomposed)',
  'nul \u0000 byte, tab \t, newline \n, carriage \r, bell \u0007',
  'quotes " \' ` and backslashes \\ \\\\ and slashes /',
  '\u2028 line separator \u2029 paragraph separator',
  '\ufeff byte order mark, \uffff last BMP, 𝄞 astral',
  '',
];

/** Cases for `payloads`, `event-identity` and `immutability`. */
export const payloadCases: ConformanceCase[] = [
  {
    rule: 'payloads',
    name: 'unicode text round-trips exactly in data, type and metadata',
    async run({ store, streamId }) {
      const id = streamId('unicode-ünï-😀');
      const appended = UNICODE_SAMPLES.map((text, i) => ({
        type: i === 4 ? 'Événement🎉' : 'Text',
        data: { text, [`key ${text}`]: text, list: [text] },
        metadata: { note: text },
      }));
      await store.append(id, appended, 'no_stream');
      const read = await collect(store.readStream(id));
      expect(read.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual(appended);
      for (const [i, event] of read.entries()) expect((event.data as { text: string }).text).toBe(UNICODE_SAMPLES[i]);
      expect((await store.getStreamInfo(id))?.streamId).toBe(id);
    },
  },
  {
    rule: 'payloads',
    name: 'JSON values of every kind round-trip',
    async run({ store, streamId }) {
      const id = streamId();
      const data = [
        { int: 42, negative: -7, zero: 0, max: Number.MAX_SAFE_INTEGER, min: Number.MIN_SAFE_INTEGER, float: 3.141592653589793, tiny: 5e-324, big: 1.7976931348623157e308 },
        { yes: true, no: false, nothing: null, empty: {}, emptyList: [], nested: { a: [{ b: [1, 'two', { c: null }] }] } },
        null,
        'a bare string',
        12.5,
        [1, 2, 3],
        { 'key.with.dots': 1, 'key with spaces': 2, $dollar: 3, '': 4, __proto__x: 5 },
      ];
      await store.append(id, data.map((d) => ({ type: 'Value', data: d })), 'no_stream');
      const read = (await collect(store.readStream(id))).map((e) => e.data);
      expect(read).toEqual(data);
      // Key order is part of "exactly": hashes and signatures over event JSON depend on it.
      expect(read.map((d) => JSON.stringify(d))).toEqual(data.map((d) => JSON.stringify(d)));
    },
  },
  {
    rule: 'payloads',
    name: 'large payloads (512 KiB of mixed text) round-trip exactly',
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const id = streamId();
      const chunk = 'Chronicle ✓ événement 事件 🎉 ';
      const text = chunk.repeat(Math.ceil((512 * 1024) / Buffer.byteLength(chunk)));
      expect(store.info.maxEventBytes).toBeGreaterThan(Buffer.byteLength(text) + 1_000);
      const result = await store.append(id, [{ type: 'Large', data: { text, n: 1 } }, { type: 'Small', data: { n: 2 } }], 'no_stream');
      const [large, small] = await collect(store.readStream(id));
      expect((large!.data as { text: string }).text === text).toBe(true);
      expect(small!.data).toEqual({ n: 2 });
      const fromGlobal = await collect(store.readAll({ after: result.globalPosition - 2, limit: 2 }));
      expect(fromGlobal.find((e) => e.type === 'Large')?.data).toEqual({ text, n: 1 });
    },
  },
  {
    rule: 'payloads',
    name: 'metadata round-trips: causation, correlation and request ids plus custom fields; absent metadata reads as {}',
    async run({ store, streamId }) {
      const id = streamId();
      const metadata = {
        correlationId: randomUUID(),
        causationId: randomUUID(),
        requestId: 'req-42',
        userId: 'alice',
        nested: { ip: '127.0.0.1', tags: ['a', 'b'] },
      };
      const result = await store.append(id, [{ type: 'WithMeta', data: {}, metadata }, { type: 'WithoutMeta', data: {} }], 'no_stream');
      expect(result.events.map((e) => e.metadata)).toEqual([metadata, {}]);
      const [withMeta, withoutMeta] = await collect(store.readStream(id));
      expect(withMeta!.metadata).toEqual(metadata);
      expect(withoutMeta!.metadata).toEqual({});
      const global = await collect(store.readAll({ after: result.globalPosition - 2 }));
      expect(global.find((e) => e.eventId === withMeta!.eventId)?.metadata).toEqual(metadata);
    },
  },
  {
    rule: 'event-identity',
    name: 'events get unique UUIDs and a recording time; reads agree with the append result',
    async run({ store, streamId }) {
      const id = streamId();
      const before = Date.now();
      const result = await store.append(id, events(5), 'no_stream');
      const after = Date.now();
      const ids = result.events.map((e) => e.eventId);
      for (const eventId of ids) expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(5);
      for (const event of result.events) {
        expect(event.recordedAt).toBeInstanceOf(Date);
        expect(event.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
        expect(event.recordedAt.getTime()).toBeLessThanOrEqual(after + 1_000);
      }
      const fromStream = await collect(store.readStream(id));
      expect(fromStream).toEqual(result.events);
      const fromGlobal = await collect(store.readAll({ after: result.events[0]!.globalPosition - 1, limit: 5 }));
      expect(fromGlobal).toEqual(result.events);
    },
  },
  {
    rule: 'event-identity',
    name: 'a supplied event id is kept; appending a stored event id again is refused and writes nothing',
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const eventId = randomUUID();
      const result = await store.append(a, [{ type: 'Imported', data: { n: 1 }, eventId }], 'no_stream');
      expect(result.events[0]!.eventId).toBe(eventId);
      expect((await collect(store.readStream(a)))[0]!.eventId).toBe(eventId);
      const head = await store.headPosition();
      const error = await rejection(
        store.append(b, [{ type: 'Other', data: {} }, { type: 'Imported', data: { n: 2 }, eventId }], 'any'),
        'DUPLICATE_EVENT_ID',
      );
      expect(error.eventId).toBe(eventId);
      expect(await store.getStreamInfo(b)).toBeUndefined();
      expect(await store.headPosition()).toBe(head);
      await rejection(store.append(a, [{ type: 'Twice', data: {}, eventId }], 'any'), 'DUPLICATE_EVENT_ID');
      expect(await store.getStreamInfo(a)).toEqual({ streamId: a, version: 1 });
    },
  },
  {
    rule: 'immutability',
    name: 'mutating appended objects or read results never changes stored events',
    async run({ store, streamId }) {
      const id = streamId();
      const data = { list: [1, 2], nested: { value: 'original' } };
      const metadata = { userId: 'alice' };
      const result = await store.append(id, [{ type: 'Mutable', data, metadata }], 'no_stream');
      data.list.push(3);
      data.nested.value = 'changed by caller';
      metadata.userId = 'mallory';
      try {
        (result.events[0]!.data as typeof data).nested.value = 'changed via result';
      } catch {
        // Frozen results are fine too.
      }
      const [first] = await collect(store.readStream(id));
      expect(first!.data).toEqual({ list: [1, 2], nested: { value: 'original' } });
      expect(first!.metadata).toEqual({ userId: 'alice' });
      try {
        (first!.data as typeof data).nested.value = 'changed via read';
      } catch {
        // Frozen results are fine too.
      }
      const [again] = await collect(store.readStream(id));
      expect(again!.data).toEqual({ list: [1, 2], nested: { value: 'original' } });
    },
  },
];
