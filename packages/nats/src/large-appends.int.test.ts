import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsEventStore } from './nats-store.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS large append tests');

function bigEvents(count: number, tag: string): { type: string; data: { tag: string; i: number; text: string } }[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'Big', data: { tag, i, text: `${tag}-${i}-`.padEnd(100_000, 'x') } }));
}

async function chunkSubjects(stores: TestStores): Promise<number> {
  const nc = await connect({ servers: stores.url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`${stores.layout.stream}_AUX`, { subjects_filter: `${stores.layout.subjectPrefix}.x.chunk.>` });
    return Object.keys(info.state.subjects ?? {}).length;
  } finally {
    await nc.close();
  }
}

describe.skipIf(!url)('NATS store: appends larger than one message', () => {
  let stores: TestStores;
  let store: NatsEventStore;

  beforeAll(async () => {
    stores = testStores(url!, 'large');
    store = await stores.open();
  });
  afterAll(() => stores.dispose());

  it('a 3 MB append is stored atomically in chunks and reads back in order, forwards, backwards and globally', async () => {
    const streamId = `large-${Date.now()}`;
    const result = await store.append(streamId, bigEvents(30, 'one'), 'no_stream');
    expect(result.nextExpectedVersion).toBe(30);
    expect(await chunkSubjects(stores)).toBeGreaterThanOrEqual(3);
    const read = [];
    for await (const event of store.readStream(streamId)) read.push(event);
    expect(read.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(read).toEqual(result.events);
    const backwards = [];
    for await (const event of store.readStream(streamId, { direction: 'backwards', from: 12, limit: 3 })) backwards.push(event.streamPosition);
    expect(backwards).toEqual([12, 11, 10]);
    const global = [];
    for await (const event of store.readAll({ after: result.events[27]!.globalPosition })) global.push(event.streamPosition);
    expect(global).toEqual([29, 30]);
  });

  it('a large append that loses its version check leaves no chunks and no events behind', async () => {
    const streamId = `large-conflict-${Date.now()}`;
    await store.append(streamId, [{ type: 'Small', data: {} }], 'no_stream');
    const before = await chunkSubjects(stores);
    await expect(store.append(streamId, bigEvents(25, 'lost'), 'no_stream')).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 1 });
    expect(await chunkSubjects(stores)).toBe(before);
    expect(await store.getStreamInfo(streamId)).toEqual({ streamId, version: 1 });
  });
});
