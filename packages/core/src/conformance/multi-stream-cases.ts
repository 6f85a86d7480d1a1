import { expect } from 'vitest';
import type { ConformanceCase } from './case.js';
import { collect, events, rejection, streamData } from './case.js';

/** Cases for `multi-stream`; which ones run depends on `store.info.multiStreamAppend`. */
export const multiStreamCases: ConformanceCase[] = [
  {
    rule: 'multi-stream',
    name: 'a store without atomic multi-stream appends refuses them with NOT_SUPPORTED and writes nothing',
    requires: { multiStreamAppend: false },
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const head = await store.headPosition();
      await rejection(
        store.appendMulti([
          { streamId: a, events: events(1), expectedVersion: 'no_stream' },
          { streamId: b, events: events(1), expectedVersion: 'no_stream' },
        ]),
        'NOT_SUPPORTED',
      );
      expect(await store.getStreamInfo(a)).toBeUndefined();
      expect(await store.getStreamInfo(b)).toBeUndefined();
      expect(await store.headPosition()).toBe(head);
    },
  },
  {
    rule: 'multi-stream',
    name: 'a multi-stream append writes every stream and returns results in input order',
    requires: { multiStreamAppend: true },
    async run({ store, streamId }) {
      const [a, b, c] = [streamId('a'), streamId('b'), streamId('c')];
      await store.append(b, events(1, 'b0'), 'no_stream');
      const results = await store.appendMulti([
        { streamId: a, events: events(2, 'a'), expectedVersion: 'no_stream' },
        { streamId: b, events: events(1, 'b'), expectedVersion: 1 },
        { streamId: c, events: events(3, 'c'), expectedVersion: 'any' },
      ]);
      expect(results.map((r) => [r.streamId, r.nextExpectedVersion])).toEqual([
        [a, 2],
        [b, 2],
        [c, 3],
      ]);
      const positions = results.flatMap((r) => r.events.map((e) => e.globalPosition));
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(new Set(positions).size).toBe(6);
      expect(await streamData(store, a)).toEqual(events(2, 'a'));
      expect(await streamData(store, b)).toEqual([...events(1, 'b0'), ...events(1, 'b')]);
      expect(await streamData(store, c)).toEqual(events(3, 'c'));
    },
  },
  {
    rule: 'multi-stream',
    name: 'a multi-stream append with one failing expectation writes nothing at all',
    requires: { multiStreamAppend: true },
    async run({ store, streamId }) {
      const [a, b, c] = [streamId('a'), streamId('b'), streamId('c')];
      await store.append(b, events(2, 'b0'), 'no_stream');
      const head = await store.headPosition();
      const error = await rejection(
        store.appendMulti([
          { streamId: a, events: events(2, 'a'), expectedVersion: 'no_stream' },
          { streamId: b, events: events(1, 'b'), expectedVersion: 1 },
          { streamId: c, events: events(1, 'c'), expectedVersion: 'any' },
        ]),
        'WRONG_EXPECTED_VERSION',
      );
      expect(error.streamId).toBe(b);
      expect(error.actual).toBe(2);
      expect(await store.getStreamInfo(a)).toBeUndefined();
      expect(await store.getStreamInfo(c)).toBeUndefined();
      expect(await streamData(store, b)).toEqual(events(2, 'b0'));
      expect(await store.headPosition()).toBe(head);
      // The last part failing must not leave the earlier parts behind either.
      await rejection(
        store.appendMulti([
          { streamId: a, events: events(1, 'a'), expectedVersion: 'no_stream' },
          { streamId: b, events: events(1, 'b'), expectedVersion: 'no_stream' },
        ]),
        'WRONG_EXPECTED_VERSION',
      );
      expect(await collect(store.readStream(a))).toEqual([]);
      expect(await store.headPosition()).toBe(head);
    },
  },
  {
    rule: 'multi-stream',
    name: 'concurrent multi-stream appends over a shared stream: exactly one wins, entirely',
    requires: { multiStreamAppend: true },
    async run({ store, streamId }) {
      const shared = streamId('shared');
      await store.append(shared, events(1, 'seed'), 'no_stream');
      const own = Array.from({ length: 10 }, () => streamId('own'));
      const settled = await Promise.allSettled(
        own.map((id, i) =>
          store.appendMulti([
            { streamId: id, events: events(1, `own-${i}`), expectedVersion: 'no_stream' },
            { streamId: shared, events: events(1, `shared-${i}`), expectedVersion: 1 },
          ]),
        ),
      );
      const winners = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const [i, id] of own.entries()) {
        expect(await store.getStreamInfo(id)).toEqual(i === winners[0] ? { streamId: id, version: 1 } : undefined);
      }
      expect(await streamData(store, shared)).toEqual([...events(1, 'seed'), ...events(1, `shared-${winners[0]}`)]);
    },
  },
  {
    rule: 'multi-stream',
    name: 'a stream named twice in one multi-stream append is refused',
    requires: { multiStreamAppend: true },
    async run({ store, streamId }) {
      const a = streamId('a');
      await rejection(
        store.appendMulti([
          { streamId: a, events: events(1), expectedVersion: 'any' },
          { streamId: a, events: events(1), expectedVersion: 'any' },
        ]),
        'VALIDATION_FAILED',
      );
      await rejection(store.appendMulti([]), 'VALIDATION_FAILED');
      expect(await store.getStreamInfo(a)).toBeUndefined();
    },
  },
];
