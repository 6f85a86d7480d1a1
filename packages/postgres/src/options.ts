import type { Projection } from '@chronicle/core';
import type { PgClientLike, PgPoolLike } from './pg-types.js';

/** Options of {@link createPostgresStore}. Give either `pool` or `connectionString`. */
export type PostgresStoreOptions = {
  /**
   * A pool to use, e.g. `new pg.Pool(...)`. The store never ends it; its owner
   * does, after closing the store. Attach an `error` listener to it (as `pg`
   * requires for any pool), since idle connections can fail.
   */
  readonly pool?: PgPoolLike;
  /** Or a connection string: the store creates, configures and ends its own pool. */
  readonly connectionString?: string;
  /** Size of the store's own pool (with `connectionString`); default 10. */
  readonly maxConnections?: number;
  /** `application_name` of the store's own connections (with `connectionString`); default `chronicle`. */
  readonly applicationName?: string;
  /**
   * Schema holding every table, sequence and function of this store; created
   * if missing. Default `chronicle`. Stores in different schemas are independent.
   */
  readonly schema?: string;
  /** Largest accepted event in bytes of type + data + metadata JSON (default 1 MiB). */
  readonly maxEventBytes?: number;
  /** Source of `recordedAt` (millisecond precision); inject a fake clock in tests. */
  readonly clock?: () => Date;
  /**
   * Longest time a subscription waits before reading again without a
   * notification (default 1000 ms). Notifications normally wake it at once;
   * polling covers a lost listener connection and a writer that died between
   * COMMIT and NOTIFY.
   */
  readonly pollIntervalMs?: number;
  /**
   * Append transactions this store runs at once (default 2). Appends arriving
   * while one runs are grouped into the next transaction (group commit: each
   * keeps its own outcome), which raises throughput under concurrency; a lone
   * writer's appends always go at once. A further transaction opens only for
   * a full batch of waiting appends (32) or when the running ones have taken
   * 20 ms (e.g. stuck on a stream row locked elsewhere). Raise it when appends
   * often wait on rows locked by long transactions elsewhere; keep it below
   * the pool size.
   */
  readonly maxConcurrentAppends?: number;
  /**
   * Read queries this store runs at once: global-log pages of every
   * subscription and `readAll`, stream reads, heads. Further reads wait their
   * turn in this process, so however many subscriptions and readers there
   * are, they never hold more pool connections than this, and appends keep
   * theirs. Default: the pool's size minus one (LISTEN) minus
   * `maxConcurrentAppends`, at least 1 (so 7 with the default pool of 10, 1
   * with `maxConnections: 4`); unlimited with a pool whose size the store
   * cannot read (`options.max`, which `pg.Pool` has). Refused at start when it
   * would leave appends no connection (more than the pool size minus 2).
   * Subscriptions also share one LISTEN connection, and subscriptions at the
   * same position share one page query.
   */
  readonly maxConcurrentReads?: number;
  /**
   * `true` (default): create the schema and apply pending migrations at
   * start-up, under an advisory lock. `false`: only verify the schema is at the
   * version this package expects (for deployments that migrate separately).
   */
  readonly migrate?: boolean;
  /**
   * Inline projections: run in each append's transaction, after core's
   * built-in ones (the request index behind idempotent commands), in order;
   * `tx.native` is the transaction's `pg` client. If one throws, the append
   * stores nothing and fails with that error. Appends then each get their own
   * transaction (no group commit).
   */
  readonly projections?: readonly Projection<PgClientLike>[];
};
