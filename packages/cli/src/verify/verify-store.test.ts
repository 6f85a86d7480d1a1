import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archive, createFileColdStore, createInMemoryStore, type RecordedEvent } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { mergeLogs } from './merge-logs.js';
import { verifyStore } from './verify-store.js';

async function seeded() {
  const store = createInMemoryStore();
  for (let i = 0; i < 30; i++) await store.append(`s-${i % 3}`, [{ type: 'E', data: { i } }], 'any');
  return store;
}

describe('verifyStore', () => {
  it('passes a healthy store and counts its events and streams', async () => {
    expect(await verifyStore(await seeded())).toEqual({ ok: true, events: 30, streams: 3, problems: [], problemCount: 0 });
  });

  it('checks both tiers after an archive, and reports a damaged segment', async () => {
    const store = await seeded();
    const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-verify-'));
    const cold = createFileColdStore({ dir });
    await archive({ hot: store, cold, policy: { olderThanMs: 0 }, batchSize: 10, now: new Date(Date.now() + 1_000) });
    const withoutCold = await verifyStore(store);
    expect(withoutCold.ok).toBe(false);
    expect(await verifyStore(store, { cold })).toMatchObject({ ok: true, events: 30, cold: { segments: 3, events: 30 } });

    const segments = path.join(dir, 'segments');
    appendFileSync(path.join(segments, readdirSync(segments).sort()[1]!), 'garbage');
    const damaged = await verifyStore(store, { cold: createFileColdStore({ dir }) });
    expect(damaged.ok).toBe(false);
    expect(damaged.problems[0]).toMatch(/^cold: seg-000002-.*: checksum [0-9a-f]+ != [0-9a-f]+$/);
  });
});

describe('mergeLogs', () => {
  it('merges two ordered logs by global position, once per position', async () => {
    const at = (globalPosition: number) => ({ globalPosition }) as RecordedEvent;
    async function* log(...positions: number[]) {
      for (const p of positions) yield at(p);
    }
    const merged: number[] = [];
    for await (const e of mergeLogs(log(1, 3, 4, 8), log(2, 4, 5, 9, 10))) merged.push(e.globalPosition);
    expect(merged).toEqual([1, 2, 3, 4, 5, 8, 9, 10]);
  });
});
