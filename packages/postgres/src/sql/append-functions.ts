import { registerAppender } from './horizon.js';
import { POSITION_LOCK_CLASS, type SchemaNames } from './schema-names.js';

/**
 * The plpgsql statements that reserve `v_count` global positions into
 * `v_first`: the gap-safe core. Under a session advisory lock they assign
 * the transaction's xid and draw consecutive positions, so among appending
 * transactions xid order equals position order. The lock is held for
 * microseconds. A session lock outlives a statement that fails while holding
 * it (a cancel or statement_timeout between lock and unlock) and would block
 * every appender: generations 1-2 release it in an exception block, which
 * costs a subtransaction per append; from generation 3 the client destroys
 * the connection after any error that may have come from inside the window
 * (`positionLockMayBeHeld` in `append-statements.ts`), which ends the session
 * and its locks. Inlined into each append function, which saves a nested
 * call per append.
 */
function reserveBlock(names: SchemaNames, generation: AppendFunctionsGeneration): string {
  const { q, lockKey } = names;
  const lock = `${POSITION_LOCK_CLASS}, ${lockKey}`;
  const check = `
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'chronicle: positions must be reserved before the transaction writes anything'
      using errcode = 'CH001';
  end if;`;
  if (generation >= 3) {
    // Lock and unlock as plpgsql simple expressions (a CASE runs its
    // condition first), which skip the executor run that PERFORM costs each.
    // From generation 4 the transaction first registers as an in-flight
    // appender, before it has an xid (readers' horizon relies on that order,
    // see `horizon.ts`); a CASE runs its branches in order.
    const lockThenXid =
      generation === 3
        ? `case when pg_advisory_lock(${lock}) is null then null else pg_current_xact_id() end`
        : `case when ${registerAppender(names)} is null then null
                when pg_advisory_lock(${lock}) is null then null
                else pg_current_xact_id() end`;
    return `${check}
  v_xid := ${lockThenXid};
  v_first := nextval('${q}.global_position');
  if v_count > 1 then
    perform setval('${q}.global_position', v_first + v_count - 1);
  end if;
  if not pg_advisory_unlock(${lock}) then
    raise exception 'chronicle: the position lock was not held';
  end if;`;
  }
  return `${check}
  begin
    perform pg_advisory_lock(${lock});
    v_xid := pg_current_xact_id();
    v_first := nextval('${q}.global_position');
    if v_count > 1 then
      perform setval('${q}.global_position', v_first + v_count - 1);
    end if;
    perform pg_advisory_unlock(${lock});
  exception when others or query_canceled then
    perform pg_advisory_unlock(${lock});
    raise;
  end;`;
}

/**
 * Adds `count` to a stream's version, locking its row, and reads the version
 * before into `into`. Generation 3 tries a plain UPDATE first (an existing
 * stream, the common case: one HOT update, where the upsert also WAL-logs a
 * tuple lock) and upserts only when there is no row yet; the upsert stays
 * the fallback so two appends creating one stream still serialize.
 */
function bumpStream(
  q: string,
  generation: AppendFunctionsGeneration,
  indent: string,
  stream: string,
  count: string,
  returning: string,
  into: string,
): string {
  const upsert = (pad: string): string => `insert into ${q}.streams as s (stream_id, version) values (${stream}, ${count})
${pad}  on conflict (stream_id) do update set version = s.version + excluded.version
${pad}  returning ${returning} into ${into};`;
  if (generation < 3) return `${indent}${upsert(indent)}`;
  return `${indent}update ${q}.streams as s set version = s.version + ${count} where s.stream_id = ${stream}
${indent}  returning ${returning} into ${into};
${indent}if not found then
${indent}  ${upsert(`${indent}  `)}
${indent}end if;`;
}

/** `append_batch`'s result for an append refused for a duplicate event id. */
export const DUPLICATE_ID = -9007199254740991;
/** `append_batch`'s result for an append to a hard-deleted stream (schema v2 on). */
export const STREAM_DELETED = -9007199254740990;

/**
 * Which generation of the functions to emit. v1 (frozen: migration 1 must
 * keep creating exactly what it always did) knows no stream lifecycle; v2
 * refuses appends to tombstoned streams (CH410) and checks expected versions
 * of a soft-deleted stream against 0 (the stream counts as absent, while its
 * positions continue). v3 behaves as v2, cheaper: no subtransaction around
 * the reservation (see `reserveBlock`) and a plain UPDATE of an existing
 * stream's row (see `bumpStream`). v4 is v3 that registers each append
 * transaction as in flight before it reserves, so readers wait for this
 * store's appends only (see `horizon.ts`).
 */
export type AppendFunctionsGeneration = 1 | 2 | 3 | 4;

