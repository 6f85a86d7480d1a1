
create or replace function "chronicle".append_event(
  p_stream text, p_expected bigint,
  p_id uuid, p_type text, p_data json, p_metadata json, p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count constant int := 1;
  v_first bigint;
  v_xid xid8;
  v_version bigint;
  v_hidden_before bigint;
  v_tombstone boolean;
  v_checked bigint;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;
  v_xid := case when pg_advisory_xact_lock_shared(1128813121, 1564925794) is null then null
                when pg_advisory_lock(1128813134, 1564925794) is null then null
                else pg_current_xact_id() end;
  v_first := nextval('"chronicle".global_position');
  if v_count > 1 then
    perform setval('"chronicle".global_position', v_first + v_count - 1);
  end if;
  if not pg_advisory_unlock(1128813134, 1564925794) then
    raise exception 'chronicle: the position lock was not held';
  end if;
  update "chronicle".streams as s set version = s.version + 1 where s.stream_id = p_stream
    returning s.version - 1, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
  if not found then
    insert into "chronicle".streams as s (stream_id, version) values (p_stream, 1)
      on conflict (stream_id) do update set version = s.version + excluded.version
      returning s.version - 1, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
  end if;
    if v_tombstone then
      raise exception 'chronicle: stream % was deleted', p_stream using errcode = 'CH410', detail = 1;
    end if;
    v_checked := case when v_version + 1 = v_hidden_before then 0 else v_version end;
    if not (p_expected = -1 or (p_expected = -2 and v_checked > 0) or p_expected = v_checked) then
      raise exception 'chronicle: wrong expected version for %', p_stream
        using errcode = 'CH409', detail = 1 || ':' || v_checked;
    end if;
  insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
  values (v_first, p_stream, v_version + 1, p_id, p_type, p_data, p_metadata, p_recorded_at, v_xid);
  return array[v_first, v_version];
end
$fn$;

create or replace function "chronicle".append_to_stream(
  p_stream text, p_expected bigint,
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count int := cardinality(p_ids);
  v_first bigint;
  v_xid xid8;
  v_version bigint;
  v_hidden_before bigint;
  v_tombstone boolean;
  v_checked bigint;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;
  v_xid := case when pg_advisory_xact_lock_shared(1128813121, 1564925794) is null then null
                when pg_advisory_lock(1128813134, 1564925794) is null then null
                else pg_current_xact_id() end;
  v_first := nextval('"chronicle".global_position');
  if v_count > 1 then
    perform setval('"chronicle".global_position', v_first + v_count - 1);
  end if;
  if not pg_advisory_unlock(1128813134, 1564925794) then
    raise exception 'chronicle: the position lock was not held';
  end if;
  update "chronicle".streams as s set version = s.version + v_count where s.stream_id = p_stream
    returning s.version - v_count, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
  if not found then
    insert into "chronicle".streams as s (stream_id, version) values (p_stream, v_count)
      on conflict (stream_id) do update set version = s.version + excluded.version
      returning s.version - v_count, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
  end if;
    if v_tombstone then
      raise exception 'chronicle: stream % was deleted', p_stream using errcode = 'CH410', detail = 1;
    end if;
    v_checked := case when v_version + 1 = v_hidden_before then 0 else v_version end;
    if not (p_expected = -1 or (p_expected = -2 and v_checked > 0) or p_expected = v_checked) then
      raise exception 'chronicle: wrong expected version for %', p_stream
        using errcode = 'CH409', detail = 1 || ':' || v_checked;
    end if;
  if v_count = 1 then
    insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
    values (v_first, p_stream, v_version + 1, p_ids[1], p_types[1], p_data[1], p_metadata[1], p_recorded_at, v_xid);
  else
    insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
    select v_first + e.n - 1, p_stream, v_version + e.n, e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
      from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as e(id, type, data, metadata, n);
  end if;
  return array[v_first, v_version];
end
$fn$;

-- p_parts: per event, the 1-based index of its stream in p_streams.
create or replace function "chronicle".append_to_streams(
  p_streams text[], p_expected bigint[], p_counts int[], p_parts int[],
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count int := cardinality(p_ids);
  v_first bigint;
  v_xid xid8;
  v_version bigint;
  v_result bigint[] := array_fill(0::bigint, array[cardinality(p_streams) + 1]);
  v_starts int[] := array_fill(0, array[cardinality(p_streams)]);
  v_start int := 1;
  v_i int;
  v_hidden_before bigint;
  v_tombstone boolean;
  v_checked bigint;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;
  v_xid := case when pg_advisory_xact_lock_shared(1128813121, 1564925794) is null then null
                when pg_advisory_lock(1128813134, 1564925794) is null then null
                else pg_current_xact_id() end;
  v_first := nextval('"chronicle".global_position');
  if v_count > 1 then
    perform setval('"chronicle".global_position', v_first + v_count - 1);
  end if;
  if not pg_advisory_unlock(1128813134, 1564925794) then
    raise exception 'chronicle: the position lock was not held';
  end if;
  v_result[1] := v_first;
  for v_i in 1 .. cardinality(p_streams) loop
    v_starts[v_i] := v_start;
    v_start := v_start + p_counts[v_i];
  end loop;
  -- Lock streams in byte order so concurrent multi-stream appends cannot deadlock.
  for v_i in select i from generate_subscripts(p_streams, 1) as i order by p_streams[i] collate "C" loop
    update "chronicle".streams as s set version = s.version + p_counts[v_i] where s.stream_id = p_streams[v_i]
      returning s.version - p_counts[v_i], s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
    if not found then
      insert into "chronicle".streams as s (stream_id, version) values (p_streams[v_i], p_counts[v_i])
        on conflict (stream_id) do update set version = s.version + excluded.version
        returning s.version - p_counts[v_i], s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
    end if;
    if v_tombstone then
      raise exception 'chronicle: stream % was deleted', p_streams[v_i] using errcode = 'CH410', detail = v_i;
    end if;
    v_checked := case when v_version + 1 = v_hidden_before then 0 else v_version end;
    if not (p_expected[v_i] = -1 or (p_expected[v_i] = -2 and v_checked > 0) or p_expected[v_i] = v_checked) then
      raise exception 'chronicle: wrong expected version for %', p_streams[v_i]
        using errcode = 'CH409', detail = v_i || ':' || v_checked;
    end if;
    v_result[v_i + 1] := v_version;
  end loop;
  insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
  select v_first + e.n - 1, p_streams[e.part], v_result[e.part + 1] + e.n - v_starts[e.part] + 1,
         e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
    from unnest(p_ids, p_types, p_data, p_metadata, p_parts) with ordinality as e(id, type, data, metadata, part, n);
  return v_result;
end
$fn$;

-- Several independent single-stream appends in one transaction (client-side
-- group commit); the client sorts them by stream id, so row locks are taken
-- in byte order. Per append the result holds the version before it (>= 0),
-- -1 - actual version on a conflict, or -9007199254740991 on a duplicate event
-- id. First all appends are tried at once, set-based; if any is refused that
-- attempt is undone and each append runs in its own subtransaction, so a
-- refusal rejects that append only. Every append keeps its slice of the
-- reserved positions, so rejected ones leave gaps.
create or replace function "chronicle".append_batch(
  p_streams text[], p_expected bigint[], p_counts int[], p_parts int[],
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count int := cardinality(p_ids);
  v_first bigint;
  v_xid xid8;
  v_version bigint;
  v_result bigint[] := array_fill(0::bigint, array[cardinality(p_streams) + 1]);
  v_starts int[] := array_fill(0, array[cardinality(p_streams)]);
  v_start int := 1;
  v_befores bigint[];
  v_ok boolean;
  v_offset int := 0;
  v_n int;
  v_i int;
  v_constraint text;
  v_hidden_before bigint;
  v_tombstone boolean;
  v_checked bigint;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;
  v_xid := case when pg_advisory_xact_lock_shared(1128813121, 1564925794) is null then null
                when pg_advisory_lock(1128813134, 1564925794) is null then null
                else pg_current_xact_id() end;
  v_first := nextval('"chronicle".global_position');
  if v_count > 1 then
    perform setval('"chronicle".global_position', v_first + v_count - 1);
  end if;
  if not pg_advisory_unlock(1128813134, 1564925794) then
    raise exception 'chronicle: the position lock was not held';
  end if;
  v_result[1] := v_first;
  for v_i in 1 .. cardinality(p_streams) loop
    v_starts[v_i] := v_start;
    v_start := v_start + p_counts[v_i];
  end loop;
  begin
    with a as (
      select t.s, t.e, t.c, t.i, sum(t.c) over (partition by t.s order by t.i) - t.c as prior
        from unnest(p_streams, p_expected, p_counts) with ordinality as t(s, e, c, i)
    ), totals as (
      select a.s, sum(a.c)::bigint as total from a group by a.s
    ), up as (
      insert into "chronicle".streams as st (stream_id, version)
      select totals.s, totals.total from totals order by totals.s collate "C"
      on conflict (stream_id) do update set version = st.version + excluded.version
      returning st.stream_id, st.version, st.hidden_before, st.tombstone
    ), befores as (
      select a.i, a.e, up.version - totals.total + a.prior as before,
             case when up.version - totals.total + a.prior + 1 = up.hidden_before then 0 else up.version - totals.total + a.prior end as checked,
             up.tombstone
        from a join totals on totals.s = a.s join up on up.stream_id = a.s
    )
    select array_agg(b.before order by b.i), bool_and(not b.tombstone and (b.e = -1 or (b.e = -2 and b.checked > 0) or b.e = b.checked))
      into v_befores, v_ok
      from befores b;
    if not v_ok then
      raise exception using errcode = 'CH409';
    end if;
    insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
    select v_first + e.n - 1, p_streams[e.part], v_befores[e.part] + e.n - v_starts[e.part] + 1,
           e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
      from unnest(p_ids, p_types, p_data, p_metadata, p_parts) with ordinality as e(id, type, data, metadata, part, n);
    return array[v_first] || v_befores;
  exception when sqlstate 'CH409' or unique_violation then
    null; -- undone; go one by one below
  end;
  for v_i in 1 .. cardinality(p_streams) loop
    v_n := p_counts[v_i];
    begin
      update "chronicle".streams as s set version = s.version + v_n where s.stream_id = p_streams[v_i]
        returning s.version - v_n, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
      if not found then
        insert into "chronicle".streams as s (stream_id, version) values (p_streams[v_i], v_n)
          on conflict (stream_id) do update set version = s.version + excluded.version
          returning s.version - v_n, s.hidden_before, s.tombstone into v_version, v_hidden_before, v_tombstone;
      end if;
      if v_tombstone then
        raise exception using errcode = 'CH410';
      end if;
      v_checked := case when v_version + 1 = v_hidden_before then 0 else v_version end;
      if not (p_expected[v_i] = -1 or (p_expected[v_i] = -2 and v_checked > 0) or p_expected[v_i] = v_checked) then
        raise exception using errcode = 'CH409';
      end if;
      insert into "chronicle".events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
      select v_first + v_offset + e.n - 1, p_streams[v_i], v_version + e.n, e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
        from unnest(p_ids[v_offset + 1 : v_offset + v_n], p_types[v_offset + 1 : v_offset + v_n],
                    p_data[v_offset + 1 : v_offset + v_n], p_metadata[v_offset + 1 : v_offset + v_n])
             with ordinality as e(id, type, data, metadata, n);
      v_result[v_i + 1] := v_version;
    exception
      when sqlstate 'CH409' then
        v_result[v_i + 1] := -1 - v_checked;
      when sqlstate 'CH410' then
        v_result[v_i + 1] := -9007199254740990;
      when unique_violation then
        get stacked diagnostics v_constraint = constraint_name;
        if v_constraint <> 'events_event_id_key' then
          raise;
        end if;
        v_result[v_i + 1] := -9007199254740991;
    end;
    v_offset := v_offset + v_n;
  end loop;
  return v_result;
end
$fn$;

create or replace function "chronicle".seal_outbox() returns void
language plpgsql as $fn$
begin
  if not exists (select 1 from "chronicle".outbox where position is null) then
    return;
  end if;
  perform pg_advisory_xact_lock(1128813135, 1564925794);
  -- A new statement, a new snapshot: it sees what earlier sealers numbered.
  with next as (
    select o.id, row_number() over (order by o.transaction_id, o.id) as n
      from "chronicle".outbox o
     where o.position is null and o.transaction_id < (select coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
     from pg_snapshot_xip(pg_current_snapshot()) as x
    where x::xid not in (
      with locks as materialized (
        select locktype, database, classid, objid, objsubid, transactionid, virtualtransaction, mode, granted from pg_locks)
      select t.transactionid from locks t
       where t.locktype = 'transactionid' and t.mode = 'ExclusiveLock' and t.granted
         and not exists (select 1 from locks r
               where r.locktype = 'advisory' and r.virtualtransaction = t.virtualtransaction and r.objsubid = 2
                 and r.classid in (1128813121, 1128813143) and r.objid = 1564925794
                 and r.database = (select oid from pg_database where datname = current_database()))))
  )
  update "chronicle".outbox o set position = (select coalesce(max(position), 0) from "chronicle".outbox) + next.n
    from next where o.id = next.id;
end
$fn$;
comment on column "chronicle".events.transaction_id is 'Writer xid; readers only return rows below the oldest in-flight append of this store (gap-safe order).';
