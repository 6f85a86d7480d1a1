import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'vitest';
import type { RecordedEvent } from '../events/event.js';
import type { ConformanceCase } from './case.js';
import { collect, events, globalEventsOf } from './case.js';

function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function positions(list: readonly RecordedEvent[]): number[] {
  return list.map((e) => e.streamPosition);
}

function range(from: number, to: number): number[] {
  const step = from <= to ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => from + i * step);
}

/** Cases for `read-stream`, `global-order` and `streaming`. */
export const readCases: ConformanceCase[] = [
  {
    rule: 'read-stream',
    name: 'forwards reads honour from and limit',
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(10), 'no_stream');
      expect(positions(await collect(store.readStream(id)))).toEqual(range(1, 10));
      expect(positions(await collect(store.readStream(id, { from: 4 })))).toEqual(range(4, 10));
      expect(positions(await collect(store.readStream(id, { from: 4, limit: 3 })))).toEqual([4, 5, 6]);
      expect(positions(await collect(store.readStream(id, { limit: 2, direction: 'forwards' })))).toEqual([1, 2]);
      expect(positions(await collect(store.readStream(id, { from: 0, limit: 1 })))).toEqual([1]);
      expect(await collect(store.readStream(id, { from: 11 }))).toEqual([]);
      expect(await collect(store.readStream(id, { limit: 0 }))).toEqual([]);
    },
  },
  {
    rule: 'read-stream',
    name: 'backwards reads start at the end, honour from and limit',
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(10), 'no_stream');
      expect(positions(await collect(store.readStream(id, { direction: 'backwards' })))).toEqual(range(10, 1));
      expect(positions(await collect(store.readStream(id, { direction: 'backwards', limit: 3 })))).toEqual([10, 9, 8]);
      expect(positions(await collect(store.readStream(id, { direction: 'backwards', from: 5 })))).toEqual(range(5, 1));
      expect(positions(await collect(store.readStream(id, { direction: 'backwards', from: 5, limit: 2 })))).toEqual([5, 4]);
      expect(positions(await collect(store.readStream(id, { direction: 'backwards', from: 50, limit: 1 })))).toEqual([10]);
      expect(await collect(store.readStream(id, { direction: 'backwards', from: 0 }))).toEqual([]);
    },
  },
  {
    rule: 'read-stream',
    name: 'a missing stream reads as empty; reads see only their own stream',
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      expect(await collect(store.readStream(a))).toEqual([]);
      expect(await collect(store.readStream(a, { direction: 'backwards' }))).toEqual([]);
      await store.append(a, events(2, 'a'), 'no_stream');
      await store.append(b, events(3, 'b'), 'no_stream');
      await store.append(a, events(1, 'a2'), 2);
      const readA = await collect(store.readStream(a));
      expect(readA.map((e) => e.streamId)).toEqual([a, a, a]);
      expect(readA.map((e) => (e.data as { tag: string }).tag)).toEqual(['a', 'a', 'a2']);
    },
  },
  {
    rule: 'read-stream',
    name: 'a stream read pages through many events in order',
    async run({ store, streamId }) {
      const id = streamId();
      for (let batch = 0; batch < 5; batch++) await store.append(id, events(500, `b${batch}`), batch * 500);
      const forwards = await collect(store.readStream(id));
      expect(positions(forwards)).toEqual(range(1, 2500));
      const backwards = await collect(store.readStream(id, { direction: 'backwards' }));
      expect(positions(backwards)).toEqual(range(2500, 1));
      expect(positions(await collect(store.readStream(id, { from: 1999, limit: 1003 })))).toEqual(range(1999, 2500));
    },
  },
  {
    rule: 'global-order',
    name: 'global positions strictly increase in append order across streams',
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const head = await store.headPosition();
      const r1 = await store.append(a, events(2), 'no_stream');
      const r2 = await store.append(b, events(2), 'no_stream');
      const r3 = await store.append(a, events(1), 2);
      const all = [...r1.events, ...r2.events, ...r3.events].map((e) => e.globalPosition);
      expect(all[0]).toBeGreaterThan(head);
      for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThan(all[i - 1]!);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(r3.globalPosition);
      const read = await globalEventsOf(store, [a, b], head);
      expect(read.map((e) => e.globalPosition)).toEqual(all);
      expect(read.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.streamPosition}`)).toEqual(['a1', 'a2', 'b1', 'b2', 'a3']);
    },
  },
  {
    rule: 'global-order',
    name: 'paging the global log with after and limit returns each event exactly once',
    async run({ store, streamId }) {
      const ids = [streamId('a'), streamId('b'), streamId('c')];
      const head = await store.headPosition();
      const written: string[] = [];
      for (let round = 0; round < 10; round++) {
        for (const id of ids) written.push(...(await store.append(id, events(3, `r${round}`), 'any')).events.map((e) => e.eventId));
      }
      const seen: RecordedEvent[] = [];
      let after = head;
      for (;;) {
        const page = await collect(store.readAll({ after, limit: 7 }));
        expect(page.length).toBeLessThanOrEqual(7);
        if (page.length === 0) break;
        seen.push(...page);
        after = page[page.length - 1]!.globalPosition;
      }
      const ours = seen.filter((e) => ids.includes(e.streamId));
      expect(ours.map((e) => e.eventId)).toEqual(written);
      const globals = seen.map((e) => e.globalPosition);
      expect(globals).toEqual([...globals].sort((x, y) => x - y));
      expect(new Set(globals).size).toBe(globals.length);
      expect(await collect(store.readAll({ after: seen[seen.length - 1]!.globalPosition }))).toEqual([]);
    },
  },
  {
    rule: 'global-order',
    name: 'concurrent writers: the global log holds every acknowledged event once, in position order',
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const ids = Array.from({ length: 8 }, () => streamId('w'));
      const head = await store.headPosition();
      const acked = new Set<string>();
      await Promise.all(
        ids.map(async (id) => {
          let version = 0;
          for (let n = 0; n < 25; n++) {
            const result = await store.append(id, events(2, `${n}`), version);
            version = result.nextExpectedVersion;
            for (const e of result.events) acked.add(e.eventId);
          }
        }),
      );
      const read = await globalEventsOf(store, ids, head);
      expect(read).toHaveLength(acked.size);
      expect(new Set(read.map((e) => e.eventId))).toEqual(acked);
      const globals = read.map((e) => e.globalPosition);
      for (let i = 1; i < globals.length; i++) expect(globals[i]).toBeGreaterThan(globals[i - 1]!);
      for (const id of ids) {
        expect(read.filter((e) => e.streamId === id).map((e) => e.streamPosition)).toEqual(range(1, 50));
      }
    },
  },
  {
    rule: 'streaming',
    name: 'reading a large stream keeps memory flat (no whole-stream buffering)',
    timeoutMs: 120_000,
    async run({ store, streamId }) {
      const id = streamId('large');
      const count = 20_000;
      const payload = 'x'.repeat(4_000);
      for (let written = 0; written < count; written += 500) {
        await store.append(
          id,
          Array.from({ length: 500 }, (_, i) => ({ type: 'Big', data: { i: written + i, payload } })),
          written,
        );
      }
      const gc = forcedGc();
      gc();
      const baseline = process.memoryUsage().heapUsed;
      let peak = 0;
      let expected = 1;
      for await (const event of store.readStream(id)) {
        if (event.streamPosition !== expected++) throw new Error(`position ${event.streamPosition} out of order`);
        if (expected % 2_000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
        }
      }
      expect(expected - 1).toBe(count);
      // The stream holds ~80 MB of JSON; a reader that buffers it all retains far more than 40 MB.
      expect(peak).toBeLessThan(40 * 1024 * 1024);
    },
  },
];
