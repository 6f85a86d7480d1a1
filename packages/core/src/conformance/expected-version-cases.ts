import { expect } from 'vitest';
import type { ConformanceCase } from './case.js';
import { collect, events, rejection, streamData } from './case.js';

/** Cases for `expected-version` and `no-trace-on-reject`. */
export const expectedVersionCases: ConformanceCase[] = [
  {
    rule: 'expected-version',
    name: "'no_stream' creates a new stream and reports its version and positions",
    async run({ store, streamId }) {
      const id = streamId();
      const result = await store.append(id, events(3), 'no_stream');
      expect(result.streamId).toBe(id);
      expect(result.nextExpectedVersion).toBe(3);
      expect(result.events.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
      expect(result.globalPosition).toBe(result.events[2]!.globalPosition);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 3 });
    },
  },
  {
    rule: 'expected-version',
    name: "'no_stream' on an existing stream is rejected with expected and actual",
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(2, 'first'), 'no_stream');
      const error = await rejection(store.append(id, events(1, 'second'), 'no_stream'), 'WRONG_EXPECTED_VERSION');
      expect(error.streamId).toBe(id);
      expect(error.expected).toBe('no_stream');
      expect(error.actual).toBe(2);
      expect(await streamData(store, id)).toEqual(events(2, 'first'));
    },
  },
  {
    rule: 'expected-version',
    name: "'stream_exists' on a missing stream is rejected and creates nothing",
    async run({ store, streamId }) {
      const id = streamId();
      const head = await store.headPosition();
      const error = await rejection(store.append(id, events(1), 'stream_exists'), 'WRONG_EXPECTED_VERSION');
      expect(error.expected).toBe('stream_exists');
      expect(error.actual).toBe('no_stream');
      expect(await store.getStreamInfo(id)).toBeUndefined();
      expect(await collect(store.readStream(id))).toEqual([]);
      expect(await store.headPosition()).toBe(head);
    },
  },
  {
    rule: 'expected-version',
    name: "'stream_exists' on an existing stream appends",
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(1, 'a'), 'no_stream');
      const result = await store.append(id, events(2, 'b'), 'stream_exists');
      expect(result.nextExpectedVersion).toBe(3);
      expect(await streamData(store, id)).toEqual([...events(1, 'a'), ...events(2, 'b')]);
    },
  },
  {
    rule: 'expected-version',
    name: 'an exact version that matches appends, chaining versions',
    async run({ store, streamId }) {
      const id = streamId();
      let version = (await store.append(id, events(1, 'v0'), 0)).nextExpectedVersion;
      expect(version).toBe(1);
      for (const tag of ['v1', 'v2', 'v3']) {
        version = (await store.append(id, events(2, tag), version)).nextExpectedVersion;
      }
      expect(version).toBe(7);
      expect((await collect(store.readStream(id))).map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    },
  },
  {
    rule: 'expected-version',
    name: 'an exact version that is lower or higher than the stream is rejected',
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(3, 'a'), 'no_stream');
      for (const expected of [0, 1, 2, 4, 10]) {
        const error = await rejection(store.append(id, events(1, 'x'), expected), 'WRONG_EXPECTED_VERSION');
        expect(error.expected).toBe(expected);
        expect(error.actual).toBe(3);
      }
      const missing = streamId();
      const error = await rejection(store.append(missing, events(1, 'x'), 1), 'WRONG_EXPECTED_VERSION');
      expect(error.actual).toBe('no_stream');
      expect(await store.getStreamInfo(missing)).toBeUndefined();
      expect(await streamData(store, id)).toEqual(events(3, 'a'));
    },
  },
  {
    rule: 'expected-version',
    name: "'any' appends to missing and existing streams",
    async run({ store, streamId }) {
      const id = streamId();
      expect((await store.append(id, events(1, 'a'), 'any')).nextExpectedVersion).toBe(1);
      expect((await store.append(id, events(1, 'b'), 'any')).nextExpectedVersion).toBe(2);
      expect(await streamData(store, id)).toEqual([...events(1, 'a'), ...events(1, 'b')]);
    },
  },
  {
    rule: 'no-trace-on-reject',
    name: 'after a conflict, an append at the actual version succeeds and the stream holds only accepted events',
    async run({ store, streamId }) {
      const id = streamId();
      const other = streamId('other');
      await store.append(id, events(2, 'ok1'), 'no_stream');
      const head = await store.headPosition();
      for (let i = 0; i < 3; i++) await rejection(store.append(id, events(5, 'rejected'), 1), 'WRONG_EXPECTED_VERSION');
      await rejection(store.append(id, events(5, 'rejected'), 'no_stream'), 'WRONG_EXPECTED_VERSION');
      expect(await store.headPosition()).toBe(head);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 2 });
      const accepted = await store.append(id, events(1, 'ok2'), 2);
      expect(accepted.nextExpectedVersion).toBe(3);
      expect(accepted.events[0]!.streamPosition).toBe(3);
      await store.append(other, events(1), 'no_stream');
      expect(await streamData(store, id)).toEqual([...events(2, 'ok1'), ...events(1, 'ok2')]);
      const positions = (await collect(store.readAll({ after: head }))).filter((e) => e.streamId === id).map((e) => e.streamPosition);
      expect(positions).toEqual([3]);
    },
  },
];
