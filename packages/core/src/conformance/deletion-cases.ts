import { expect } from 'vitest';
import type { EventStore } from '../store/event-store.js';
import { STREAM_DELETED_EVENT, type StreamLifecycle } from '../store/stream-lifecycle.js';
import type { ConformanceCase } from './case.js';
import { collect, events, iterationRejection, rejection } from './case.js';

const lifecycle = (store: EventStore): EventStore & StreamLifecycle => store as EventStore & StreamLifecycle;

/** Names of the cases, for skips and mutants. */
export const deletionCaseNames = {
  hardAfterSoft: 'a hard delete after a soft delete tombstones the stream',
  reservedTombstone:
    'a hard delete of a name never written reserves it as a tombstone; a soft delete of it is STREAM_NOT_FOUND',
  deleteExpectedVersion:
    'a delete with a wrong expected version fails with ' +
    'WRONG_EXPECTED_VERSION (not STREAM_NOT_FOUND) and writes nothing',
  recreateAfterMarker:
    'after a soft delete the marker keeps its position: a recreated ' +
    'stream continues after it (3 events, recreated at 5)',
  softDeletedReadsEmpty:
    'a soft-deleted stream reads like one never written: no events in either direction, no info, not listed',
  metadataOnTombstone: 'setting metadata on a tombstoned stream fails with STREAM_DELETED',
} as const;

/** Markers of `streamId` in the global log after `head`, as their modes. */
async function markers(store: EventStore, streamId: string, head: number): Promise<unknown[]> {
  const global = (await collect(store.readAll({ after: head }))).filter((e) => e.streamId === streamId);
  return global.map((e) => (e.type === STREAM_DELETED_EVENT ? (e.data as { mode: string }).mode : e.type));
}

