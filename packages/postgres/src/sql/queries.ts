import { STREAM_DELETED_EVENT } from '@chronicle/core';
import type { SchemaNames } from './schema-names.js';

/** Columns of an event row, in the order `toRecordedEvent` reads them. */
const EVENT_COLUMNS = `global_position, stream_id, stream_position, event_id, type, data::text, metadata::text,
  round(date_part('epoch', recorded_at) * 1000)::int8`;


/** The deletion marker type as an SQL literal. */
const MARKER = `'${STREAM_DELETED_EVENT}'`;

/**
 * A row `e` of the stream `$1` being read is visible ($4: now, for maxAge):
 * core's `firstVisiblePosition` in SQL, plus the tombstone and maxAge. The
 * first test does not depend on the row, so PostgreSQL runs it once per query
 * (an InitPlan) and a stream without lifecycle skips the rest; a CTE joined
 * to every row cost a quarter of a small stream's read.
 */
function visibleInStream(q: string): string {
  return `(not exists (select 1 from ${q}.stream_lifecycle h where h.stream_id = $1)
    or exists (
    select 1 from ${q}.stream_lifecycle l
     where l.stream_id = $1 and not l.tombstone and e.type <> ${MARKER}
       and e.stream_position >= greatest(1, l.hidden_before, coalesce(l.truncate_before, 0),
             coalesce((select s.version from ${q}.streams s where s.stream_id = l.stream_id) - l.max_count + 1, 0))
       and (l.max_age is null or e.recorded_at >= $4::timestamptz - l.max_age * interval '1 second')))`;
}

/**
 * A row `e` of the global log is visible ($3: now): deletion markers always,
 * other events unless their stream's lifecycle hides them. The first test
 * (plain equality, which PostgreSQL turns into one hash of the lifecycle
 * table's ids per query) clears streams without lifecycle; only the others
 * pay the correlated probe.
 */
function visibleInLog(q: string, now = '$3'): string {
  return `(e.type = ${MARKER}
    or not exists (select 1 from ${q}.stream_lifecycle h where h.stream_id = e.stream_id)
    or not exists (
    select 1 from ${q}.stream_lifecycle l
     where l.stream_id = e.stream_id
       and (l.tombstone
            or e.stream_position < greatest(l.hidden_before, coalesce(l.truncate_before, 0),
                 coalesce((select s.version from ${q}.streams s where s.stream_id = l.stream_id) - l.max_count + 1, 0))
            or e.recorded_at < ${now}::timestamptz - l.max_age * interval '1 second')))`;
}

/**
 * A global-log filter over row `e`: `types` and `prefixes` are text[]
 * parameters, NULL for no restriction (see core's `GlobalLogFilter`).
 */
function passesFilter(types: string, prefixes: string): string {
  return `(${types}::text[] is null or e.type = any(${types}::text[]))
    and (${prefixes}::text[] is null
         or exists (select 1 from unnest(${prefixes}::text[]) as p(prefix) where starts_with(e.stream_id, p.prefix)))`;
}

/** A global-log page: its direction, and whether lifecycle visibility applies (not in the archiver's stored view). */
export type GlobalPageShape = { readonly backwards: boolean; readonly visible: boolean };

/**
 * Global-log pages other than the plain forward one (backwards, bounded
 * above, filtered). Forwards ($1 after, $2 limit, $3 horizon, $4 before,
 * $5 types, $6 prefixes[, $7 now]): read below a horizon computed first, like
 * `readAllBelow`. Backwards ($1 after, $2 limit, $3 before, $4 types,
 * $5 prefixes[, $6 now]): the caller bounds `before` by the head, below which
 * every position is settled, so no horizon is needed.
 */
function globalPage(q: string, { backwards, visible }: GlobalPageShape): string {
  if (backwards) {
    return `select ${EVENT_COLUMNS} from ${q}.events e
      where e.global_position > $1 and e.global_position < $3 and ${passesFilter('$4', '$5')}
        ${visible ? `and ${visibleInLog(q, '$6')}` : ''}
      order by e.global_position desc limit $2`;
  }
  return `select ${EVENT_COLUMNS} from (
      select e.* from ${q}.events e
       where e.global_position > $1 and e.global_position < $4 and ${passesFilter('$5', '$6')}
         ${visible ? `and ${visibleInLog(q, '$7')}` : ''}
       order by e.global_position limit $2
    ) page where transaction_id < $3::xid8 order by global_position`;
}

/**
 * SQL, over a CTE `page` of rows after $1: whether every position from $1 + 1
 * to the page's last row holds a row this snapshot sees (hidden ones count:
 * they are committed too). Counting the table's rows in that range is needed
 * only when the page itself skips positions.
 */
function complete(q: string): string {
  return `case when count(*) = max(global_position) - $1 then true
     else (select count(*) from ${q}.events r
            where r.global_position > $1 and r.global_position <= (select max(p.global_position) from page p)) = max(global_position) - $1 end`;
}

