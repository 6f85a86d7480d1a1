import type { SchemaNames } from './schema-names.js';

/** Columns of an event row, in the order `toRecordedEvent` reads them. */
const EVENT_COLUMNS = `global_position, stream_id, stream_position, event_id, type, data::text, metadata::text,
  round(date_part('epoch', recorded_at) * 1000)::int8`;

/** The gap-safe horizon: rows of transactions below the snapshot's xmin. */
const SAFE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/** Every statement of the store's hot paths, for one schema. */
export type Queries = ReturnType<typeof queries>;

/**
 * Builds the SQL texts of one store. `name`s make `pg` prepare each statement
 * once per connection (names stay under PostgreSQL's 63-byte limit).
 */
export function queries({ q, schema, channel }: SchemaNames) {
  const named = (name: string, text: string): { readonly name: string; readonly text: string } => ({ name: `chr_${schema}_${name}`, text });
  return {
    appendToStream: named(
      'append',
      `select ${q}.append_to_stream($1::text, $2::int8, $3::uuid[], $4::text[], $5::json[], $6::json[], $7::timestamptz)`,
    ),
    appendBatch: named(
      'append_batch',
      `select ${q}.append_batch($1::text[], $2::int8[], $3::int4[], $4::int4[], $5::uuid[], $6::text[], $7::json[], $8::json[], $9::timestamptz)`,
    ),
    /** Which of these event ids are stored (explains a duplicate in a batch). */
    storedEventIds: named('stored_ids', `select event_id from ${q}.events where event_id = any($1::uuid[])`),
    appendToStreams: named(
      'append_multi',
      `select ${q}.append_to_streams($1::text[], $2::int8[], $3::int4[], $4::int4[], $5::uuid[], $6::text[], $7::json[], $8::json[], $9::timestamptz)`,
    ),
    readForwards: named(
      'fwd',
      `select ${EVENT_COLUMNS} from ${q}.events
        where stream_id = $1 and stream_position >= $2 order by stream_position limit $3`,
    ),
    readBackwards: named(
      'bwd',
      `select ${EVENT_COLUMNS} from ${q}.events
        where stream_id = $1 and stream_position <= $2 order by stream_position desc limit $3`,
    ),
    // The limit applies before the horizon filter, so a page never scans past
    // `limit` rows; rows beyond the horizon can only form the page's tail,
    // because a larger position always belongs to an equal or larger xid.
    readAll: named(
      'all',
      `select ${EVENT_COLUMNS} from (
         select * from ${q}.events where global_position > $1 order by global_position limit $2
       ) page where ${SAFE} order by global_position`,
    ),
    headPosition: named('head', `select coalesce(max(global_position), 0) from ${q}.events where ${SAFE}`),
    streamInfo: named('info', `select version from ${q}.streams where stream_id = $1`),
    listStreams: (bounded: boolean) =>
      named(
        bounded ? 'listb' : 'list',
        `select stream_id, version from ${q}.streams
          where stream_id >= $1 and stream_id > $2 ${bounded ? 'and stream_id < $4' : ''}
          order by stream_id limit $3`,
      ),
    notify: (payload: string) => ({ text: 'select pg_notify($1, $2)', values: [channel, payload] }),
    listen: { text: `listen "${channel}"` },
  };
}
