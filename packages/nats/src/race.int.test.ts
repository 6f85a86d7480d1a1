import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsStore, type NatsEventStore } from './nats-store.js';
import { deleteStreams, testNats, uniqueLayout } from './test-support/nats-test-env.js';
import { raceOnSharedStreams } from './test-support/workloads.js';

const url = await testNats('NATS race tests');
const layout = uniqueLayout('race');

describe.skipIf(!url)('NATS store: racing writers (single node)', () => {
  let stores: NatsEventStore[];

  beforeAll(async () => {
    // Two stores, two connections: racing writers do not share a head cache, as separate processes would not.
    stores = await Promise.all([0, 1].map(() => createNatsStore({ servers: url!, ...layout })));
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await deleteStreams(url!, layout.stream);
  });

  it('16 optimistic writers on 4 shared streams: 0 lost, every loser gets WRONG_EXPECTED_VERSION, no fork', async () => {
    const outcome = await raceOnSharedStreams(stores, { writers: 16, streams: 4, incrementsPerWriter: 25 });
    expect(outcome.otherErrors).toEqual([]);
    expect(outcome.acked).toBe(16 * 25);
    expect(outcome.stored).toBe(outcome.acked);
    expect(outcome.lost).toBe(0);
    expect(outcome.forked).toEqual([]);
    expect(outcome.conflicts).toBeGreaterThan(0);
  }, 60_000);

  it('rounds of 24 appends at one expected version across two connections: exactly one wins each round', async () => {
    const streamId = `race-rounds-${Date.now()}`;
    for (let round = 0; round < 10; round++) {
      const settled = await Promise.allSettled(
        Array.from({ length: 24 }, (_, w) => stores[w % 2]!.append(streamId, [{ type: 'Won', data: { round, w } }], round === 0 ? 'no_stream' : round)),
      );
      const winners = settled.filter((s) => s.status === 'fulfilled');
      const losers = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as { code?: string; actual?: unknown }) ] : []));
      expect(winners).toHaveLength(1);
      expect(losers.map((e) => e.code)).toEqual(Array(23).fill('WRONG_EXPECTED_VERSION'));
      expect(losers.every((e) => e.actual === round + 1)).toBe(true);
    }
    expect(await stores[1]!.getStreamInfo(streamId)).toEqual({ streamId, version: 10 });
  }, 60_000);
});
