import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance/case.js';
import { createInMemoryStore } from '../store/in-memory-store.js';
import { archive } from './archiver.js';
import { createFileColdStore } from './file-cold-store.js';
import { createTieredStore } from './tiered-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function tiered() {
  const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-tiers-'));
  dirs.push(dir);
  let now = new Date('2026-01-01T00:00:00Z');
  const hot = createInMemoryStore({ clock: () => now });
  const cold = createFileColdStore({ dir });
  await hot.append(
    'order-1',
    [
      { type: 'Placed', data: {} },
      { type: 'Paid', data: {} },
    ],
    'no_stream',
  );
  await hot.append('invoice-1', [{ type: 'Paid', data: {} }], 'no_stream');
  now = new Date('2026-06-01T00:00:00Z');
  await archive({ hot, cold, policy: { olderThanMs: 86_400_000 }, now });
  await hot.append('order-2', [{ type: 'Paid', data: {} }], 'no_stream');
  return createTieredStore({ hot, cold });
}

describe('tiered store: global-log options', () => {
  it('filters archived events as the hot store filters its own, and honours before', async () => {
    const store = await tiered();
    const paid = await collect(store.readAll({ filter: { eventTypes: ['Paid'] } }));
    expect(paid.map((e) => e.streamId)).toEqual(['order-1', 'invoice-1', 'order-2']);
    const orders = await collect(store.readAll({ filter: { streamIdPrefixes: ['order-'] }, limit: 2 }));
    expect(orders.map((e) => e.type)).toEqual(['Placed', 'Paid']);
    expect((await collect(store.readAll({ before: 3 }))).map((e) => e.globalPosition)).toEqual([1, 2]);
  });

  it('refuses a backwards read with NOT_SUPPORTED (its cold tier reads forwards only)', async () => {
    const store = await tiered();
    expect(() => store.readAll({ direction: 'backwards' })).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
  });
});
