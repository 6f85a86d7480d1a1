import { POSITION_LOCK_CLASS, type SchemaNames } from './schema-names.js';

/**
 * One schema change. Migrations run in order, each in its own transaction,
 * under an advisory lock; the schema's `schema_migrations` table records the
 * applied versions. Append new migrations at the end, never edit released ones.
 */
export type Migration = {
  readonly version: number;
  readonly name: string;
  readonly sql: (names: SchemaNames) => string;
};

/**
 * v1: streams, events and the two functions of the append path.
 *
 * `reserve_positions(n)` is the gap-safety core: under a session advisory lock
 * it assigns the transaction's xid and draws `n` consecutive global positions,
 * so among appending transactions xid order equals position order. Readers
 * then only return rows whose `transaction_id` is below the snapshot's xmin
 * (see README: "Gap-safe global order").
 */
const v1: Migration = {
  version: 1,
  name: 'events, streams, append functions',
  sql: ({ q, lockKey }) => `
create table ${q}.streams (
  stream_id text collate "C" primary key,
  version bigint not null
);

create sequence ${q}.global_position as bigint minvalue 1 maxvalue 9007199254740991;

create table ${q}.events (
  global_position bigint primary key,
  stream_id text collate "C" not null,
  stream_position bigint not null,
  event_id uuid not null,
  type text not null,
  data json not null,
  metadata json not null,
  recorded_at timestamptz not null,
  transaction_id xid8 not null default pg_current_xact_id(),
  constraint events_stream_position_key unique (stream_id, stream_position),
  constraint events_event_id_key unique (event_id)
);

comment on column ${q}.events.data is 'The JSON text exactly as appended (key order and \\u0000 escapes kept); cast to jsonb to query.';
comment on column ${q}.events.transaction_id is 'Writer xid; readers only return rows below their snapshot xmin (gap-safe order).';

create function ${q}.reserve_positions(p_count int) returns bigint
language plpgsql as $fn$
declare
  v_first bigint;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;
  begin
    perform pg_advisory_lock(${POSITION_LOCK_CLASS}, ${lockKey});
    perform pg_current_xact_id();
    v_first := nextval('${q}.global_position');
    if p_count > 1 then
      perform setval('${q}.global_position', v_first + p_count - 1);
    end if;
    perform pg_advisory_unlock(${POSITION_LOCK_CLASS}, ${lockKey});
  exception when others or query_canceled then
    -- A session lock outlives the transaction: never leave it behind.
    perform pg_advisory_unlock(${POSITION_LOCK_CLASS}, ${lockKey});
    raise;
  end;
  return v_first;
end
$fn$;

-- p_expected: -1 'any', -2 'stream_exists', n >= 0 exact ('no_stream' is 0).
-- p_parts: per event, the 1-based index of its stream in p_streams (null: all 1).
-- Returns [first global position, version before the append of each stream...].
create function ${q}.append_events(
  p_streams text[], p_expected bigint[], p_counts int[], p_parts int[],
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_first bigint := ${q}.reserve_positions(cardinality(p_ids));
  v_result bigint[] := array_fill(0::bigint, array[cardinality(p_streams) + 1]);
  v_starts int[] := array_fill(0, array[cardinality(p_streams)]);
  v_start int := 1;
  v_i int;
  v_version bigint;
begin
  v_result[1] := v_first;
  for v_i in 1 .. cardinality(p_streams) loop
    v_starts[v_i] := v_start;
    v_start := v_start + p_counts[v_i];
  end loop;
  -- Lock streams in byte order so concurrent multi-stream appends cannot deadlock.
  for v_i in select i from generate_subscripts(p_streams, 1) as i order by p_streams[i] collate "C" loop
    insert into ${q}.streams as s (stream_id, version) values (p_streams[v_i], p_counts[v_i])
      on conflict (stream_id) do update set version = s.version + excluded.version
      returning s.version - p_counts[v_i] into v_version;
    if not (p_expected[v_i] = -1 or (p_expected[v_i] = -2 and v_version > 0) or p_expected[v_i] = v_version) then
      raise exception 'chronicle: wrong expected version for %', p_streams[v_i]
        using errcode = 'CH409', detail = v_i || ':' || v_version;
    end if;
    v_result[v_i + 1] := v_version;
  end loop;
  insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at)
  select v_first + e.n - 1,
         p_streams[coalesce(e.part, 1)],
         v_result[coalesce(e.part, 1) + 1] + e.n - v_starts[coalesce(e.part, 1)] + 1,
         e.id, e.type, e.data, e.metadata, p_recorded_at
    from unnest(p_ids, p_types, p_data, p_metadata, p_parts) with ordinality as e(id, type, data, metadata, part, n);
  return v_result;
end
$fn$;
`,
};

/** Every migration, in order. Later issues append here (checkpoints, snapshots, outbox, ...). */
export const migrations: readonly Migration[] = [v1];

/** The schema version this build of the package creates and understands. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
