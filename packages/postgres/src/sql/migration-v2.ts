import { appendFunctions } from './append-functions.js';
import { OUTBOX_LOCK_CLASS, type SchemaNames } from './schema-names.js';

/**
 * v2: the projection host (documents, checkpoints, leases, parked events,
 * outbox) and stream lifecycle (metadata, soft and hard deletion).
 *
 * Outbox positions have the late-commit problem of event positions: a
 * transaction may draw a lower number and commit after a higher one. Rows are
 * therefore inserted unnumbered with their writer's xid; `seal_outbox()`
 * numbers, under an advisory lock, exactly the rows whose writer finished
 * before the oldest running transaction began (`transaction_id` below the
 * snapshot xmin), in (xid, id) order. Every row sealed later has a larger
 * xid, so positions are dense and final, and a reader past position n never
 * misses a message that commits late.
 */
export function migrationV2(names: SchemaNames): string {
  const { q } = names;
  return `
alter table ${q}.streams
  add column hidden_before bigint not null default 0,
  add column tombstone boolean not null default false;

comment on column ${q}.streams.hidden_before is 'Positions below this are hidden (soft delete); the stream counts as absent while version = hidden_before - 1.';

create table ${q}.stream_lifecycle (
  stream_id text collate "C" primary key,
  hidden_before bigint not null default 0,
  tombstone boolean not null default false,
  metadata jsonb not null default '{}',
  max_count bigint,
  max_age bigint,
  truncate_before bigint
);

create table ${q}.documents (
  collection text collate "C" not null,
  id text collate "C" not null,
  document jsonb not null,
  primary key (collection, id)
);

create table ${q}.checkpoints (
  name text collate "C" primary key,
  position bigint not null,
  updated_at timestamptz not null
);

create table ${q}.leases (
  name text collate "C" primary key,
  owner text not null,
  expires_at timestamptz not null
);

create table ${q}.parked (
  consumer text collate "C" not null,
  event_id text not null,
  global_position bigint not null,
  stream_id text not null,
  type text not null,
  error text not null,
  attempts int not null,
  parked_at timestamptz not null,
  primary key (consumer, event_id)
);

create table ${q}.outbox (
  id bigserial primary key,
  position bigint unique,
  transaction_id xid8 not null default pg_current_xact_id(),
  topic text not null,
  type text not null,
  data jsonb not null,
  key text,
  source_event_id text,
  created_at timestamptz not null
);

create index outbox_unsealed on ${q}.outbox (transaction_id, id) where position is null;

${sealOutbox(names, 'pg_snapshot_xmin(pg_current_snapshot())', 'create function')}
${appendFunctions(names, 2)}`;
}

/**
 * `seal_outbox()`: numbers the unsealed messages whose writers are below
 * `horizon` (an xid8 expression). v2 used the snapshot's xmin (every write
 * transaction on the server); v4 the outbox horizon of `horizon.ts`.
 */
export function sealOutbox({ q, lockKey }: SchemaNames, horizon: string, create = 'create or replace function'): string {
  return `${create} ${q}.seal_outbox() returns void
language plpgsql as $fn$
begin
  if not exists (select 1 from ${q}.outbox where position is null) then
    return;
  end if;
  perform pg_advisory_xact_lock(${OUTBOX_LOCK_CLASS}, ${lockKey});
  -- A new statement, a new snapshot: it sees what earlier sealers numbered.
  with next as (
    select o.id, row_number() over (order by o.transaction_id, o.id) as n
      from ${q}.outbox o
     where o.position is null and o.transaction_id < ${horizon}
  )
  update ${q}.outbox o set position = (select coalesce(max(position), 0) from ${q}.outbox) + next.n
    from next where o.id = next.id;
end
$fn$;`;
}
