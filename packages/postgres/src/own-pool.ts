import pg from 'pg';
import { ValidationError } from '@chronicle/core';
import type { PostgresStoreOptions } from './options.js';
import type { PgPoolLike } from './pg-types.js';

/** The pool a store uses, and whether the store must end it on close. */
export type ResolvedPool = { readonly pool: PgPoolLike; readonly owned: boolean };

/** Uses the caller's pool, or creates one from `connectionString`. */
export function resolvePool(options: PostgresStoreOptions): ResolvedPool {
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw ValidationError.of('options', 'give exactly one of pool or connectionString');
  }
  if (options.pool) return { pool: options.pool, owned: false };
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'chronicle',
    keepAlive: true,
  });
  // Idle connections that fail are removed by the pool; without a listener
  // the 'error' event would crash the process. Operations see their own errors.
  pool.on('error', () => undefined);
  return { pool, owned: true };
}
