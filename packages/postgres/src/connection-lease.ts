import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';
import { connectionSurvives } from './pool.js';

/** Runs work on a connection, like `withClient`, but keeps recently used connections checked out. */
export type ConnectionLease = {
  readonly use: <T>(work: (client: PgClientLike, discard: () => void) => Promise<T>) => Promise<T>;
  /** Returns every kept connection to the pool (before the pool ends). */
  readonly close: () => void;
};

type Held = { readonly client: PgClientLike; broken?: Error; timer?: NodeJS.Timeout; readonly onError: (error: Error) => void };

/**
 * The append path's connections. Checking a connection out of `pg`'s pool
 * and back costs about 0.1 ms per append on a busy machine, a sixth of a
 * whole single append; so a connection that just served an append stays
 * checked out for `lingerMs` and serves the next one directly. Up to `keep`
 * connections are kept; a connection that fails is destroyed, never kept.
 */
export function createConnectionLease(pool: PgPoolLike, keep: number, lingerMs = 1_000): ConnectionLease {
  const idle: Held[] = [];
  let closed = false;

  function give(held: Held): void {
    clearTimeout(held.timer);
    held.client.removeListener('error', held.onError);
    held.client.release(held.broken);
  }

  function park(held: Held): void {
    if (held.broken || closed || idle.length >= keep) return give(held);
    held.timer = setTimeout(() => {
      const index = idle.indexOf(held);
      if (index !== -1) idle.splice(index, 1);
      give(held);
    }, lingerMs);
    held.timer.unref();
    idle.push(held);
  }

  async function take(): Promise<Held> {
    for (let held = idle.pop(); held; held = idle.pop()) {
      clearTimeout(held.timer);
      if (!held.broken) return held;
      give(held);
    }
    let client: PgClientLike;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error, false);
    }
    const held: Held = {
      client,
      onError: (error: Error) => {
        held.broken ??= error;
        // A kept connection that dies while idle leaves at once.
        const index = idle.indexOf(held);
        if (index !== -1) {
          idle.splice(index, 1);
          give(held);
        }
      },
    };
    client.on('error', held.onError);
    return held;
  }

  return {
    async use(work) {
      const held = await take();
      try {
        return await work(held.client, () => {
          held.broken ??= new Error('connection discarded');
        });
      } catch (error) {
        if (!connectionSurvives(error)) held.broken ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        park(held);
      }
    },
    close() {
      closed = true;
      for (const held of idle.splice(0)) give(held);
    },
  };
}
