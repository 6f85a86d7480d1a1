import { describe, expect, it } from 'vitest';
import { createNotifier } from './notifier.js';
import type { PgPoolLike, PgQueryConfig } from './pg-types.js';

function fakePool(): { pool: PgPoolLike; sent: unknown[][] } {
  const sent: unknown[][] = [];
  const pool = {
    query: async (config: PgQueryConfig) => {
      sent.push(config.values ?? []);
      return { rows: [] };
    },
  } as unknown as PgPoolLike;
  return { pool, sent };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('notifier', () => {
  it('notifies at once after a quiet period, then coalesces pokes within the interval into one', async () => {
    const { pool, sent } = fakePool();
    const notifier = createNotifier(pool, { text: 'select pg_notify($1, $2)', values: ['chronicle_x', 'me'] }, 30);
    notifier.poke();
    expect(sent).toEqual([['chronicle_x', 'me']]);
    for (let i = 0; i < 10; i++) notifier.poke();
    await sleep(5);
    expect(sent).toHaveLength(1);
    await sleep(60);
    expect(sent).toHaveLength(2);
    await sleep(60);
    expect(sent).toHaveLength(2);
  });

  it('flush sends a pending notification without waiting for the interval', async () => {
    const { pool, sent } = fakePool();
    const notifier = createNotifier(pool, { text: 'notify' }, 10_000);
    notifier.poke();
    notifier.poke();
    await notifier.flush();
    expect(sent).toHaveLength(2);
    await notifier.flush();
    expect(sent).toHaveLength(2);
  });

  it('a failing NOTIFY is ignored (subscribers fall back to polling)', async () => {
    const pool = { query: async () => Promise.reject(new Error('down')) } as unknown as PgPoolLike;
    const notifier = createNotifier(pool, { text: 'notify' }, 5);
    notifier.poke();
    await notifier.flush();
  });
});