/**
 * How the append functions encode an expected version: an exact version n >= 0
 * is itself ('no_stream' is 0), the symbolic ones are these negative numbers.
 */
export const EXPECTED_ANY = -1;
/** See {@link EXPECTED_ANY}. */
export const EXPECTED_STREAM_EXISTS = -2;

/**
 * SQL: whether the encoded `expected` version holds for a stream whose
 * version, as expected versions see it, is `version` (0: absent). The one
 * place the rule is written; every append function embeds it.
 */
export function expectedVersionHolds(expected: string, version: string): string {
  return `${expected} = ${EXPECTED_ANY} or (${expected} = ${EXPECTED_STREAM_EXISTS} and ${version} > 0) or ${expected} = ${version}`;
}

/**
 * SQL: a stream's version as expected versions see it (lifecycle generations):
 * 0 while it is soft-deleted (its stored version is `hidden_before - 1`), else
 * the stored version.
 */
function checkedVersion(version: string, hiddenBefore: string): string {
  return `case when ${version} + 1 = ${hiddenBefore} then 0 else ${version} end`;
}

/** Raises the conflict the client maps to WRONG_EXPECTED_VERSION (detail `index:actual`). */
function checkExpected(expected: string, index: string, streamId: string, lifecycle: boolean): string {
  const version = lifecycle ? 'v_checked' : 'v_version';
  const prelude = lifecycle
    ? `
    if v_tombstone then
      raise exception 'chronicle: stream % was deleted', ${streamId} using errcode = 'CH410', detail = ${index};
    end if;
    v_checked := ${checkedVersion('v_version', 'v_hidden_before')};`
    : '';
  return `${prelude}
    if not (${expectedVersionHolds(expected, version)}) then
      raise exception 'chronicle: wrong expected version for %', ${streamId}
        using errcode = 'CH409', detail = ${index} || ':' || ${version};
    end if;`;
}

/**
 * `append_event` (generation 3 on): one event to one stream, the most common
 * append, with scalar parameters (arrays cost the client their text encoding
 * and the server their parsing and subscripting). `append_to_stream`: one
 * stream, specialized (a general multi-stream body costs about 90 µs more
 * per call). `append_to_streams`: several streams atomically. All return
 * `[first global position, version before the append of each stream...]`,
 * or raise CH409 having written nothing. Expected versions are encoded as
 * {@link EXPECTED_ANY}, {@link EXPECTED_STREAM_EXISTS} or n >= 0 exact
 * ('no_stream' is 0).
 */
