import type { SchemaNames } from './schema-names.js';

/** Statements of stream metadata, deletion and archiving, for one schema. */
export type LifecycleQueries = ReturnType<typeof lifecycleQueries>;

export function lifecycleQueries({ q, schema }: SchemaNames) {
  const named = (name: string, text: string): { readonly name: string; readonly text: string } => ({ name: `chr_${schema}_${name}`, text });
  return {
    streamState: named('state', `select version, hidden_before, tombstone from ${q}.streams where stream_id = $1`),
    /** Records a deletion in the append transaction of its marker: the append path reads `streams`, readers `stream_lifecycle`. */
    markDeleted: named(
      'mark_deleted',
      `with s as (update ${q}.streams set hidden_before = $2, tombstone = $3 where stream_id = $1)
       insert into ${q}.stream_lifecycle (stream_id, hidden_before, tombstone) values ($1, $2, $3)
       on conflict (stream_id) do update set hidden_before = excluded.hidden_before, tombstone = excluded.tombstone`,
    ),
    /** Returns a row when written; none for a tombstoned stream, whose metadata is left alone. */
    setMetadata: named(
      'meta_set2',
      `insert into ${q}.stream_lifecycle (stream_id, metadata, max_count, max_age, truncate_before)
       select $1, $2::jsonb, $3::int8, $4::int8, $5::int8
        where not exists (select 1 from ${q}.streams where stream_id = $1 and tombstone)
       on conflict (stream_id) do update set metadata = excluded.metadata, max_count = excluded.max_count,
         max_age = excluded.max_age, truncate_before = excluded.truncate_before
       returning 1`,
    ),
    getMetadata: named('meta_get', `select metadata::text from ${q}.stream_lifecycle where stream_id = $1`),
    purge: named(
      'purge',
      `with gone as (delete from ${q}.events where global_position = any($1::int8[]) returning 1) select count(*) from gone`,
    ),
    eventsSize: { text: `select pg_total_relation_size('${q}.events'::regclass)`, rowMode: 'array' as const },
    /** Rewrites the table and its indexes without the dead rows, so the files really shrink (takes an exclusive lock). */
    vacuumFull: { text: `vacuum full ${q}.events` },
  };
}
