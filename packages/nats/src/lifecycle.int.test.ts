import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_DELETED_EVENT, type RecordedEvent } from '@chronicle/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNatsStore, type NatsEventStore } from './nats-store.js';
import { createLayout } from './subjects.js';
import { deleteStreams, testNats, testStores, uniqueLayout, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS lifecycle tests');

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe.skipIf(!url)('NATS store: stream lifecycle across instances and subscriptions', () => {
  let stores: TestStores;
  let writer: NatsEventStore;
  let reader: NatsEventStore;

  beforeAll(async () => {
    stores = testStores(url!, 'lifecycle');
    writer = await stores.open();
    reader = await stores.open();
  });
  afterAll(() => stores.dispose());

  it('metadata and deletions written by one instance govern the next read of another (no cache)', async () => {
    await writer.append(
      'shared',
      [1, 2, 3, 4].map((n) => ({ type: 'N', data: n })),
      'no_stream',
    );
    expect((await all(reader.readStream('shared'))).map((e) => e.data)).toEqual([1, 2, 3, 4]);
    await writer.setStreamMetadata('shared', { maxCount: 2 });
    expect((await all(reader.readStream('shared'))).map((e) => e.data)).toEqual([3, 4]);
    expect((await all(reader.readAll({ filter: { streamIdPrefixes: ['shared'] } }))).map((e) => e.data)).toEqual([
      3, 4,
    ]);
    // A metadata commit is no event: the version stays, and an append at it succeeds on the other instance.
    expect(await reader.getStreamInfo('shared')).toEqual({ streamId: 'shared', version: 4 });
    await reader.append('shared', [{ type: 'N', data: 5 }], 4);
    await writer.deleteStream('shared');
    expect(await reader.getStreamInfo('shared')).toBeUndefined();
    await expect(reader.append('shared', [{ type: 'N', data: 6 }], 5)).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
      actual: 'no_stream',
    });
  });

  it('a live subscription hides what lifecycle hides, learning of metadata set after it started', async () => {
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const start = await reader.headPosition();
    const subscription = (async () => {
      for await (const event of reader.subscribe({
        after: start,
        signal: controller.signal,
        filter: { streamIdPrefixes: ['live-'] },
      })) {
        seen.push(event);
        if (event.type === 'Done') break;
      }
    })();
    // Once the subscription delivered something, it has read which streams have a lifecycle: live-a has none yet.
    await writer.append('live-ready', [{ type: 'Ready', data: null }], 'no_stream');
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await writer.append('live-a', [{ type: 'N', data: 1 }], 'no_stream');
    await writer.setStreamMetadata('live-a', { truncateBefore: 5 });
    // Positions 2-4 are below truncateBefore: hidden live too; 5 shows.
    await writer.append(
      'live-a',
      [2, 3, 4, 5].map((n) => ({ type: 'N', data: n })),
      1,
    );
    await writer.deleteStream('live-a', { mode: 'hard' });
    await writer.append('live-b', [{ type: 'Done', data: null }], 'no_stream');
    await subscription;
    controller.abort();
    expect(seen.map((e) => [e.streamId, e.type, e.data])).toEqual([
      ['live-ready', 'Ready', null],
      ['live-a', 'N', 1],
      ['live-a', 'N', 5],
      ['live-a', STREAM_DELETED_EVENT, { mode: 'hard' }],
      ['live-b', 'Done', null],
    ]);
  });
});

describe.skipIf(!url)('NATS store: streams made by an earlier version of the store', () => {
  const layout = uniqueLayout('upgrade');
  afterAll(() => deleteStreams(url!, layout.stream));

  it('an events stream without the lifecycle subject and atomic batches gets both on open', async () => {
    const names = createLayout(layout.stream, layout.subjectPrefix);
    const nc = await connect({ servers: url! });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: names.eventsStream,
        subjects: [names.allEvents],
        deny_delete: true,
        deny_purge: true,
      });
      const store = await createNatsStore({ servers: url!, ...layout });
      try {
        const info = await jsm.streams.info(names.eventsStream);
        expect(info.config.subjects).toEqual([names.allEvents, names.allLifecycle, names.allRequests]);
        expect(info.config.allow_atomic).toBe(true);
        await store.appendMulti([
          { streamId: 'a', events: [{ type: 'T', data: 1 }], expectedVersion: 'no_stream' },
          { streamId: 'b', events: [{ type: 'T', data: 2 }], expectedVersion: 'no_stream' },
        ]);
        await store.deleteStream('a');
        expect((await all(store.listStreams())).map((s) => s.streamId)).toEqual(['b']);
      } finally {
        await store.close();
      }
    } finally {
      await nc.close();
    }
  });
});
