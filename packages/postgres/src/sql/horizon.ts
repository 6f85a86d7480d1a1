import { APPENDER_CLASS, OUTBOX_LOCK_CLASS, OUTBOX_WRITER_CLASS, type SchemaNames } from './schema-names.js';

/** SQL: registers the running transaction as an in-flight appender (the append functions, before the xid). */
export function registerAppender({ lockKey }: SchemaNames): string {
  return `pg_advisory_xact_lock_shared(${APPENDER_CLASS}, ${lockKey})`;
}

/** SQL: registers the running transaction as a possible outbox writer (right after BEGIN, before the xid). */
export function registerOutboxWriter({ lockKey }: SchemaNames): string {
  return `pg_advisory_xact_lock_shared(${OUTBOX_WRITER_CLASS}, ${lockKey})`;
}

/**
 * The horizon's one statement (see {@link horizonFunctions}), over the
 * function's parameter `p_outbox`.
 */
function horizonQuery({ lockKey }: SchemaNames): string {
  return `  select coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
    from pg_snapshot_xip(pg_current_snapshot()) as x
   where x::xid in (
     with locks as materialized (
       select locktype, pid, database, classid, objid, objsubid, transactionid, virtualtransaction, mode, granted from pg_locks
     ), registered as (
       select r.pid, r.virtualtransaction from locks r
        where r.locktype = 'advisory' and r.objsubid = 2 and r.objid = ${lockKey >>> 0}
          and (r.classid = ${APPENDER_CLASS} or (p_outbox and r.classid = ${OUTBOX_WRITER_CLASS}))
          and r.database = (select oid from pg_database where datname = current_database())
     ), known as (
       select t.virtualtransaction, t.transactionid from locks t
        where t.locktype = 'transactionid' and t.mode = 'ExclusiveLock' and t.granted
          and t.virtualtransaction in (select g.virtualtransaction from registered g)
     )
     select k.transactionid from known k
     union all
     select a.backend_xid from registered g, lateral pg_stat_get_activity(g.pid) a
      where g.virtualtransaction not in (select k.virtualtransaction from known k) and a.backend_xid is not null)`;
}

/**
 * Schema v6: `horizon()` in plpgsql, whose statement plan is kept per
 * session: as a SQL-language function it was planned on every call (a
 * function with CTEs is not inlined), about 0.3 ms; measured with pgbench
 * (prepared, interleaved): 0.45 -> 0.11 ms per call on an idle server, 1.42
 * -> 0.60 ms beside 4 appending clients. Same statement, same snapshot rules:
 * a volatile plpgsql function runs it with a snapshot of its own, taken when
 * it starts.
 */
export function plpgsqlHorizon(names: SchemaNames): string {
  return `
create or replace function ${names.q}.horizon(p_outbox boolean) returns xid8
language plpgsql volatile as $fn$
begin
  return (
${horizonQuery(names)}
  );
end
$fn$;
`;
}

/**
 * Schema v5: `horizon(outbox)`, `head_position()` and `seal_outbox()`.
 *
 * The horizon is an xid8 H such that a statement whose snapshot is taken
 * after H was computed, and returns only rows of transactions below H, never
 * skips a row that commits later. Only this store's registered transactions
 * hold it back (appends; with `outbox`, projection-host transactions too):
 * each registers with a shared transaction-level advisory lock before it has
 * an xid (the append functions refuse to run otherwise, CH001) and keeps it
 * to its end; among appenders, xid order is position order.
 *
 * `horizon()` is one statement with snapshot S1 that reads the lock table at
 * L (one consistent copy) and, for registered transactions without an xid lock
 * there, their xid from the backend status at L2. H is the smallest xid of
 * S1's running list held by a transaction registered at L, or S1's xmax. Why
 * nothing is skipped, for a caller reading with a later snapshot S2: take a
 * registered transaction A with xid a and rows that S2 does not see (it is
 * running at S2). A registered before L (it registers before its xid, and
 * registered after L means a >= next xid at L >= xmax(S1) >= H). Still
 * registered at L (registration ends with the transaction). If its xid was
 * known at L or L2, H <= a (a is in S1's running list, or a >= xmax(S1));
 * if not, a is assigned after L2, so a >= xmax(S1) >= H. So every row below H
 * that S2 sees has no unseen registered transaction below it. A transaction
 * that finished between S1 and L is simply visible to S2: unlike a one-statement
 * horizon, nothing that is not a registered, running transaction bounds H, so
 * readers never wait for a foreign transaction, however briefly.
 *
 * Cost: nothing while no transaction runs on the server (S1's running list is
 * empty, the lock table is not read); otherwise one copy of the lock table, and
 * of the backend status only while a registered transaction has no xid yet.
 */
export function horizonFunctions(names: SchemaNames): string {
  const { q, lockKey } = names;
  return `
create function ${q}.horizon(p_outbox boolean) returns xid8
language sql volatile as $fn$
${horizonQuery(names)}
$fn$;

comment on function ${q}.horizon(boolean) is 'Gap-safe horizon: read rows of transactions below it, with a snapshot taken after it was computed.';

create function ${q}.head_position() returns bigint
language plpgsql volatile as $fn$
declare
  v_horizon xid8 := ${q}.horizon(false);
begin
  -- A new statement, a new snapshot (taken after the horizon).
  return coalesce((select max(e.global_position) from ${q}.events e where e.transaction_id < v_horizon), 0);
end
$fn$;

create or replace function ${q}.seal_outbox() returns void
language plpgsql as $fn$
declare
  v_horizon xid8;
begin
  if not exists (select 1 from ${q}.outbox where position is null) then
    return;
  end if;
  perform pg_advisory_xact_lock(${OUTBOX_LOCK_CLASS}, ${lockKey});
  v_horizon := ${q}.horizon(true);
  -- A new statement, a new snapshot: it sees what earlier sealers numbered, and follows the horizon.
  with next as (
    select o.id, row_number() over (order by o.transaction_id, o.id) as n
      from ${q}.outbox o
     where o.position is null and o.transaction_id < v_horizon
  )
  update ${q}.outbox o set position = (select coalesce(max(position), 0) from ${q}.outbox) + next.n
    from next where o.id = next.id;
end
$fn$;
`;
}