/** Streams that exist for readers: not tombstoned, not soft-deleted (version = hidden_before - 1). */
const LIVE = 'not tombstone and version >= hidden_before';

/** Every statement of the store's hot paths, for one schema. */
export type Queries = ReturnType<typeof queries>;

/**
 * Builds the SQL texts of one store. `name`s make `pg` prepare each statement
 * once per connection (names stay under PostgreSQL's 63-byte limit).
 */
export function queries(names: SchemaNames) {
  const { q, schema, channel } = names;
  const named = (name: string, text: string): { readonly name: string; readonly text: string } => ({ name: `chr_${schema}_${name}`, text });
  return {
    appendEvent: named(
      'append_event',
      `select ${q}.append_event($1::text, $2::int8, $3::uuid, $4::text, $5::json, $6::json, $7::timestamptz)`,
    ),
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
    /** The stored events with these ids, hidden ones included (what a repeated append is checked against). */
    eventsById: named('by_id', `select ${EVENT_COLUMNS} from ${q}.events e where e.event_id = any($1::uuid[])`),
    appendToStreams: named(
      'append_multi',
      `select ${q}.append_to_streams($1::text[], $2::int8[], $3::int4[], $4::int4[], $5::uuid[], $6::text[], $7::json[], $8::json[], $9::timestamptz)`,
    ),
    // $4: now (maxAge). Hidden rows are filtered before the limit, so pages stay exact.
    readForwards: named(
      'fwd3',
      `select ${EVENT_COLUMNS} from ${q}.events e
        where e.stream_id = $1 and e.stream_position >= $2 and ${visibleInStream(q)}
        order by e.stream_position limit $3`,
    ),
    readBackwards: named(
      'bwd3',
      `select ${EVENT_COLUMNS} from ${q}.events e
        where e.stream_id = $1 and e.stream_position <= $2 and ${visibleInStream(q)}
        order by e.stream_position desc limit $3`,
    ),
    /** A row when the stream is tombstoned, none otherwise (asked only when a read found nothing). */
    tombstoned: named('tomb2', `select 1 from ${q}.streams where stream_id = $1 and tombstone`),
    // Global-log pages (see `logPage` in readers.ts). The first statement
    // returns a page and, in a last column, whether every position from $1
    // up to its last row holds a committed row this snapshot sees: then no
    // transaction can add a row in that range any more, and the page is
    // gap-safe without a horizon (the common case: reading history, or a
    // subscriber behind a commit). Otherwise (an append in flight, or the gap
    // of a rolled-back one) the reader computes the horizon first and reads
    // again below it, with a later snapshot (`horizon.ts`). There the limit
    // applies before the horizon filter, so a page never scans past `limit`
    // rows; rows beyond the horizon can only form the page's tail. $3: now
    // (maxAge); hidden rows are filtered inside, before the limit.
    readAll: named(
      'all5',
      `with page as materialized (
         select e.* from ${q}.events e where e.global_position > $1 and ${visibleInLog(q)}
          order by e.global_position limit $2
       )
       select ${EVENT_COLUMNS}, (select ${complete(q)} from page) from page order by global_position`,
    ),
    readAllBelow: named(
      'allh5',
      `select ${EVENT_COLUMNS} from (
         select e.* from ${q}.events e where e.global_position > $1 and ${visibleInLog(q)}
          order by e.global_position limit $2
       ) page where transaction_id < $4::xid8 order by global_position`,
    ),
    /** Every stored event, hidden ones included (what the archive keeps); gap-safe like readAll. */
    readAllStored: named(
      'stored5',
      `with page as materialized (select * from ${q}.events where global_position > $1 order by global_position limit $2)
       select ${EVENT_COLUMNS}, (select count(*) = max(global_position) - $1 from page) from page order by global_position`,
    ),
    readAllStoredBelow: named(
      'storedh5',
      `select ${EVENT_COLUMNS} from (
         select * from ${q}.events where global_position > $1 order by global_position limit $2
       ) page where transaction_id < $3::xid8 order by global_position`,
    ),
    /** See {@link globalPage}. */
    globalPage: (shape: GlobalPageShape) =>
      named(`g${shape.backwards ? 'b' : 'f'}${shape.visible ? 'v' : 's'}1`, globalPage(q, shape)),
    /** The gap-safe horizon of the global log (schema v5); a statement reading below it must start after this one. */
    horizon: named('horizon5', `select ${q}.horizon(false)::text`),
    headPosition: named('head5', `select ${q}.head_position()`),
    streamInfo: named('info2', `select version from ${q}.streams where stream_id = $1 and ${LIVE}`),
    listStreams: (bounded: boolean) =>
      named(
        bounded ? 'listb2' : 'list2',
        `select stream_id, version from ${q}.streams
          where stream_id >= $1 and stream_id > $2 ${bounded ? 'and stream_id < $4' : ''} and ${LIVE}
          order by stream_id limit $3`,
      ),
    notify: (payload: string) => ({ ...named('notify', 'select pg_notify($1, $2)'), values: [channel, payload] }),
    listen: { text: `listen "${channel}"` },
  };
}
