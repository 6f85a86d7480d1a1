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

/** Options of {@link createConnectionLease}. */
export type ConnectionLeaseOptions = {
  /** Connections kept checked out while idle. */
  readonly keep: number;
  /** Most connections in use at once; further `use` calls wait their turn, in order (default: unlimited). */
  readonly maxActive?: number;
  /** How long an idle connection is kept (default 1 s). */
  readonly lingerMs?: number;
};

/**
 * A path's connections (appends, reads). Checking a connection out of `pg`'s
 * pool and back costs about 0.1 ms per append on a busy machine, a sixth of a
 * whole single append; so a connection that just served stays checked out and
 * serves the next call directly, until it has been idle for `lingerMs` (one
 * sweep timer returns idle connections, between `lingerMs` and twice that after
 * their last use: no timer per call). Up to `keep` connections are kept; a
 * connection that fails is destroyed, never kept. A kept connection is never
 * hoarded while someone waits for the pool (`pg.Pool`'s `waitingCount`): it
 * goes back at once. With `maxActive`, at most that many connections are in
 * use at once, whatever the number of callers (subscriptions, readers): the
 * rest of the pool stays free for other paths.
 */
export function createConnectionLease(pool: PgPoolLike, options: ConnectionLeaseOptions): ConnectionLease {
  const { keep, maxActive = Number.POSITIVE_INFINITY, lingerMs = 1_000 } = options;
  const idle: Held[] = [];
  /** Callers waiting for a turn when `maxActive` connections are in use, oldest first. */
  const turns: (() => void)[] = [];
  let active = 0;
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
    if (held.broken || closed || idle.length >= keep || (pool.waitingCount ?? 0) > 0) return give(held);
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

  /** Resolves when this caller may use a connection (at once below `maxActive`). */
  function turn(): Promise<void> | undefined {
    if (active < maxActive) {
      active++;
      return undefined;
    }
    return new Promise((resolve) => turns.push(resolve));
  }

  /** Hands the finished caller's turn to the oldest waiter, or frees it. */
  function endTurn(): void {
    const next = turns.shift();
    if (next) next();
    else active--;
  }

  return {
    async use(work) {
      const waiting = turn();
      if (waiting) await waiting;
      let held: Held;
      try {
        held = takeIdle() ?? (await connect());
      } catch (error) {
        endTurn();
        throw error;
      }
      try {
        return await work(held.client, () => {
          held.broken ??= new Error('connection discarded');
        });
      } catch (error) {
        if (!connectionSurvives(error)) held.broken ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        park(held);
        endTurn();
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
