import { createProjectionRunner, silentLogger } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { collect, documentsOf, perEventCounter, replayCounts } from './test/projection-fixtures.js';
import { deferred, sleep, storeWithHooks } from './test/store-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('projections and the outbox under late commits (held transactions)', () => {
  const pool = testPool();
  const holderPool = testPool(undefined, 12);
  const schema = testSchema('projgaps');
  let store: PostgresEventStore;

  beforeAll(async () => {
    store = await createPostgresStore({ pool, schema, pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await store?.close();
    await pool.end();
    await holderPool.end();
    await dropSchema(schema);
  });

  it('an async projection running live never skips an event whose transaction commits late; the read model equals a replay', async () => {
    const gate = deferred();
    const allHeld = deferred();
    let entered = 0;
    // Appends whose data says `hold` take their positions, then wait before COMMIT.
    const holder = await storeWithHooks({ pool: holderPool, schema }, async (_client, events) => {
      if (!events.some((e) => (e.data as { hold?: boolean }).hold)) return;
      if (++entered === 6) allHeld.resolve();
      await gate.promise;
    });
    const collection = 'late-counts';
    const runner = createProjectionRunner({ store, host: store.projections, projection: perEventCounter('late', collection), batchSize: 25, logger: silentLogger });
    runner.start();
    try {
      const held = Array.from({ length: 6 }, (_, i) => holder.append(`held-${i}`, [{ type: 'Held', data: { hold: true, i } }], 'any'));
      // All six hold their positions (they are past the append statement) before any later append starts.
      await allHeld.promise;
      for (let i = 0; i < 120; i++) await store.append(`later-${i % 12}`, [{ type: 'Later', data: { i } }], 'any');
      await sleep(500);
      const during = (await runner.status()).position;
      gate.resolve();
      const heldPositions = (await Promise.all(held)).map((r) => r.globalPosition);
      // While the early transactions were open the runner did not pass them (it would have skipped them for good).
      expect(during).toBeLessThan(Math.min(...heldPositions));
      for (let i = 0; i < 40; i++) await holder.append(`after-${i % 4}`, [{ type: 'After', data: { i } }], 'any');
      await runner.waitFor(await store.headPosition(), 20_000);
      expect(await documentsOf(() => store.projections.documents.find(collection))).toEqual(replayCounts(await collect(store.readAll())));
    } finally {
      await runner.stop();
      await holder.close();
    }
  }, 60_000);

  it('readOutbox never passes a message whose transaction commits late; positions are dense and in commit-safe order', async () => {
    const host = store.projections;
    const topic = 'late-topic';
    const start = (await host.readOutbox(0, 1_000_000)).at(-1)?.position ?? 0;
    const gate = deferred();
    const added = deferred();
    const slow = host.transaction(async (tx) => {
      await tx.outbox.add([{ topic, type: 'early', data: { n: 1 } }]);
      added.resolve();
      await gate.promise;
    });
    // "early" is written (its transaction has its id) before the later ones start.
    await added.promise;
    await host.transaction((tx) => tx.outbox.add([{ topic, type: 'late-1', data: { n: 2 } }]));
    await host.transaction((tx) => tx.outbox.add([{ topic, type: 'late-2', data: { n: 3 } }]));
    // The later messages are committed, but a reader taking them now would move its cursor past "early".
    expect(await host.readOutbox(start, 100)).toEqual([]);
    gate.resolve();
    await slow;
    const read = await host.readOutbox(start, 100);
    expect(read.map((m) => m.type)).toEqual(['early', 'late-1', 'late-2']);
    expect(read.map((m) => m.position)).toEqual([start + 1, start + 2, start + 3]);
    expect(await host.readOutbox(start + 3, 100)).toEqual([]);
  });
});
