import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archive, createFileColdStore, createTieredStore, type EventStore, type FallbackNotice, type RecordedEvent } from '@chronicle/core';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-archive');
afterAll(files.remove);

const OLD = 15_000;
const RECENT = 5_000;
const STREAMS = 100;

async function all(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const items: RecordedEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Every stream and the global log, in a comparable form. */
async function snapshotOf(store: EventStore): Promise<{ streams: Record<string, unknown[]>; global: unknown[] }> {
  const plain = (events: readonly RecordedEvent[]) => events.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() }));
  const streams: Record<string, unknown[]> = {};
  for (let s = 0; s < STREAMS; s++) streams[`s-${s}`] = plain(await all(store.readStream(`s-${s}`)));
  return { streams, global: plain(await all(store.readAll())) };
}

async function fill(store: EventStore, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += 500) {
    await store.appendMulti(
      Array.from({ length: 5 }, (_, k) => ({
        streamId: `s-${(i / 100 + k) % STREAMS}`,
        events: Array.from({ length: 100 }, (_, j) => ({ type: 'Logged', data: { n: i + k * 100 + j, text: 'x'.repeat(200) } })),
        expectedVersion: 'any' as const,
      })),
    );
  }
}

describe('hot/cold tiers over SQLite', () => {
  it(`archives ${OLD} of ${OLD + RECENT} events: reads are identical (also after reopening), the hot file shrinks, a closed hot store falls back to cold`, { timeout: 120_000 }, async () => {
    const path = files.file('hot.db');
    const dir = join(files.dir, 'cold');
    let hot = createSqliteStore({ path, synchronous: 'NORMAL' });
    await fill(hot, 0, OLD);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fill(hot, OLD, RECENT);
    const before = await snapshotOf(hot);
    expect(before.global).toHaveLength(OLD + RECENT);
    const sizeBefore = statSync(path).size;

    const report = await archive({ hot, cold: createFileColdStore({ dir }), policy: { olderThanMs: 0 }, now: cutoff, batchSize: 4_000 });
    expect(report).toMatchObject({ scanned: OLD + RECENT, archived: OLD });
    expect(await all(hot.readAllStored())).toHaveLength(RECENT);
    // The hot file really shrank (VACUUM): to well under half, since three quarters of the events left.
    expect(report.hotBytesAfter).toBeLessThan(report.hotBytesBefore);
    const sizeAfter = statSync(path).size;
    expect(sizeAfter).toBeLessThan(sizeBefore * 0.5);
    expect(await hot.headPosition()).toBe(OLD + RECENT);

    expect(await snapshotOf(createTieredStore({ hot, cold: createFileColdStore({ dir }) }))).toEqual(before);
    // Reopened, both tiers: the same history.
    await hot.close();
    hot = createSqliteStore({ path });
    const tiered = createTieredStore({ hot, cold: createFileColdStore({ dir }) });
    expect(await snapshotOf(tiered)).toEqual(before);
    // Appends continue where the streams were; positions are never reused.
    const next = await tiered.append('s-0', [{ type: 'Logged', data: { n: -1 } }], 'any');
    expect(next.globalPosition).toBe(OLD + RECENT + 1);
    expect(next.events[0]!.streamPosition).toBe((before.streams['s-0'] as unknown[]).length + 1);

    // The hot store goes away: history reads are served from cold storage, and say so.
    const notices: FallbackNotice[] = [];
    const degraded = createTieredStore({ hot, cold: createFileColdStore({ dir }), onFallback: (notice) => notices.push(notice) });
    await hot.close();
    const stream = await all(degraded.readStream('s-1'));
    expect(stream.length).toBeGreaterThan(0);
    expect(stream.map((e) => e.streamPosition)).toEqual(stream.map((_, i) => i + 1));
    expect(await all(degraded.readAll())).toHaveLength(OLD);
    expect(notices.map((n) => [n.operation, (n.error as { code?: string }).code])).toEqual([
      ['readStream', 'STORE_CLOSED'],
      ['readAll', 'STORE_CLOSED'],
    ]);
    expect(degraded.tiers.fallbacks()).toBe(2);
  });
});
