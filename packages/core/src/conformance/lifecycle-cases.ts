import { expect } from 'vitest';
import type { EventStore } from '../store/event-store.js';
import type { ArchivableStore } from '../store/archivable.js';
import { STREAM_DELETED_EVENT, type StreamLifecycle } from '../store/stream-lifecycle.js';
import type { ConformanceCase } from './case.js';
import { collect, events, iterationRejection, rejection, streamData } from './case.js';

const lifecycle = (store: EventStore): EventStore & StreamLifecycle => store as EventStore & StreamLifecycle;
const archivable = (store: EventStore): EventStore & ArchivableStore => store as EventStore & ArchivableStore;
const positions = (list: readonly { streamPosition: number }[]): number[] => list.map((e) => e.streamPosition);

/** Cases for `lifecycle`. */
export const lifecycleCases: ConformanceCase[] = [
  {
    rule: 'lifecycle',
    name: 'metadata: truncateBefore and maxCount hide older events from stream and global reads; custom fields round-trip',
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId();
      const head = await s.headPosition();
      await s.append(id, events(10), 'no_stream');
      expect(await s.getStreamMetadata(id)).toEqual({});
      await s.setStreamMetadata(id, { truncateBefore: 4, custom: { owner: 'billing', retention: { days: 30 } } });
      expect(await s.getStreamMetadata(id)).toEqual({ truncateBefore: 4, custom: { owner: 'billing', retention: { days: 30 } } });
      expect(positions(await collect(s.readStream(id)))).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(positions(await collect(s.readStream(id, { direction: 'backwards', limit: 2 })))).toEqual([10, 9]);
      expect(positions(await collect(s.readStream(id, { from: 2, limit: 2 })))).toEqual([4, 5]);
      expect(positions((await collect(s.readAll({ after: head }))).filter((e) => e.streamId === id))).toEqual([4, 5, 6, 7, 8, 9, 10]);
      // Filtered and backwards global reads hide the same events.
      const filter = { streamIdPrefixes: [id] };
      expect(positions(await collect(s.readAll({ after: head, filter })))).toEqual([4, 5, 6, 7, 8, 9, 10]);
      const backwards = await collect(s.readAll({ after: head, direction: 'backwards', filter }));
      expect(positions(backwards)).toEqual([10, 9, 8, 7, 6, 5, 4]);
      await s.setStreamMetadata(id, { maxCount: 3 });
      expect(positions(await collect(s.readStream(id)))).toEqual([8, 9, 10]);
      await s.append(id, events(1), 10);
      expect(positions(await collect(s.readStream(id)))).toEqual([9, 10, 11]);
      expect(await s.getStreamInfo(id)).toEqual({ streamId: id, version: 11 });
      await rejection(s.setStreamMetadata(id, { maxCount: 0 }), 'VALIDATION_FAILED');
      await rejection(s.setStreamMetadata(id, { unknown: 1 } as never), 'VALIDATION_FAILED');
    },
  },
  {
    rule: 'lifecycle',
    name: 'metadata: maxAge hides events older than it',
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId();
      await s.append(id, events(2), 'no_stream');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      await s.append(id, events(1), 2);
      await s.setStreamMetadata(id, { maxAge: 1 });
      expect(positions(await collect(s.readStream(id)))).toEqual([3]);
      await s.setStreamMetadata(id, {});
      expect(positions(await collect(s.readStream(id)))).toEqual([1, 2, 3]);
    },
  },
  {
    rule: 'lifecycle',
    name: 'soft delete hides the stream everywhere; appending recreates it with positions continuing',
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId('soft');
      const head = await s.headPosition();
      await s.append(id, events(3, 'old'), 'no_stream');
      await rejection(s.deleteStream(id, { expectedVersion: 2 }), 'WRONG_EXPECTED_VERSION');
      await s.deleteStream(id, { expectedVersion: 3 });
      expect(await s.getStreamInfo(id)).toBeUndefined();
      expect(await collect(s.readStream(id))).toEqual([]);
      expect((await collect(s.listStreams({ prefix: id }))).map((i) => i.streamId)).toEqual([]);
      const global = (await collect(s.readAll({ after: head }))).filter((e) => e.streamId === id);
      expect(global.map((e) => e.type)).toEqual([STREAM_DELETED_EVENT]);
      expect(global[0]!.data).toEqual({ mode: 'soft' });
      await rejection(s.deleteStream(id), 'STREAM_NOT_FOUND');
      await rejection(s.append(id, events(1), 'stream_exists'), 'WRONG_EXPECTED_VERSION');
      const recreated = await s.append(id, events(2, 'new'), 'no_stream');
      expect(recreated.events.map((e) => e.streamPosition)).toEqual([5, 6]);
      expect(await streamData(s, id)).toEqual(events(2, 'new'));
      expect(await s.getStreamInfo(id)).toEqual({ streamId: id, version: 6 });
      await s.append(id, events(1, 'more'), 6);
      expect((await collect(s.readAll({ after: head }))).filter((e) => e.streamId === id).map((e) => (e.type === STREAM_DELETED_EVENT ? 'deleted' : (e.data as { tag: string }).tag))).toEqual([
        'deleted',
        'new',
        'new',
        'more',
      ]);
    },
  },
  {
    rule: 'lifecycle',
    name: 'hard delete is a tombstone: appends fail with STREAM_DELETED forever, reads fail, the global log shows the marker',
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId('hard');
      const head = await s.headPosition();
      await s.append(id, events(2), 'no_stream');
      await s.deleteStream(id, { mode: 'hard' });
      for (const expected of ['any', 'no_stream', 2, 3] as const) await rejection(s.append(id, events(1), expected), 'STREAM_DELETED');
      await iterationRejection(() => s.readStream(id), 'STREAM_DELETED');
      await rejection(s.deleteStream(id), 'STREAM_DELETED');
      expect(await s.getStreamInfo(id)).toBeUndefined();
      const global = (await collect(s.readAll({ after: head }))).filter((e) => e.streamId === id);
      expect(global.map((e) => [e.type, e.data])).toEqual([[STREAM_DELETED_EVENT, { mode: 'hard' }]]);
      if (s.info.multiStreamAppend) {
        const other = streamId('other');
        await rejection(s.appendMulti([{ streamId: other, events: events(1), expectedVersion: 'any' }, { streamId: id, events: events(1), expectedVersion: 'any' }]), 'STREAM_DELETED');
        expect(await s.getStreamInfo(other)).toBeUndefined();
      }
    },
  },
];