/** Deletion cases for `lifecycle`, each one behaviour that other stores' test suites expect. */
export const deletionCases: ConformanceCase[] = [
  {
    rule: 'lifecycle',
    name: deletionCaseNames.hardAfterSoft,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId('soft-then-hard');
      const head = await s.headPosition();
      await s.append(id, events(2), 'no_stream');
      await s.deleteStream(id);
      await s.deleteStream(id, { mode: 'hard' });
      for (const expected of ['any', 'no_stream', 3] as const)
        await rejection(s.append(id, events(1), expected), 'STREAM_DELETED');
      await iterationRejection(() => s.readStream(id), 'STREAM_DELETED');
      await rejection(s.deleteStream(id, { mode: 'hard' }), 'STREAM_DELETED');
      expect(await markers(s, id, head)).toEqual(['soft', 'hard']);
    },
  },
  {
    rule: 'lifecycle',
    name: deletionCaseNames.reservedTombstone,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const [reserved, missing] = [streamId('reserved'), streamId('missing')];
      const head = await s.headPosition();
      await rejection(s.deleteStream(missing), 'STREAM_NOT_FOUND');
      await rejection(s.deleteStream(missing, { expectedVersion: 'no_stream' }), 'STREAM_NOT_FOUND');
      await s.deleteStream(reserved, { mode: 'hard', expectedVersion: 'no_stream' });
      await rejection(s.append(reserved, events(1), 'no_stream'), 'STREAM_DELETED');
      await iterationRejection(() => s.readStream(reserved), 'STREAM_DELETED');
      expect(await s.getStreamInfo(reserved)).toBeUndefined();
      expect(await collect(s.listStreams({ prefix: reserved }))).toEqual([]);
      expect(await markers(s, reserved, head)).toEqual(['hard']);
      expect(await markers(s, missing, head)).toEqual([]);
      // Still free: the refused soft delete wrote nothing.
      await s.append(missing, events(1), 'no_stream');
    },
  },
  {
    rule: 'lifecycle',
    name: deletionCaseNames.deleteExpectedVersion,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const [live, gone, missing] = [streamId('live'), streamId('gone'), streamId('missing')];
      await s.append(live, events(3), 'no_stream');
      await s.append(gone, events(2), 'no_stream');
      await s.deleteStream(gone);
      const head = await s.headPosition();
      for (const mode of ['soft', 'hard'] as const) {
        const onLive = await rejection(s.deleteStream(live, { mode, expectedVersion: 2 }), 'WRONG_EXPECTED_VERSION');
        expect([onLive.expected, onLive.actual]).toEqual([2, 3]);
        await rejection(s.deleteStream(live, { mode, expectedVersion: 'no_stream' }), 'WRONG_EXPECTED_VERSION');
        // The version it had before its soft delete: it now counts as absent.
        const onGone = await rejection(s.deleteStream(gone, { mode, expectedVersion: 2 }), 'WRONG_EXPECTED_VERSION');
        expect(onGone.actual).toBe('no_stream');
        await rejection(s.deleteStream(missing, { mode, expectedVersion: 4 }), 'WRONG_EXPECTED_VERSION');
        await rejection(s.deleteStream(missing, { mode, expectedVersion: 'stream_exists' }), 'WRONG_EXPECTED_VERSION');
      }
      expect(await s.headPosition()).toBe(head);
      expect(await s.getStreamInfo(live)).toEqual({ streamId: live, version: 3 });
      await s.deleteStream(live, { mode: 'hard', expectedVersion: 'stream_exists' });
      await s.deleteStream(gone, { mode: 'hard', expectedVersion: 'no_stream' });
    },
  },
  {
    rule: 'lifecycle',
    name: deletionCaseNames.recreateAfterMarker,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId('recreated');
      await s.append(id, events(3, 'old'), 'no_stream');
      await s.deleteStream(id, { expectedVersion: 3 });
      // A version from before the delete never matches: the stream counts as absent.
      await rejection(s.append(id, events(1), 3), 'WRONG_EXPECTED_VERSION');
      const recreated = await s.append(id, events(1, 'new'), 'no_stream');
      expect(recreated.events.map((e) => e.streamPosition)).toEqual([5]);
      expect(recreated.nextExpectedVersion).toBe(5);
      expect(await s.getStreamInfo(id)).toEqual({ streamId: id, version: 5 });
      expect((await collect(s.readStream(id))).map((e) => e.streamPosition)).toEqual([5]);
    },
  },
  {
    rule: 'lifecycle',
    name: deletionCaseNames.softDeletedReadsEmpty,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const [deleted, never] = [streamId('deleted'), streamId('never')];
      await s.append(deleted, events(4), 'no_stream');
      await s.deleteStream(deleted);
      for (const id of [deleted, never]) {
        expect(await collect(s.readStream(id))).toEqual([]);
        expect(await collect(s.readStream(id, { direction: 'backwards' }))).toEqual([]);
        expect(await collect(s.readStream(id, { from: 2, limit: 2 }))).toEqual([]);
        expect(await collect(s.readStream(id, { direction: 'backwards', from: 5 }))).toEqual([]);
        expect(await s.getStreamInfo(id)).toBeUndefined();
        expect(await collect(s.listStreams({ prefix: id }))).toEqual([]);
      }
    },
  },
  {
    rule: 'lifecycle',
    name: deletionCaseNames.metadataOnTombstone,
    requires: { lifecycle: true },
    async run({ store, streamId }) {
      const s = lifecycle(store);
      const id = streamId('tombstone');
      await s.append(id, events(2), 'no_stream');
      await s.setStreamMetadata(id, { custom: { owner: 'billing' } });
      await s.deleteStream(id, { mode: 'hard' });
      await rejection(s.setStreamMetadata(id, { maxCount: 1 }), 'STREAM_DELETED');
      expect(await s.getStreamMetadata(id)).toEqual({ custom: { owner: 'billing' } });
      const reserved = streamId('reserved');
      await s.deleteStream(reserved, { mode: 'hard' });
      await rejection(s.setStreamMetadata(reserved, { custom: { a: 1 } }), 'STREAM_DELETED');
    },
  },
];
