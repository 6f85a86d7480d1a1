import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { pgAvailable, useNeighbour, useTestStore } from './test/pg-test-support.js';
import { deferred, record } from './test/store-fixtures.js';

const available = await pgAvailable();

const positions = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.globalPosition);
const batch = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ type: 'Counted', data: { tag, i } }));

/**
 * Subscriptions at the live tail are served by one reader that hands every
 * page to all of them (see `subscription.ts`); a subscription that falls
 * behind leaves it and reads on its own, one that catches up joins it.
 */
describe.skipIf(!available)('subscriptions at the live tail share one reader', () => {
  useNeighbour();
  // A long poll interval: wake-ups come from the store's commits, not from polling.
  const fixture = useTestStore('tail', { store: { pollIntervalMs: 60_000 } });

  it('a subscriber that stops reading falls behind without holding the others, then gets every event in order', async () => {
    const { store } = fixture;
    const tag = randomUUID().slice(0, 8);
    const mine = (e: RecordedEvent): boolean => e.streamId.startsWith(tag);
    const head = await store.headPosition();
    const fast = record(store, { after: head }, mine);
    const paused = deferred();
    const slow: RecordedEvent[] = [];
    const controller = new AbortController();
    const slowRun = (async () => {
      for await (const event of store.subscribe({ after: head, signal: controller.signal })) {
        if (!mine(event)) continue;
        slow.push(event);
        if (slow.length === 1) await paused.promise; // stops reading while 5,000 more events arrive
        if (slow.length === 5_001) return;
      }
    })();
    try {
      const acknowledged = [(await store.append(`${tag}-0`, batch(1, tag), 'no_stream')).globalPosition];
      await fast.waitFor(1);
      // Five appends of 1,000: more than the tail queues for a subscriber that does not read.
      for (let i = 1; i <= 5; i++) {
        const result = await store.append(`${tag}-${i}`, batch(1_000, tag), 'no_stream');
        for (let p = result.globalPosition - 999; p <= result.globalPosition; p++) acknowledged.push(p);
      }
      await fast.waitFor(5_001);
      expect(positions(fast.received)).toEqual(acknowledged);
      expect(slow).toHaveLength(1);
      paused.resolve();
      await slowRun;
      expect(positions(slow)).toEqual(acknowledged);
      // The slow one caught up and follows again: both get the next event.
      const later = await store.append(`${tag}-later`, batch(1, tag), 'no_stream');
      await fast.waitFor(5_002);
      expect(fast.received.at(-1)!.globalPosition).toBe(later.globalPosition);
    } finally {
      paused.resolve();
      controller.abort();
      await fast.stop();
    }
  });

  it('subscriptions that start behind catch up and follow; one that starts after every follower left restarts the tail', async () => {
    const { store } = fixture;
    const tag = randomUUID().slice(0, 8);
    const mine = (e: RecordedEvent): boolean => e.streamId.startsWith(tag);
    const head = await store.headPosition();
    const acknowledged: number[] = [];
    const append = async (n: number): Promise<void> => {
      const result = await store.append(`${tag}-${acknowledged.length}`, batch(n, tag), 'no_stream');
      for (let p = result.globalPosition - n + 1; p <= result.globalPosition; p++) acknowledged.push(p);
    };
    const first = record(store, { after: head }, mine);
    await append(3);
    await first.waitFor(3);
    // Joins while `first` follows at a later position: reads history on its own, then follows.
    const behind = record(store, { after: head, batchSize: 2 }, mine);
    await behind.waitFor(3);
    await append(2);
    await Promise.all([first.waitFor(5), behind.waitFor(5)]);
    await Promise.all([first.stop(), behind.stop()]);
    // Nobody follows now; a new subscription from the start moves the tail to wherever it caught up.
    await append(4);
    const again = record(store, { after: head }, mine);
    await again.waitFor(9);
    await append(1);
    await again.waitFor(10);
    await again.stop();
    expect(positions(first.received)).toEqual(acknowledged.slice(0, 5));
    expect(positions(behind.received)).toEqual(acknowledged.slice(0, 5));
    expect(positions(again.received)).toEqual(acknowledged);
  });
});
