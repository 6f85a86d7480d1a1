import { APPENDER_CLASS, OUTBOX_WRITER_CLASS, type SchemaNames } from './schema-names.js';

/**
 * SQL (an `xid8` subquery): the gap-safe horizon of one statement. Rows whose
 * `transaction_id` is below it form a complete prefix: no transaction of the
 * kinds registered under `classes` that could still add rows below such a row
 * is running. Only those transactions hold it back; every other transaction on
 * the server (other databases, other tables, other schemas) is ignored.
 *
 * How: a registered transaction takes a shared transaction-level advisory lock
 * `(class, lockKey)` before it has an xid (append functions check that, CH001),
 * and holds it to its end; among appenders, xid order is position order (see
 * `append-functions.ts`). The statement's snapshot S lists the transactions
 * running when it was taken (`pg_snapshot_xip`). One read of the lock table
 * (`pg_locks`, one consistent copy), later in the same statement, tells for each
 * of them whether it is still running (it holds the lock on its own xid) and, if
 * so, whether it is registered. The horizon is the smallest listed xid that is
 * registered or no longer running (the latter may have committed rows S cannot
 * see), or S's xmax when there is none. Why nothing is skipped: a registered
 * transaction with a smaller xid than a returned row is either not in S's list
 * (so it had finished before S, and S sees its rows), or in it, and then it is
 * either still running and registered, or finished, and in both cases it bounds
 * the horizon. A transaction running but unregistered at the lock read cannot
 * be a registered one: those register before they get their xid and stay
 * registered to the end (PostgreSQL releases a transaction's xid lock before its
 * advisory locks, so "xid lock without registration" never shows a registered
 * transaction).
 *
 * Cost: nothing when no transaction is running on the server (the lock table is
 * not read); otherwise one copy of the lock table per statement.
 */
function horizon({ lockKey }: SchemaNames, classes: readonly number[]): string {
  // pg_locks shows advisory keys as oids: an int4 key k as k mod 2^32.
  return `(select coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
     from pg_snapshot_xip(pg_current_snapshot()) as x
    where x::xid not in (
      with locks as materialized (
        select locktype, database, classid, objid, objsubid, transactionid, virtualtransaction, mode, granted from pg_locks)
      select t.transactionid from locks t
       where t.locktype = 'transactionid' and t.mode = 'ExclusiveLock' and t.granted
         and not exists (select 1 from locks r
               where r.locktype = 'advisory' and r.virtualtransaction = t.virtualtransaction and r.objsubid = 2
                 and r.classid in (${classes.join(', ')}) and r.objid = ${lockKey >>> 0}
                 and r.database = (select oid from pg_database where datname = current_database()))))`;
}

/** The global log's horizon: only this store's in-flight appends hold it back. */
export function logHorizon(names: SchemaNames): string {
  return horizon(names, [APPENDER_CLASS]);
}

/** The outbox's horizon: this store's in-flight appends (inline projections) and projection-host transactions. */
export function outboxHorizon(names: SchemaNames): string {
  return horizon(names, [APPENDER_CLASS, OUTBOX_WRITER_CLASS]);
}

/** SQL: registers the running transaction as an in-flight appender (before it has an xid). */
export function registerAppender({ lockKey }: SchemaNames): string {
  return `pg_advisory_xact_lock_shared(${APPENDER_CLASS}, ${lockKey})`;
}

/** SQL: registers the running transaction as a possible outbox writer (right after BEGIN). */
export function registerOutboxWriter({ lockKey }: SchemaNames): string {
  return `pg_advisory_xact_lock_shared(${OUTBOX_WRITER_CLASS}, ${lockKey})`;
}
