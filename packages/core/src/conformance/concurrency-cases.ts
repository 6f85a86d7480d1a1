import { expect } from 'vitest';
import type { AppendResult } from '../store/event-store.js';
import type { ConformanceCase } from './case.js';
import { collect, events, streamData } from './case.js';

const WRITERS = 20;

function outcomes(settled: PromiseSettledResult<unknown>[]): { winners: number[]; losers: unknown[] } {
  const winners: number[] = [];
  const losers: unknown[] = [];
  settled.forEach((result, index) => (result.status === 'fulfilled' ? winners.push(index) : losers.push(result.reason)));
  return { winners, losers };
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

/** Cases for `concurrency`. */
export const concurrencyCases: ConformanceCase[] = [
  {
    rule: 'concurrency',
    name: `${WRITERS} concurrent appends at the same exact version: exactly one wins, losers store nothing`,
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(1, 'seed'), 'no_stream');
      const settled = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, writer) => store.append(id, events(3, `writer-${writer}`), 1)),
      );
      const { winners, losers } = outcomes(settled);
      expect(winners).toHaveLength(1);
      expect(losers.map(codeOf)).toEqual(Array(WRITERS - 1).fill('WRONG_EXPECTED_VERSION'));
      expect(await streamData(store, id)).toEqual([...events(1, 'seed'), ...events(3, `writer-${winners[0]}`)]);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 4 });
    },
  },
  {
    rule: 'concurrency',
    name: `${WRITERS} concurrent 'no_stream' creations of one stream: exactly one wins`,
    async run({ store, streamId }) {
      const id = streamId();
      const settled = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, writer) => store.append(id, events(2, `creator-${writer}`), 'no_stream')),
      );
      const { winners, losers } = outcomes(settled);
      expect(winners).toHaveLength(1);
      expect(losers.map(codeOf)).toEqual(Array(WRITERS - 1).fill('WRONG_EXPECTED_VERSION'));
      expect(await streamData(store, id)).toEqual(events(2, `creator-${winners[0]}`));
    },
  },
  {
    rule: 'concurrency',
    name: "concurrent 'any' appends to one stream all land with contiguous positions",
    async run({ store, streamId }) {
      const id = streamId();
      const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => store.append(id, events(2, `w${w}`), 'any')));
      const stored = await collect(store.readStream(id));
      expect(stored.map((e) => e.streamPosition)).toEqual(Array.from({ length: WRITERS * 2 }, (_, i) => i + 1));
      // Each append's two events are adjacent and in order: appends are atomic.
      for (const result of results) {
        const [first, second] = result.events;
        expect(second!.streamPosition).toBe(first!.streamPosition + 1);
        expect(stored[first!.streamPosition - 1]!.eventId).toBe(first!.eventId);
      }
      expect(new Set(stored.map((e) => e.eventId)).size).toBe(WRITERS * 2);
    },
  },
  {
    rule: 'concurrency',
    name: 'optimistic writers racing on shared streams lose no update',
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const ids = Array.from({ length: 5 }, () => streamId('counter'));
      let acked = 0;
      const writer = async (writerIndex: number): Promise<void> => {
        for (let n = 0; n < 20; n++) {
          const id = ids[(writerIndex + n) % ids.length]!;
          for (;;) {
            const version = (await store.getStreamInfo(id))?.version ?? 0;
            try {
              const result: AppendResult = await store.append(id, [{ type: 'Incremented', data: { writerIndex, n } }], version);
              expect(result.nextExpectedVersion).toBe(version + 1);
              acked++;
              break;
            } catch (error) {
              if (codeOf(error) !== 'WRONG_EXPECTED_VERSION') throw error;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      let stored = 0;
      for (const id of ids) {
        const stream = await collect(store.readStream(id));
        expect(stream.map((e) => e.streamPosition)).toEqual(stream.map((_, i) => i + 1));
        stored += stream.length;
      }
      expect(acked).toBe(160);
      expect(stored).toBe(160);
    },
  },
];
