import { appendFunctions } from './append-functions.js';
import { sealOutbox } from './migration-v2.js';
import { APPENDER_CLASS, OUTBOX_WRITER_CLASS, type SchemaNames } from './schema-names.js';

/**
 * v4's horizon, frozen (migration 4 must keep creating what it created): one
 * statement read both its snapshot's running transactions and the lock table.
 * Safe, but a transaction that finished between the two reads bounded the
 * horizon until the next read, and nothing woke readers for a foreign one;
 * v5 (`horizon.ts`) computes the horizon first and reads with a later snapshot.
 */
function singleStatementHorizon({ lockKey }: SchemaNames, classes: readonly number[]): string {
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

/**
 * v4: append functions (generation 4) that register each append transaction
 * before it has an xid, and an outbox seal that waits only for registered
 * transactions.
 */
export function migrationV4(names: SchemaNames): string {
  return `${appendFunctions(names, 4)}
${sealOutbox(names, singleStatementHorizon(names, [APPENDER_CLASS, OUTBOX_WRITER_CLASS]))}
comment on column ${names.q}.events.transaction_id is 'Writer xid; readers only return rows below the oldest in-flight append of this store (gap-safe order).';
`;
}
