import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, openPostgresStore } from './postgres-store.js';
import { dropSchema, pgAvailable, testPool, testSchema, useNeighbour } from './test/pg-test-support.js';
import { deferred, record, sleep, storeWithHooks } from './test/store-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('gap-safe global order (held transactions)', () => {
  // Foreign transactions, held and short, all along: the horizon must ignore them and still never skip.
  useNeighbour();
  const pool = testPool();
  const schema = testSchema('gaps');
  // A long poll interval proves that wake-ups come from notifications, not polling.
  const options = { pool, schema, pollIntervalMs: 60_000 };
  let plain: EventStore;

  beforeAll(async () => {
    plain = await createPostgresStore(options);
  });
  afterAll(async () => {
    await plain?.close();
    await pool.end();
    await dropSchema(schema);
  });

  /** A store whose appends to `held` streams stop before COMMIT until released (or failed). */
  async function holdingStore() {
    const entered = deferred<RecordedEvent[]>();
    const gate = deferred();
    const store = await storeWithHooks(options, async (_client, events) => {
      if (!events[0]!.streamId.startsWith('held-')) return;
      entered.resolve([...events]);
      await gate.promise;
    });
    return { store, entered: entered.promise, release: () => gate.resolve(), fail: (error: Error) => gate.reject(error) };
  }

  async function ours(after: number, streams: readonly string[]): Promise<RecordedEvent[]> {
    return (await collect(plain.readAll({ after }))).filter((e) => streams.includes(e.streamId));
  }

  it('a reader does not pass an uncommitted lower position; it sees both once the holder commits', async () => {
    const [a, b] = [`held-${randomUUID()}`, `b-${randomUUID()}`];
    const head = await plain.headPosition();
    const holder = await holdingStore();
    const watcher = record(plain, { after: head }, (e) => e.streamId === a || e.streamId === b);
    try {
      const appendingA = holder.store.append(a, [{ type: 'A', data: { n: 1 } }, { type: 'A', data: { n: 2 } }], 'no_stream');
      const heldEvents = await holder.entered;
      const committedB = await plain.append(b, [{ type: 'B', data: {} }], 'no_stream');
      expect(committedB.globalPosition).toBeGreaterThan(heldEvents[1]!.globalPosition);

      // B is committed, but A holds lower positions: nothing after `head` may be read yet.
      await sleep(300);
      expect(await ours(head, [a, b])).toEqual([]);
      expect(await plain.headPosition()).toBe(head);
      expect(watcher.received).toEqual([]);
      // A subscription from 'end' taken now must start before A's positions. Release A only once it has
      // read its start: released earlier, it may rightly start after all three and receive none.
      const started = deferred<number>();
      const endStore = await openPostgresStore(options, { onSubscriptionStart: (position) => started.resolve(position) });
      const fromEnd = record(endStore, { after: 'end' }, (e) => e.streamId === a || e.streamId === b);
      expect(await started.promise).toBe(head);

      holder.release();
      const committedA = await appendingA;
      await watcher.waitFor(3, 5_000);
      await fromEnd.waitFor(3, 5_000);
      const expected = [...committedA.events, ...committedB.events].map((e) => e.eventId);
      expect(watcher.received.map((e) => e.eventId)).toEqual(expected);
      expect(fromEnd.received.map((e) => e.eventId)).toEqual(expected);
      expect((await ours(head, [a, b])).map((e) => e.eventId)).toEqual(expected);
      expect(await plain.headPosition()).toBe(committedB.globalPosition);
      await sleep(100);
      expect(watcher.received).toHaveLength(3);
      await fromEnd.stop();
      await endStore.close();
    } finally {
      await watcher.stop();
      await holder.store.close();
    }
  });

  it('a rolled-back holder does not stall readers: the later commit is delivered without waiting for a poll', async () => {
    const [a, b] = [`held-${randomUUID()}`, `b-${randomUUID()}`];
    const head = await plain.headPosition();
    const holder = await holdingStore();
    const watcher = record(plain, { after: head }, (e) => e.streamId === a || e.streamId === b);
    try {
      const appendingA = holder.store.append(a, [{ type: 'A', data: {} }], 'no_stream');
      await holder.entered;
      const committedB = await plain.append(b, [{ type: 'B', data: {} }], 'no_stream');
      await sleep(200);
      expect(watcher.received).toEqual([]);
      holder.fail(new Error('projection failed'));
      await expect(appendingA).rejects.toThrow('projection failed');
      await watcher.waitFor(1, 5_000);
      expect(watcher.received.map((e) => e.eventId)).toEqual([committedB.events[0]!.eventId]);
      expect(await plain.getStreamInfo(a)).toBeUndefined();
      expect(await plain.headPosition()).toBe(committedB.globalPosition);
    } finally {
      await watcher.stop();
      await holder.store.close();
    }
  });

  it('8 writers with random in-transaction delays and rollbacks, 20k events: subscribers get every event exactly once, in order', async () => {
    const TOTAL = 20_000;
    const WRITERS = 8;
    const runId = randomUUID().slice(0, 8);
    const isOurs = (e: RecordedEvent): boolean => e.streamId.startsWith(`load-${runId}-`);
    const head = await plain.headPosition();
    // Writers share one store whose transactions pause 0-4 ms before COMMIT and roll back 3% of the time.
    const writerStore = await storeWithHooks(options, async (_client, events) => {
      if (!isOurs(events[0]!)) return;
      const roll = Math.random();
      if (roll < 0.5) await sleep(Math.floor(roll * 8));
      if (roll > 0.97) throw new Error('random rollback');
    });
    // One subscriber in the writers' store (woken in-process), one in another store (woken by LISTEN/NOTIFY only).
    const local = record(writerStore, { after: head, batchSize: 64 }, isOurs);
    const remote = record(plain, { after: head, batchSize: 300 }, isOurs);
    const acked: string[] = [];
    let written = 0;
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          while (written < TOTAL) {
            const size = Math.min(1 + Math.floor(Math.random() * 10), TOTAL - written);
            written += size;
            const stream = `load-${runId}-${w}-${Math.floor(Math.random() * 4)}`;
            try {
              const result = await writerStore.append(stream, Array.from({ length: size }, (_, i) => ({ type: 'Load', data: { w, i } })), 'any');
              acked.push(...result.events.map((e) => e.eventId));
            } catch (error) {
              if ((error as Error).message !== 'random rollback') throw error;
              written -= size;
            }
          }
        }),
      );
      expect(acked).toHaveLength(TOTAL);
      await local.waitFor(TOTAL, 30_000);
      await remote.waitFor(TOTAL, 30_000);
      await sleep(100);
      const ackedSet = new Set(acked);
      for (const recorder of [local, remote]) {
        const ids = recorder.received.map((e) => e.eventId);
        expect(ids).toHaveLength(TOTAL);
        expect(new Set(ids).size).toBe(TOTAL);
        expect(ids.every((id) => ackedSet.has(id))).toBe(true);
        const positions = recorder.received.map((e) => e.globalPosition);
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
      }
      const read = (await collect(plain.readAll({ after: head }))).filter(isOurs);
      expect(read.map((e) => e.eventId)).toEqual(remote.received.map((e) => e.eventId));
    } finally {
      await local.stop();
      await remote.stop();
      await writerStore.close();
    }
  }, 90_000);
});

if (!available) console.warn('[@chronicle/postgres] gap-safety tests skipped: PostgreSQL unreachable');
