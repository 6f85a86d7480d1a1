import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@chronicle/core';
import type { DurableFeed } from './durable-feed.js';
import type { NatsEventStore } from './nats-store.js';
import { testNats, testStores, type TestStores } from './test-support/nats-test-env.js';

const url = await testNats('NATS durable feed tests');

/** Handles up to `count` events of `streams` from the feed, checkpointing each, then stops. */
async function handle(feed: DurableFeed, streams: readonly string[], count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const handled: RecordedEvent[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const event of feed.events({ signal: controller.signal })) {
      if (streams.includes(event.streamId)) handled.push(event);
      await feed.checkpoint(event.globalPosition);
      if (handled.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return handled;
}

describe.skipIf(!url)('NATS store: durable feeds', () => {
  let stores: TestStores;
  let store: NatsEventStore;

  beforeAll(async () => {
    stores = testStores(url!, 'feed');
    store = await stores.open();
  });
  afterAll(() => stores.dispose());

  it('resumes after its checkpoint in a new store instance: nothing reprocessed, nothing skipped', async () => {
    const streamId = `feed-${Date.now()}`;
    await store.append(streamId, [1, 2, 3].map((n) => ({ type: 'N', data: n })), 'no_stream');
    const feed = store.feed(`projection-${streamId}`);
    expect(await feed.position()).toBe(0);
    const first = await handle(feed, [streamId], 3);
    expect(first.map((e) => e.data)).toEqual([1, 2, 3]);

    await store.append(streamId, [4, 5].map((n) => ({ type: 'N', data: n })), 3);
    const restarted = (await stores.open()).feed(`projection-${streamId}`);
    expect(await restarted.position()).toBe(first[2]!.globalPosition);
    const second = await handle(restarted, [streamId], 2);
    expect(second.map((e) => e.data)).toEqual([4, 5]);
  });

  it('fences a second instance of the same feed: its checkpoint fails with WRONG_EXPECTED_VERSION', async () => {
    const name = `fenced-${Date.now()}`;
    const a = store.feed(name);
    const b = (await stores.open()).feed(name);
    await a.position();
    await b.position();
    await a.checkpoint(10);
    await expect(b.checkpoint(20)).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 10 });
    await a.checkpoint(30);
    expect(await b.position()).toBe(30);
  });
});
