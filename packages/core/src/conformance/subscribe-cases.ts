import { expect } from 'vitest';
import type { RecordedEvent } from '../events/event.js';
import type { EventStore, SubscribeOptions } from '../store/event-store.js';
import type { ConformanceCase } from './case.js';
import { events } from './case.js';

/** Collects a subscription's events for `streams` until `count` arrived or `timeoutMs` passed. */
async function take(
  store: EventStore,
  options: SubscribeOptions,
  streams: readonly string[],
  count: number,
  timeoutMs = 15_000,
): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const received: RecordedEvent[] = [];
  try {
    for await (const event of store.subscribe({ ...options, signal: controller.signal })) {
      if (streams.includes(event.streamId)) received.push(event);
      if (received.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return received;
}

function settleSoon(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

/** Names of cases that have a mutant of their own. */
export const subscribeCaseNames = {
  endFixedAtCall:
    "'end' is fixed when subscribe is called: events appended before the first next() are delivered, " +
    'earlier ones are not',
} as const;

/** Cases for `subscribe`. */
export const subscribeCases: ConformanceCase[] = [
  {
    rule: 'subscribe',
    name: subscribeCaseNames.endFixedAtCall,
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(2, 'before'), 'no_stream');
      const controller = new AbortController();
      const subscription = store.subscribe({ after: 'end', signal: controller.signal });
      // Appended (and acknowledged) after subscribe returned, before anyone iterates.
      for (let n = 0; n < 4; n++) await store.append(id, events(1, `between-${n}`), 2 + n);
      const timer = setTimeout(() => controller.abort(), 5_000);
      const received: RecordedEvent[] = [];
      try {
        for await (const event of subscription) {
          if (event.streamId === id) received.push(event);
          if (received.length >= 4) break;
        }
      } finally {
        clearTimeout(timer);
      }
      expect(received.map((e) => e.streamPosition)).toEqual([3, 4, 5, 6]);
    },
  },
  {
    rule: 'subscribe',
    name: 'a subscription catches up from a position, then delivers live appends in order',
    async run({ store, streamId }) {
      const id = streamId();
      const head = await store.headPosition();
      await store.append(id, events(3, 'past'), 'no_stream');
      const receiving = take(store, { after: head, batchSize: 2 }, [id], 6);
      await settleSoon();
      await store.append(id, events(2, 'live1'), 3);
      await settleSoon();
      await store.append(id, events(1, 'live2'), 5);
      const received = await receiving;
      expect(received.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(received.map((e) => (e.data as { tag: string }).tag)).toEqual(['past', 'past', 'past', 'live1', 'live1', 'live2']);
    },
  },
  {
    rule: 'subscribe',
    name: "'end' starts after the current head, not at the beginning",
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(3, 'before'), 'no_stream');
      const controller = new AbortController();
      const iterator = store.subscribe({ after: 'end', signal: controller.signal })[Symbol.asyncIterator]();
      const first = iterator.next();
      await settleSoon();
      await store.append(id, events(1, 'after'), 3);
      const timeout = setTimeout(() => controller.abort(), 10_000);
      const result = await first;
      clearTimeout(timeout);
      controller.abort();
      await iterator.return?.();
      expect(result.done).toBe(false);
      expect(result.value?.streamId).toBe(id);
      expect(result.value?.streamPosition).toBe(4);
    },
  },
  {
    rule: 'subscribe',
    name: "'start' and a numeric position deliver history from that point",
    async run({ store, streamId }) {
      const id = streamId();
      const result = await store.append(id, events(4), 'no_stream');
      const fromStart = await take(store, { after: 'start' }, [id], 4);
      expect(fromStart.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4]);
      const fromMiddle = await take(store, { after: result.events[1]!.globalPosition }, [id], 2);
      expect(fromMiddle.map((e) => e.streamPosition)).toEqual([3, 4]);
    },
  },
  {
    rule: 'subscribe',
    name: 'a subscription ends when its signal aborts, and several subscribers each see every event',
    async run({ store, streamId }) {
      const id = streamId();
      const head = await store.headPosition();
      const controller = new AbortController();
      const seen: RecordedEvent[][] = [[], [], []];
      const runs = seen.map(async (list) => {
        for await (const event of store.subscribe({ after: head, signal: controller.signal })) if (event.streamId === id) list.push(event);
      });
      for (let i = 0; i < 5; i++) await store.append(id, events(1, `n${i}`), i);
      const deadline = Date.now() + 10_000;
      while (seen.some((list) => list.length < 5) && Date.now() < deadline) await settleSoon();
      controller.abort();
      await Promise.all(runs);
      for (const list of seen) expect(list.map((e) => e.streamPosition)).toEqual([1, 2, 3, 4, 5]);
    },
  },
  {
    rule: 'subscribe',
    name: 'a subscriber running during concurrent writes receives every event exactly once',
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const ids = Array.from({ length: 4 }, () => streamId('w'));
      const head = await store.headPosition();
      const total = ids.length * 30 * 2;
      const receiving = take(store, { after: head, batchSize: 16 }, ids, total, 30_000);
      const acked: string[] = [];
      await Promise.all(
        ids.map(async (id) => {
          for (let n = 0; n < 30; n++) acked.push(...(await store.append(id, events(2, `${n}`), n * 2)).events.map((e) => e.eventId));
        }),
      );
      const received = await receiving;
      expect(received).toHaveLength(total);
      expect(new Set(received.map((e) => e.eventId))).toEqual(new Set(acked));
      const globals = received.map((e) => e.globalPosition);
      for (let i = 1; i < globals.length; i++) expect(globals[i]).toBeGreaterThan(globals[i - 1]!);
    },
  },
];

/** Cases for `close`. Each gets its own store instance, which it closes. */
export const closeCases: ConformanceCase[] = [
  {
    rule: 'close',
    name: 'closing the store ends subscriptions and refuses later calls with STORE_CLOSED',
    async run({ store, streamId }) {
      const id = streamId();
      await store.append(id, events(1), 'no_stream');
      let ended = false;
      const running = (async () => {
        for await (const _event of store.subscribe({ after: 'end' })) {
          // Nothing is appended after the subscription starts.
        }
        ended = true;
      })();
      await settleSoon();
      await store.close();
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      expect(ended).toBe(true);
      const codeOf = async (call: () => Promise<unknown>): Promise<unknown> => {
        try {
          await call();
          return 'resolved';
        } catch (error) {
          return (error as { code?: unknown }).code;
        }
      };
      expect(await codeOf(() => store.append(id, events(1), 'any'))).toBe('STORE_CLOSED');
      expect(await codeOf(() => store.getStreamInfo(id))).toBe('STORE_CLOSED');
      expect(await codeOf(async () => store.readStream(id)[Symbol.asyncIterator]().next())).toBe('STORE_CLOSED');
      await store.close();
    },
  },
];
