import {
  createOutboxRelay,
  createProjectionRunner,
  findOutcome,
  publicEvents,
  silentLogger,
  type StoredOutboxMessage,
} from '@chronicle/core';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsEventStore } from './nats-store.js';
import { createNatsStore } from './nats-store.js';
import type { NatsProjectionHost } from './projections/nats-projection-host.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS projection host tests');
const quick = { logger: silentLogger, retry: { initialDelayMs: 5, maxDelayMs: 50 } } as const;

describe.skipIf(!url)('NATS projection host (JetStream KV)', () => {
  let stores: TestStores;
  let store: NatsEventStore;
  let host: NatsProjectionHost;

  beforeAll(async () => {
    stores = testStores(url!, 'host');
    store = await stores.open();
    host = store.projections!;
  });
  afterAll(() => stores.dispose());

  it('refuses inline projections at open, naming the way out', async () => {
    const opening = createNatsStore({
      servers: url!,
      ...stores.layout,
      projections: [{ name: 'x', handle: () => undefined }],
    });
    await expect(opening).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(opening).rejects.toThrow('run them asynchronously with createProjectionRunner');
  });

  it('racing transactions on one document all apply: a conflict runs the work again on fresh data', async () => {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        host.transaction(async (tx) => {
          const doc = (await tx.documents.get<{ n: number }>('counters', 'c')) ?? { n: 0 };
          await tx.documents.put('counters', 'c', { n: doc.n + 1 });
        }),
      ),
    );
    expect(await host.documents.get('counters', 'c')).toEqual({ n: 20 });
  });

  it('public events: an async runner translates each domain event into the outbox once (with its checkpoint), JetStream holds them, the relay delivers in order', async () => {
    const topic = 'orders-public';
    const translate = publicEvents({
      name: 'orders-public',
      topic,
      eventTypes: ['OrderPlaced'],
      map: (e) => ({ type: 'order.placed', data: e.data }),
    });
    const first = createProjectionRunner({ store, host, projection: translate, ...quick });
    for (let i = 0; i < 5; i++) await store.append(`order-${i}`, [{ type: 'OrderPlaced', data: { i } }], 'no_stream');
    await first.catchUp();
    // A restarted runner (another instance) finds the checkpoint: nothing translated twice.
    await createProjectionRunner({
      store: await stores.open(),
      host: (await stores.open()).projections!,
      projection: translate,
      ...quick,
    }).catchUp();
    const delivered: StoredOutboxMessage[] = [];
    const relay = createOutboxRelay({
      host,
      store,
      name: 'test-relay',
      publish: async (batch) => void delivered.push(...batch),
      batchSize: 2,
      logger: silentLogger,
    });
    await relay.drain();
    expect(delivered.filter((m) => m.topic === topic).map((m) => [m.type, (m.data as { i: number }).i])).toEqual(
      [0, 1, 2, 3, 4].map((i) => ['order.placed', i]),
    );
    expect(await relay.drain()).toBe(0);
    // Other services read them straight from JetStream, with any consumer.
    const nc = await connect({ servers: url! });
    try {
      const consumer = await jetstream(nc).consumers.get(`KV_${stores.layout.stream}_HOST`, {
        filter_subjects: `$KV.${stores.layout.stream}_HOST.ob.orders-public.>`,
        deliver_policy: DeliverPolicy.All,
      });
      const seen: unknown[] = [];
      for await (const message of await consumer.fetch({ max_messages: 5, expires: 2_000 }))
        seen.push(message.json<{ data: unknown }>().data);
      expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    } finally {
      await nc.close();
    }
  });

  it('request records: written with the append, atomically; the same request id cannot append twice', async () => {
    const metadata = { requestId: 'req-1' };
    const [a, b] = await store.appendMulti([
      { streamId: 'req-a', events: [{ type: 'T', data: 1, metadata }], expectedVersion: 'no_stream' },
      {
        streamId: 'req-b',
        events: [
          { type: 'T', data: 2 },
          { type: 'T', data: 3, metadata },
        ],
        expectedVersion: 'no_stream',
      },
    ]);
    expect(await findOutcome(host, 'req-1')).toEqual({
      kind: 'appended',
      parts: [
        { streamId: 'req-a', from: 1, to: 1, globalPosition: a!.globalPosition },
        { streamId: 'req-b', from: 2, to: 2, globalPosition: b!.globalPosition },
      ],
    });
    await expect(store.append('req-c', [{ type: 'T', data: 4, metadata }], 'any')).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_VERSION',
    });
    expect(await store.getStreamInfo('req-c')).toBeUndefined();
    // A no-op or rejection is recorded once, first one wins.
    expect(
      await host.transaction((tx) =>
        tx.documents.create('$requests', 'req-2', { kind: 'noop', streamId: 's', version: 0 }),
      ),
    ).toBe(true);
    expect(
      await host.transaction((tx) =>
        tx.documents.create('$requests', 'req-2', { kind: 'noop', streamId: 's', version: 9 }),
      ),
    ).toBe(false);
    expect(await findOutcome(host, 'req-2')).toEqual({ kind: 'noop', streamId: 's', version: 0 });
  });

  it('a lease whose holder stops renewing passes to a standby within its TTL plus one try', async () => {
    const other = (await stores.open()).projections!;
    expect(await host.leases.acquire('takeover', 'holder', 600)).toBe(true);
    expect(await other.leases.acquire('takeover', 'standby', 600)).toBe(false);
    const died = Date.now();
    while (!(await other.leases.acquire('takeover', 'standby', 600)))
      await new Promise((resolve) => setTimeout(resolve, 50));
    const takeover = Date.now() - died;
    expect(takeover).toBeGreaterThanOrEqual(550);
    expect(takeover).toBeLessThan(600 + 500);
    // The old holder cannot renew it any more.
    expect(await host.leases.acquire('takeover', 'holder', 600)).toBe(false);
  });
});
