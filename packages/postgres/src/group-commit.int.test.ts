import { randomUUID } from 'node:crypto';
import type { AppendResult, EventStore } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { pgAvailable, useTestStore } from './test/pg-test-support.js';

const available = await pgAvailable();

describe.skipIf(!available)('group commit', () => {
  const fixture = useTestStore('group', { store: { maxConcurrentAppends: 1 } });
  const { pool, schema } = fixture;
  let store: EventStore;
  beforeAll(() => {
    store = fixture.store;
  });

  it('appends grouped into one transaction keep independent outcomes', async () => {
    const taken = randomUUID();
    const existing = `existing-${randomUUID()}`;
    await store.append(existing, [{ type: 'Seed', data: {}, eventId: taken }], 'no_stream');
    const fresh = Array.from({ length: 5 }, () => `fresh-${randomUUID()}`);
    const shared = `shared-${randomUUID()}`;

    type Expect = 'ok' | 'conflict' | 'duplicate';
    const attempts: { promise: Promise<AppendResult>; expect: Expect; stream: string }[] = [];
    const add = (stream: string, expect: Expect, call: () => Promise<AppendResult>): void => {
      attempts.push({ promise: call(), expect, stream });
    };
    // With one transaction at a time, everything after the first call queues and goes as one batch.
    for (const [i, stream] of fresh.entries()) {
      add(stream, 'ok', () => store.append(stream, [{ type: 'Created', data: { i } }], 'no_stream'));
      add(stream, 'conflict', () => store.append(stream, [{ type: 'Created', data: { i, again: true } }], 'no_stream'));
      add(stream, 'duplicate', () => store.append(stream, [{ type: 'Dup', data: {} }, { type: 'Dup', data: {}, eventId: taken }], 'any'));
      add(stream, 'conflict', () => store.append(stream, [{ type: 'Late', data: {} }], 5));
    }
    for (let i = 0; i < 6; i++) add(shared, 'ok', () => store.append(shared, [{ type: 'Any', data: { i } }, { type: 'Any', data: { i, second: true } }], 'any'));
    add(existing, 'ok', () => store.append(existing, [{ type: 'Next', data: {} }], 1));

    const settled = await Promise.allSettled(attempts.map((a) => a.promise));
    settled.forEach((outcome, index) => {
      const attempt = attempts[index]!;
      if (attempt.expect === 'ok') {
        expect(outcome.status, `${index}`).toBe('fulfilled');
      } else {
        expect(outcome.status, `${index}`).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as { code: string; eventId?: string; actual?: unknown };
        if (attempt.expect === 'duplicate') {
          expect(error.code).toBe('DUPLICATE_EVENT_ID');
          expect(error.eventId).toBe(taken);
        } else {
          expect(error.code).toBe('WRONG_EXPECTED_VERSION');
          expect(error.actual).toBe(1);
        }
      }
    });

    // What the callers were told is exactly what is stored.
    for (const stream of [...fresh, shared, existing]) {
      const stored = await collect(store.readStream(stream));
      const told = attempts
        .filter((a, i) => a.stream === stream && settled[i]!.status === 'fulfilled')
        .map((a) => a.promise);
      const results = (await Promise.all(told)).flatMap((r) => r.events);
      const expected = stream === existing ? 2 : results.length;
      expect(stored).toHaveLength(expected);
      for (const event of results) expect(stored[event.streamPosition - 1]).toEqual(event);
      expect(stored.map((e) => e.streamPosition)).toEqual(stored.map((_, i) => i + 1));
    }
    const shareEvents = await collect(store.readStream(shared));
    expect(shareEvents).toHaveLength(12);
    for (let i = 0; i < 12; i += 2) expect((shareEvents[i + 1]!.data as { second?: boolean }).second).toBe(true);

    // Fewer transactions than successful appends: they really were grouped.
    const { rows } = await pool.query(
      `select count(distinct transaction_id)::int as transactions, count(*)::int as events from "${schema}".events where stream_id = any($1)`,
      [[...fresh, shared]],
    );
    expect(rows[0].events).toBe(5 + 12);
    expect(rows[0].transactions).toBeLessThan(11);
    // The global log stays in position order with each event once.
    const log = await collect(store.readAll());
    expect(new Set(log.map((e) => e.eventId)).size).toBe(log.length);
  });

  it('concurrent batches over shared streams in any order do not deadlock', async () => {
    const busy = await createPostgresStore({ pool, schema, maxConcurrentAppends: 3 });
    try {
      const streams = Array.from({ length: 4 }, () => `hot-${randomUUID()}`);
      const calls: Promise<AppendResult>[] = [];
      for (let i = 0; i < 600; i++) {
        calls.push(busy.append(streams[Math.floor(Math.random() * streams.length)]!, [{ type: 'Hot', data: { i } }], 'any'));
      }
      const settled = await Promise.allSettled(calls);
      const failures = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      // Results agree with the stored streams: positions, ids and data of every append.
      const told = (await Promise.all(calls)).flatMap((r) => r.events);
      let total = 0;
      for (const stream of streams) {
        const stored = await collect(busy.readStream(stream));
        expect(stored.map((e) => e.streamPosition)).toEqual(stored.map((_, i) => i + 1));
        total += stored.length;
      }
      expect(total).toBe(600);
      for (const event of told) {
        const [stored] = await collect(busy.readStream(event.streamId, { from: event.streamPosition, limit: 1 }));
        expect(stored).toEqual(event);
      }
      const positions = told.map((e) => e.globalPosition);
      expect(new Set(positions).size).toBe(600);
    } finally {
      await busy.close();
    }
  }, 60_000);

  it("what the store remembers of a stream's version refuses only what must fail: another instance's soft delete lets 'no_stream' through", async () => {
    const stream = `remembered-${randomUUID()}`;
    for (let i = 0; i < 3; i++) await store.append(stream, [{ type: 'N', data: { i } }], i === 0 ? 'no_stream' : i);
    // Refused from memory (version 3 was committed here): no round trip can make version 1 current again.
    await expect(store.append(stream, [{ type: 'Stale', data: {} }], 1)).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', actual: 3 });
    const other = await createPostgresStore({ pool, schema });
    try {
      await other.deleteStream(stream);
    } finally {
      await other.close();
    }
    // The database now counts the stream as absent; this store's memory must not refuse it.
    const recreated = await store.append(stream, [{ type: 'Again', data: {} }], 'no_stream');
    expect(recreated.events[0]!.streamPosition).toBe(5);
    expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['Again']);
  });
});
