
create or replace function "chronicle".horizon(p_outbox boolean) returns xid8
language plpgsql volatile as $fn$
begin
  return (
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
  );
end
$fn$;
