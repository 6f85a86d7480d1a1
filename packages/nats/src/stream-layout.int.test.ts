import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsEventStore } from './nats-store.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS subject layout tests');

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe.skipIf(!url)('NATS store: subjects and positions', () => {
  let stores: TestStores;
  let store: NatsEventStore;

  beforeAll(async () => {
    stores = testStores(url!, 'layout');
    store = await stores.open();
  });
  afterAll(() => stores.dispose());

  it('stores each append as one message on <prefix>.e.<percent-encoded id>, readable by plain NATS tools', async () => {
    const streamId = `tenant.a/order *>42 ünï 🎉`;
    await store.append(streamId, [{ type: 'A', data: 1 }, { type: 'B', data: 2 }], 'no_stream');
    const nc = await connect({ servers: url! });
    try {
      const jsm = await jetstreamManager(nc);
      const subject = `${stores.layout.subjectPrefix}.e.tenant%2Ea%2Forder%20%2A%3E42%20%C3%BCn%C3%AF%20%F0%9F%8E%89`;
      const message = await jsm.streams.getMessage(stores.layout.stream, { last_by_subj: subject });
      expect(message?.header.get('Chronicle-Version')).toBe('2');
      expect(message?.header.get('Chronicle-Count')).toBe('2');
      // The body leads with the header's fields: version, count, previous, time, live-from, tombstone, meta, append id.
      expect(JSON.parse(message!.string())).toEqual([
        [2, 2, 0, expect.any(Number), 0, 0, 0, message?.header.get('Nats-Msg-Id')],
        expect.objectContaining({ type: 'A', data: 1, metadata: {} }),
        expect.objectContaining({ type: 'B', data: 2, metadata: {} }),
      ]);
    } finally {
      await nc.close();
    }
    expect((await collect(store.readStream(streamId))).map((e) => e.streamId)).toEqual([streamId, streamId]);
  });

  it('reads commits written before bodies carried the header (headers only, a plain array of events)', async () => {
    const streamId = `old-format-${Date.now()}`;
    const nc = await connect({ servers: url! });
    try {
      const h = headers();
      const fields = { Version: '2', Count: '2', Prev: '0', Time: '1700000000123' };
      for (const [name, value] of Object.entries(fields)) h.set(`Chronicle-${name}`, value);
      const events = [1, 2].map((i) => ({ id: randomUUID(), type: 'Old', data: { i }, metadata: {} }));
      const subject = `${stores.layout.subjectPrefix}.e.${streamId}`;
      await jetstream(nc).publish(subject, JSON.stringify(events), { headers: h, expect: { lastSubjectSequence: 0 } });
    } finally {
      await nc.close();
    }
    const read = await collect(store.readStream(streamId));
    expect(read.map((e) => [e.type, e.data, e.streamPosition, e.recordedAt.getTime()])).toEqual([
      ['Old', { i: 1 }, 1, 1_700_000_000_123],
      ['Old', { i: 2 }, 2, 1_700_000_000_123],
    ]);
    const all = await collect(store.readAll({ after: read[0]!.globalPosition - 1 }));
    expect(all.filter((e) => e.streamId === streamId).map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }]);
    await store.append(streamId, [{ type: 'New', data: 3 }], 2);
    expect((await collect(store.readStream(streamId))).map((e) => e.streamPosition)).toEqual([1, 2, 3]);
  });

  it('accepts the longest stream id of the widest characters (256 × "€": a 2304-character subject token)', async () => {
    const streamId = '€'.repeat(256);
    await store.append(streamId, [{ type: 'Wide', data: {} }], 'no_stream');
    expect(await store.getStreamInfo(streamId)).toEqual({ streamId, version: 1 });
    expect((await collect(store.listStreams({ prefix: '€€€' }))).map((s) => s.streamId)).toEqual([streamId]);
  });

  it('refuses stream ids with lone surrogates (they have no UTF-8 form) with VALIDATION_FAILED', async () => {
    await expect(store.append('broken-\uD800', [{ type: 'A', data: 1 }], 'any')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('global positions are stream sequence * 100000 + index in the append', async () => {
    const result = await store.append(`positions-${Date.now()}`, [{ type: 'A', data: 1 }, { type: 'B', data: 2 }, { type: 'C', data: 3 }], 'no_stream');
    const sequence = Math.floor(result.globalPosition / 100_000);
    expect(result.events.map((e) => e.globalPosition)).toEqual([0, 1, 2].map((i) => sequence * 100_000 + i));
    const fromMiddle = await collect(store.readAll({ after: result.events[0]!.globalPosition }));
    expect(fromMiddle.map((e) => e.type)).toEqual(['B', 'C']);
  });

  it('reads from the middle of a long stream of many commits, both directions', async () => {
    const streamId = `many-commits-${Date.now()}`;
    for (let version = 0; version < 60; version += 2) {
      await store.append(streamId, [{ type: 'E', data: version + 1 }, { type: 'E', data: version + 2 }], version);
    }
    const positions = async (options: Parameters<NatsEventStore['readStream']>[1]): Promise<number[]> =>
      (await collect(store.readStream(streamId, options))).map((e) => e.streamPosition);
    expect(await positions({ from: 37, limit: 4 })).toEqual([37, 38, 39, 40]);
    expect(await positions({ from: 2, limit: 2 })).toEqual([2, 3]);
    expect(await positions({ from: 59 })).toEqual([59, 60]);
    expect(await positions({ direction: 'backwards', from: 37, limit: 4 })).toEqual([37, 36, 35, 34]);
    expect(await positions({ direction: 'backwards', from: 3 })).toEqual([3, 2, 1]);
    expect((await positions({ direction: 'backwards' })).length).toBe(60);
    expect(await positions({})).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('a slow reader is not taken for a stalled server (idle time counts only while waiting for messages)', async () => {
    const impatient = await stores.open({ retryForMs: 1_000 });
    const streamId = `slow-reader-${Date.now()}`;
    // More commits than the consumer buffers (64) after the pause, so reading on needs the server again.
    for (let version = 0; version < 100; version++) await impatient.append(streamId, [{ type: 'E', data: version }], version);
    const read: number[] = [];
    for await (const event of impatient.readStream(streamId)) {
      read.push(event.streamPosition);
      if (event.streamPosition === 5) await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    expect(read).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});
