import type { Leases } from '@chronicle/core';
import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';

/** The lease API of a PostgreSQL store, plus what the store needs to shut it down. */
export type AdvisoryLeases = Leases & {
  /** Ends the lease session: every lease held here is released with it. */
  close(): void;
};

export type AdvisoryLeaseOptions = {
  readonly pool: PgPoolLike;
  /** Part of every lock key, so that stores in different schemas never contend. */
  readonly schema: string;
  readonly assertOpen: () => void;
};

const key = (schema: string): string => `chronicle-lease:${schema}`;
const TRY_LOCK = 'select pg_try_advisory_lock(hashtext($1), hashtext($2))';
const UNLOCK = 'select pg_advisory_unlock(hashtext($1), hashtext($2))';
// Held by this session: the lock itself, not a row that outlives the holder.
const HOLDS = `select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted
  and classid = (hashtext($1)::bigint & 4294967295)::oid
  and objid = (hashtext($2)::bigint & 4294967295)::oid
  and objsubid = 2)`;
/** A dead peer (host gone, no FIN) is noticed in about 5 s instead of the kernel's default two hours. */
const KEEPALIVE = 'set tcp_keepalives_idle = 2; set tcp_keepalives_interval = 1; set tcp_keepalives_count = 3';

/**
 * Projection leases as PostgreSQL session advisory locks (as Marten's async
 * daemon holds its projections): a lease lives exactly as long as the
 * database session that took it. When the holding process dies (crash,
 * SIGKILL, OOM kill), its connection closes and PostgreSQL releases the lock
 * at once, so a standby takes over on its next try instead of waiting out a
 * TTL. A host that vanishes without closing its sockets is noticed by TCP
 * keepalive, which the lease session sets short (about 5 s).
 *
 * All leases of one store share one connection, checked out of the pool on
 * the first `acquire` and kept until the store closes. A renewal checks in
 * `pg_locks` that the session still holds the lock, so a holder whose session
 * was lost learns it on its next renewal. Owners within one process share the
 * session; between them the TTL still applies: a lease not renewed within its
 * TTL passes to another owner of this process that asks for it.
 */
export function createAdvisoryLeases(options: AdvisoryLeaseOptions): AdvisoryLeases {
  const { pool, assertOpen } = options;
  const lockClass = key(options.schema);
  const held = new Map<string, { owner: string; expiresAt: number }>();
  let session: Promise<PgClientLike> | undefined;
  let generation = 0;

  /** Ends the current session (destroying its connection): every lock on it is released. */
  const endSession = (): void => {
    generation++;
    held.clear();
    const ending = session;
    session = undefined;
    void ending?.then((client) => client.release(true)).catch(() => undefined);
  };
  const connect = (): Promise<PgClientLike> => {
    if (session) return session;
    const mine = ++generation;
    session = (async () => {
      const client = await pool.connect();
      const lost = (): void => {
        if (mine === generation) endSession();
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.query({ text: KEEPALIVE });
      return client;
    })();
    session.catch(() => {
      if (mine === generation) endSession();
    });
    return session;
  };
  const ask = async (text: string, name: string): Promise<boolean> => {
    const mine = generation;
    try {
      const client = await connect();
      const { rows } = await client.query({ text, values: [lockClass, name], rowMode: 'array' });
      return (rows[0] as unknown[])[0] === true;
    } catch (error) {
      // A failed query on the lease session: the session, and every lease on it, is lost.
      if (mine === generation || session === undefined) endSession();
      throw toStoreError(error, false);
    }
  };

  // One lease operation at a time: two overlapping tries of one name would stack the (re-entrant) lock.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    acquire: (name, owner, ttlMs) => serially(async () => {
      assertOpen();
      const mine = held.get(name);
      if (mine && mine.owner !== owner && mine.expiresAt > Date.now()) return false;
      const granted = mine ? await ask(HOLDS, name) : await ask(TRY_LOCK, name);
      if (!granted) {
        held.delete(name);
        return false;
      }
      held.set(name, { owner, expiresAt: Date.now() + ttlMs });
      return true;
    }),
    release: (name, owner) => serially(async () => {
      assertOpen();
      if (held.get(name)?.owner !== owner) return;
      held.delete(name);
      await ask(UNLOCK, name);
    }),
    close() {
      endSession();
    },
  };
}