/** Cases for `archive`. */
export const archiveCases: ConformanceCase[] = [
  {
    rule: 'archive',
    name: 'purged events disappear from hot reads; stream versions, expected versions and later appends are unaffected',
    requires: { archive: true },
    async run({ store, streamId }) {
      const s = archivable(store);
      const [a, b] = [streamId('a'), streamId('b')];
      const first = await s.append(a, events(5), 'no_stream');
      await s.append(b, events(2), 'no_stream');
      const purged = first.events.slice(0, 3).map((e) => e.globalPosition);
      expect(await s.purgeEvents(purged)).toBe(3);
      expect(await s.purgeEvents(purged)).toBe(0);
      expect(positions(await collect(s.readStream(a)))).toEqual([4, 5]);
      expect(await s.getStreamInfo(a)).toEqual({ streamId: a, version: 5 });
      await rejection(s.append(a, events(1), 3), 'WRONG_EXPECTED_VERSION');
      const next = await s.append(a, events(1), 5);
      expect(next.events[0]!.streamPosition).toBe(6);
      const global = (await collect(s.readAll({ after: first.events[0]!.globalPosition - 1 }))).filter((e) => e.streamId === a);
      expect(positions(global)).toEqual([4, 5, 6]);
      expect(positions(await collect(s.readStream(b)))).toEqual([1, 2]);
      const space = await s.reclaimSpace();
      expect(space.afterBytes).toBeLessThanOrEqual(space.beforeBytes);
    },
  },
  {
    rule: 'archive',
    name: 'purging the newest events of a stream, or all of them, keeps its version; positions never go back',
    requires: { archive: true },
    async run({ store, streamId }) {
      const s = archivable(store);
      const [a, b] = [streamId('newest'), streamId('all')];
      // Each stream in two appends: what a store records when a stream is created is not enough.
      await s.append(a, events(2), 'no_stream');
      const newest = await s.append(a, events(2), 2);
      const whole = [await s.append(b, events(1), 'no_stream'), await s.append(b, events(1), 1)];
      // The newest events of the log too: b's were appended last.
      expect(await s.purgeEvents([...newest.events, ...whole.flatMap((r) => r.events)].map((e) => e.globalPosition))).toBe(4);
      expect(await s.getStreamInfo(a)).toEqual({ streamId: a, version: 4 });
      expect(await s.getStreamInfo(b)).toEqual({ streamId: b, version: 2 });
      expect(await collect(s.listStreams({ prefix: a }))).toEqual([{ streamId: a, version: 4 }]);
      expect(await collect(s.listStreams({ prefix: b }))).toEqual([{ streamId: b, version: 2 }]);
      await rejection(s.append(a, events(1), 2), 'WRONG_EXPECTED_VERSION');
      await rejection(s.append(b, events(1), 'no_stream'), 'WRONG_EXPECTED_VERSION');
      const nextA = await s.append(a, events(1), 4);
      const nextB = await s.append(b, events(1), 2);
      expect(nextA.events[0]!.streamPosition).toBe(5);
      expect(nextB.events[0]!.streamPosition).toBe(3);
      // A purged position is never handed out again.
      expect(nextA.events[0]!.globalPosition).toBeGreaterThan(whole[1]!.globalPosition);
      expect(positions(await collect(s.readStream(a)))).toEqual([1, 2, 5]);
      expect(positions(await collect(s.readStream(b)))).toEqual([3]);
    },
  },
];
