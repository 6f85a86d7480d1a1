import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ConformanceCase } from './case.js';
import { collect, events } from './case.js';

/** Cases for `stream-info`. */
export const streamInfoCases: ConformanceCase[] = [
  {
    rule: 'stream-info',
    name: 'stream info reports existence and the exact version',
    async run({ store, streamId }) {
      const id = streamId();
      expect(await store.getStreamInfo(id)).toBeUndefined();
      await store.append(id, events(4), 'no_stream');
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 4 });
      await store.append(id, events(1), 4);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 5 });
      expect(await store.getStreamInfo(`${id}-other`)).toBeUndefined();
    },
  },
  {
    rule: 'stream-info',
    name: 'the head position is the newest global position',
    async run({ store, streamId }) {
      const result = await store.append(streamId(), events(3), 'no_stream');
      expect(await store.headPosition()).toBe(result.globalPosition);
      const next = await store.append(streamId(), events(1), 'no_stream');
      expect(await store.headPosition()).toBe(next.globalPosition);
    },
  },
  {
    rule: 'stream-info',
    name: 'streams list in byte order, filtered by a literal prefix, with paging',
    async run({ store }) {
      const root = `list-${randomUUID()}`;
      const names = ['B', 'a', 'a_b', 'a%c', 'ab', 'b-1', 'b.2', 'Z', 'é', '~'];
      for (const name of names) await store.append(`${root}/${name}`, events(name.length), 'no_stream');
      await store.append(`${root}-sibling`, events(1), 'no_stream');
      const byteOrder = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const listed = await collect(store.listStreams({ prefix: `${root}/` }));
      expect(listed.map((s) => s.streamId)).toEqual(byteOrder.map((n) => `${root}/${n}`));
      expect(listed.map((s) => s.version)).toEqual(byteOrder.map((n) => n.length));
      // '%' and '_' are literal characters in a prefix, not wildcards; case matters.
      expect((await collect(store.listStreams({ prefix: `${root}/a_` }))).map((s) => s.streamId)).toEqual([`${root}/a_b`]);
      expect((await collect(store.listStreams({ prefix: `${root}/a%` }))).map((s) => s.streamId)).toEqual([`${root}/a%c`]);
      expect((await collect(store.listStreams({ prefix: `${root}/A` }))).map((s) => s.streamId)).toEqual([]);
      const paged: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await collect(store.listStreams({ prefix: `${root}/`, limit: 3, ...(after ? { after } : {}) }));
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        paged.push(...page.map((s) => s.streamId));
        after = page[page.length - 1]!.streamId;
      }
      expect(paged).toEqual(byteOrder.map((n) => `${root}/${n}`));
    },
  },
];