export function appendFunctions(names: SchemaNames, generation: AppendFunctionsGeneration = 1): string {
  const { q } = names;
  const lifecycle = generation >= 2;
  const create = lifecycle ? 'create or replace function' : 'create function';
  /** Extra locals and returned columns of the lifecycle generation. */
  const vars = lifecycle ? '\n  v_hidden_before bigint;\n  v_tombstone boolean;\n  v_checked bigint;' : '';
  const ret = (prefix: string) => (lifecycle ? `, ${prefix}.hidden_before, ${prefix}.tombstone` : '');
  const into = lifecycle ? ', v_hidden_before, v_tombstone' : '';
  const appendEvent =
    generation < 3
      ? ''
      : `
${create} ${q}.append_event(
  p_stream text, p_expected bigint,
  p_id uuid, p_type text, p_data json, p_metadata json, p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count constant int := 1;
  v_first bigint;
  v_xid xid8;
  v_version bigint;${vars}
begin${reserveBlock(names, generation)}
${bumpStream(q, generation, '  ', 'p_stream', '1', `s.version - 1${ret('s')}`, `v_version${into}`)}${checkExpected('p_expected', '1', 'p_stream', lifecycle)}
  insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
  values (v_first, p_stream, v_version + 1, p_id, p_type, p_data, p_metadata, p_recorded_at, v_xid);
  return array[v_first, v_version];
end
$fn$;
`;
  return `${appendEvent}
${create} ${q}.append_to_stream(
  p_stream text, p_expected bigint,
  p_ids uuid[], p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz
) returns bigint[]
language plpgsql as $fn$
declare
  v_count int := cardinality(p_ids);
  v_first bigint;
  v_xid xid8;
  v_version bigint;${vars}
begin${reserveBlock(names, generation)}
${bumpStream(q, generation, '  ', 'p_stream', 'v_count', `s.version - v_count${ret('s')}`, `v_version${into}`)}${checkExpected('p_expected', '1', 'p_stream', lifecycle)}
  if v_count = 1 then
    insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
    values (v_first, p_stream, v_version + 1, p_ids[1], p_types[1], p_data[1], p_metadata[1], p_recorded_at, v_xid);
  else
    insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
    select v_first + e.n - 1, p_stream, v_version + e.n, e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
      from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as e(id, type, data, metadata, n);
  end if;
  return array[v_first, v_version];
end
$fn$;

-- p_parts: per event, the 1-based index of its stream in p_streams.
${create} ${q}.append_to_streams(
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
  v_i int;${vars}
begin${reserveBlock(names, generation)}
  v_result[1] := v_first;
  for v_i in 1 .. cardinality(p_streams) loop
    v_starts[v_i] := v_start;
    v_start := v_start + p_counts[v_i];
  end loop;
  -- Lock streams in byte order so concurrent multi-stream appends cannot deadlock.
  for v_i in select i from generate_subscripts(p_streams, 1) as i order by p_streams[i] collate "C" loop
${bumpStream(q, generation, '    ', 'p_streams[v_i]', 'p_counts[v_i]', `s.version - p_counts[v_i]${ret('s')}`, `v_version${into}`)}${checkExpected('p_expected[v_i]', 'v_i', 'p_streams[v_i]', lifecycle)}
    v_result[v_i + 1] := v_version;
  end loop;
  insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
  select v_first + e.n - 1, p_streams[e.part], v_result[e.part + 1] + e.n - v_starts[e.part] + 1,
         e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
    from unnest(p_ids, p_types, p_data, p_metadata, p_parts) with ordinality as e(id, type, data, metadata, part, n);
  return v_result;
end
$fn$;

-- Several independent single-stream appends in one transaction (client-side
-- group commit); the client sorts them by stream id, so row locks are taken
-- in byte order. Per append the result holds the version before it (>= 0),
-- -1 - actual version on a conflict, or ${DUPLICATE_ID} on a duplicate event
-- id. First all appends are tried at once, set-based; if any is refused that
-- attempt is undone and each append runs in its own subtransaction, so a
-- refusal rejects that append only. Every append keeps its slice of the
-- reserved positions, so rejected ones leave gaps.
${create} ${q}.append_batch(
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
  v_constraint text;${vars}
begin${reserveBlock(names, generation)}
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
      insert into ${q}.streams as st (stream_id, version)
      select totals.s, totals.total from totals order by totals.s collate "C"
      on conflict (stream_id) do update set version = st.version + excluded.version
      returning st.stream_id, st.version${ret('st')}
    ), befores as (
      select a.i, a.e, up.version - totals.total + a.prior as before${
        lifecycle
          ? `,
             ${checkedVersion('up.version - totals.total + a.prior', 'up.hidden_before')} as checked,
             up.tombstone`
          : ''
      }
        from a join totals on totals.s = a.s join up on up.stream_id = a.s
    )
    select array_agg(b.before order by b.i), ${
      lifecycle
        ? `bool_and(not b.tombstone and (${expectedVersionHolds('b.e', 'b.checked')}))`
        : `bool_and(${expectedVersionHolds('b.e', 'b.before')})`
    }
      into v_befores, v_ok
      from befores b;
    if not v_ok then
      raise exception using errcode = 'CH409';
    end if;
    insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
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
${bumpStream(q, generation, '      ', 'p_streams[v_i]', 'v_n', `s.version - v_n${ret('s')}`, `v_version${into}`)}${
        lifecycle
          ? `
      if v_tombstone then
        raise exception using errcode = 'CH410';
      end if;
      v_checked := ${checkedVersion('v_version', 'v_hidden_before')};
      if not (${expectedVersionHolds('p_expected[v_i]', 'v_checked')}) then
        raise exception using errcode = 'CH409';
      end if;`
          : `
      if not (${expectedVersionHolds('p_expected[v_i]', 'v_version')}) then
        raise exception using errcode = 'CH409';
      end if;`
      }
      insert into ${q}.events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at, transaction_id)
      select v_first + v_offset + e.n - 1, p_streams[v_i], v_version + e.n, e.id, e.type, e.data, e.metadata, p_recorded_at, v_xid
        from unnest(p_ids[v_offset + 1 : v_offset + v_n], p_types[v_offset + 1 : v_offset + v_n],
                    p_data[v_offset + 1 : v_offset + v_n], p_metadata[v_offset + 1 : v_offset + v_n])
             with ordinality as e(id, type, data, metadata, n);
      v_result[v_i + 1] := v_version;
    exception
      when sqlstate 'CH409' then
        v_result[v_i + 1] := -1 - ${lifecycle ? 'v_checked' : 'v_version'};${
          lifecycle
            ? `
      when sqlstate 'CH410' then
        v_result[v_i + 1] := ${STREAM_DELETED};`
            : ''
        }
      when unique_violation then
        get stacked diagnostics v_constraint = constraint_name;
        if v_constraint <> 'events_event_id_key' then
          raise;
        end if;
        v_result[v_i + 1] := ${DUPLICATE_ID};
    end;
    v_offset := v_offset + v_n;
  end loop;
  return v_result;
end
$fn$;
`;
}
