
create function "chronicle".horizon(p_outbox boolean) returns xid8
language sql volatile as $fn$
  select coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
    from pg_snapshot_xip(pg_current_snapshot()) as x
   where x::xid in (
     with locks as materialized (
       select locktype, pid, database, classid, objid, objsubid, transactionid, virtualtransaction, mode, granted from pg_locks
     ), registered as (
       select r.pid, r.virtualtransaction from locks r
        where r.locktype = 'advisory' and r.objsubid = 2 and r.objid = 1564925794
          and (r.classid = 1128813121 or (p_outbox and r.classid = 1128813143))
          and r.database = (select oid from pg_database where datname = current_database())
     ), known as (
       select t.virtualtransaction, t.transactionid from locks t
        where t.locktype = 'transactionid' and t.mode = 'ExclusiveLock' and t.granted
          and t.virtualtransaction in (select g.virtualtransaction from registered g)
     )
     select k.transactionid from known k
     union all
     select a.backend_xid from registered g, lateral pg_stat_get_activity(g.pid) a
      where g.virtualtransaction not in (select k.virtualtransaction from known k) and a.backend_xid is not null)
$fn$;

comment on function "chronicle".horizon(boolean) is 'Gap-safe horizon: read rows of transactions below it, with a snapshot taken after it was computed.';

create function "chronicle".head_position() returns bigint
language plpgsql volatile as $fn$
declare
  v_horizon xid8 := "chronicle".horizon(false);
begin
  -- A new statement, a new snapshot (taken after the horizon).
  return coalesce((select max(e.global_position) from "chronicle".events e where e.transaction_id < v_horizon), 0);
end
$fn$;

create or replace function "chronicle".seal_outbox() returns void
language plpgsql as $fn$
declare
  v_horizon xid8;
begin
  if not exists (select 1 from "chronicle".outbox where position is null) then
    return;
  end if;
  perform pg_advisory_xact_lock(1128813135, 1564925794);
  v_horizon := "chronicle".horizon(true);
  -- A new statement, a new snapshot: it sees what earlier sealers numbered, and follows the horizon.
  with next as (
    select o.id, row_number() over (order by o.transaction_id, o.id) as n
      from "chronicle".outbox o
     where o.position is null and o.transaction_id < v_horizon
  )
  update "chronicle".outbox o set position = (select coalesce(max(position), 0) from "chronicle".outbox) + next.n
    from next where o.id = next.id;
end
$fn$;
