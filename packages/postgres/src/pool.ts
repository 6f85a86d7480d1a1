import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike, PgQueryConfig, PgQueryResult } from './pg-types.js';

/** Whether a failure came from the server as an ordinary ERROR, after which the connection is still usable. */
export function connectionSurvives(error: unknown): boolean {
  const fields = error as { code?: unknown; severity?: unknown };
  return typeof fields?.code === 'string' && fields.severity === 'ERROR' && !/^(08|57P0)/.test(fields.code);
}

/**
 * Runs `work` on a connection checked out of `pool` and always releases it.
 * The connection is destroyed instead of returned when it broke, when `work`
 * failed for any reason other than an ordinary server ERROR, or when `work`
 * called `discard()` (e.g. a ROLLBACK failed). While checked out, connection
 * errors are absorbed here: `pg` emits them on the client, and an unhandled
 * `error` event would crash the process. Errors from `work` propagate as
 * thrown (unmapped); a failed checkout throws `STORE_UNAVAILABLE`.
 */
export async function withClient<T>(pool: PgPoolLike, work: (client: PgClientLike, discard: () => void) => Promise<T>): Promise<T> {
  let client: PgClientLike;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toStoreError(error, false);
  }
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client, () => {
      broken ??= new Error('connection discarded');
    });
  } catch (error) {
    if (!connectionSurvives(error)) broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** One query on the pool, with driver errors mapped to Chronicle errors. */
export async function poolQuery(pool: PgPoolLike, config: PgQueryConfig): Promise<PgQueryResult> {
  try {
    return await pool.query(config);
  } catch (error) {
    throw toStoreError(error, false);
  }
}
