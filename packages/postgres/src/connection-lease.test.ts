import { describe, expect, it } from 'vitest';
import { createConnectionLease } from './connection-lease.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';
import { deferred } from './test/store-fixtures.js';

/** A stand-in pool that counts checkouts and lets a test say how many callers wait for it. */
function fakePool() {
  const state = { checkedOut: 0, checkouts: 0, released: 0, waitingCount: 0 };
  const pool = {
    get waitingCount() {
      return state.waitingCount;
    },
    async connect() {
      state.checkedOut++;
      state.checkouts++;
      return {
        on: () => undefined,
        removeListener: () => undefined,
        release: () => {
          state.checkedOut--;
          state.released++;
        },
      } as unknown as PgClientLike;
    },
  } as unknown as PgPoolLike;
  return { pool, state };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('connection lease', () => {
  it('runs at most maxActive callers at once, the others in arrival order', async () => {
    const { pool, state } = fakePool();
    const lease = createConnectionLease(pool, { keep: 1, maxActive: 2 });
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, () => deferred());
    let running = 0;
    let peak = 0;
    const calls = gates.map((gate, i) =>
      lease.use(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await gate.promise;
        running--;
      }),
    );
    await tick();
    expect(order).toEqual([0, 1]);
    for (const gate of gates) {
      gate.resolve();
      await tick();
    }
    await Promise.all(calls);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(state.checkedOut).toBe(1); // one kept
    lease.close();
    expect(state.checkedOut).toBe(0);
  });

  it('keeps an idle connection, but gives it back at once while someone waits for the pool', async () => {
    const { pool, state } = fakePool();
    const lease = createConnectionLease(pool, { keep: 2 });
    await lease.use(async () => undefined);
    expect(state.checkedOut).toBe(1);
    await lease.use(async () => undefined);
    expect(state.checkouts).toBe(1); // the kept one served again
    state.waitingCount = 1;
    await lease.use(async () => undefined);
    expect(state.checkedOut).toBe(0);
    lease.close();
  });

  it('a failed checkout frees the turn', async () => {
    const lease = createConnectionLease({ connect: () => Promise.reject(new Error('down')) } as unknown as PgPoolLike, { keep: 1, maxActive: 1 });
    await expect(lease.use(async () => 1)).rejects.toThrow('down');
    // With its only turn still taken, this one would wait forever.
    await expect(lease.use(async () => 1)).rejects.toThrow('down');
  });
});
