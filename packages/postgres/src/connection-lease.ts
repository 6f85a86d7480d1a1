import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';
import { connectionSurvives } from './pool.js';

/** Runs work on a connection, like `withClient`, but keeps recently used connections checked out. */
export type ConnectionLease = {
  readonly use: <T>(work: (client: PgClientLike, discard: () => void) => Promise<T>) => Promise<T>;
  /** Returns every kept connection to the pool (before the pool ends). */
  readonly close: () => void;
};

type Held = { readonly client: PgClientLike; broken?: Error; parkedAt: number; readonly onError: (error: Error) => void };

/**
 * The append path's connections. Checking a connection out of `pg`'s pool
 * and back costs about 0.1 ms per append on a busy machine, a sixth of a
 * whole single append; so a connection that just served an append stays
 * checked out and serves the next one directly, until it has been idle for
 * `lingerMs` (one sweep timer returns idle connections, between `lingerMs`
 * and twice that after their last use: no timer per append). Up to `keep`
 * connections are kept; a connection that fails is destroyed, never kept.
 */
export function createConnectionLease(pool: PgPoolLike, keep: number, lingerMs = 1_000): ConnectionLease {
  const idle: Held[] = [];
  let closed = false;
  let sweeper: NodeJS.Timeout | undefined;

  function give(held: Held): void {
    held.client.removeListener('error', held.onError);
    held.client.release(held.broken);
  }

  function sweep(): void {
    const cutoff = Date.now() - lingerMs;
    for (let i = idle.length - 1; i >= 0; i--) {
      if (idle[i]!.parkedAt <= cutoff) give(idle.splice(i, 1)[0]!);
    }
    if (idle.length === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  function park(held: Held): void {
    if (held.broken || closed || idle.length >= keep) return give(held);
    held.parkedAt = Date.now();
    idle.push(held);
    if (!sweeper) {
      sweeper = setInterval(sweep, lingerMs);
      sweeper.unref();
    }
  }

  /** The most recently used kept connection, if any (synchronous: no await on the hot path). */
  function takeIdle(): Held | undefined {
    for (let held = idle.pop(); held; held = idle.pop()) {
      if (!held.broken) return held;
      give(held);
    }
    return undefined;
  }

  async function connect(): Promise<Held> {
    let client: PgClientLike;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error, false);
    }
    const held: Held = {
      client,
      parkedAt: 0,
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
      const held = takeIdle() ?? (await connect());
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
      clearInterval(sweeper);
      sweeper = undefined;
      for (const held of idle.splice(0)) give(held);
    },
  };
}
