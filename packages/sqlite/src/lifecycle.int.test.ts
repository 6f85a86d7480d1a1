import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-lifecycle');
afterAll(files.remove);

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('sqlite stream lifecycle and purging', () => {
  it('purging the newest events and deleting streams never makes a global position be handed out again, also after reopening', async () => {
    const path = files.file();
    let store = createSqliteStore({ path });
    const first = await store.append('a', [{ type: 'E', data: 1 }, { type: 'E', data: 2 }, { type: 'E', data: 3 }], 'no_stream');
    expect(await store.purgeEvents(first.events.slice(1).map((e) => e.globalPosition))).toBe(2);
    expect(await store.headPosition()).toBe(3);
    await store.close();
    store = createSqliteStore({ path });
    try {
      const next = await store.append('b', [{ type: 'E', data: 4 }], 'no_stream');
      expect(next.globalPosition).toBe(4);
      await store.deleteStream('b', { mode: 'hard' });
      const after = await store.append('c', [{ type: 'E', data: 5 }], 'no_stream');
      expect(after.globalPosition).toBe(6);
      expect((await all(store.readAll())).map((e) => [e.globalPosition, e.type])).toEqual([
        [1, 'E'],
        [5, '$StreamDeleted'],
        [6, 'E'],
      ]);
      expect((await all(store.readAllStored())).map((e) => e.globalPosition)).toEqual([1, 4, 5, 6]);
    } finally {
      await store.close();
    }
  });

  it('another connection purging the newest events (another process, say): the next append still continues above them', async () => {
    const path = files.file();
    const writer = createSqliteStore({ path });
    const purger = createSqliteStore({ path });
    try {
      const first = await writer.append('a', [1, 2, 3].map((n) => ({ type: 'E', data: n })), 'no_stream');
      expect(await purger.purgeEvents(first.events.slice(1).map((e) => e.globalPosition))).toBe(2);
      const next = await writer.append('a', [{ type: 'E', data: 4 }], 3);
      expect(next.events[0]).toMatchObject({ globalPosition: 4, streamPosition: 4 });
      expect(await purger.getStreamInfo('a')).toEqual({ streamId: 'a', version: 4 });
      expect(await purger.headPosition()).toBe(4);
    } finally {
      await writer.close();
      await purger.close();
    }
  });

  it('metadata can be set before a stream exists; clearing every restriction drops the lifecycle row (global reads go back to a range scan)', async () => {
    const path = files.file();
    const store = createSqliteStore({ path });
    try {
      await store.setStreamMetadata('later', { maxCount: 2, custom: { owner: 'ops' } });
      expect(await store.getStreamMetadata('later')).toEqual({ maxCount: 2, custom: { owner: 'ops' } });
      await store.append('later', [1, 2, 3].map((n) => ({ type: 'N', data: n })), 'no_stream');
      expect((await all(store.readStream('later'))).map((e) => e.data)).toEqual([2, 3]);
      expect((await all(store.readAll())).map((e) => e.data)).toEqual([2, 3]);
      const rows = (): unknown => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare('SELECT count(*) FROM stream_lifecycle').pluck().get();
        } finally {
          db.close();
        }
      };
      expect(rows()).toBe(1);
      await store.setStreamMetadata('later', {});
      expect(rows()).toBe(0);
      expect((await all(store.readAll())).map((e) => e.data)).toEqual([1, 2, 3]);
      // A deletion keeps its row even without metadata: the hidden range must survive.
      await store.deleteStream('later');
      await store.setStreamMetadata('later', {});
      expect(rows()).toBe(1);
      expect(await all(store.readStream('later'))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a soft-deleted stream is recreated by appending; the marker and the old events stay hidden from the stream, the marker shows in the log', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      await store.append('s', [{ type: 'Old', data: {} }], 'no_stream');
      await store.deleteStream('s');
      expect((await all(store.listStreams())).map((i) => i.streamId)).toEqual([]);
      await store.append('s', [{ type: 'New', data: {} }], 'no_stream');
      expect((await all(store.readStream('s'))).map((e) => [e.type, e.streamPosition])).toEqual([['New', 3]]);
      expect((await all(store.readStream('s', { direction: 'backwards' }))).map((e) => e.streamPosition)).toEqual([3]);
      expect((await all(store.readAll())).map((e) => e.type)).toEqual(['$StreamDeleted', 'New']);
      expect(await all(store.listStreams())).toEqual([{ streamId: 's', version: 3 }]);
    } finally {
      await store.close();
    }
  });
});
