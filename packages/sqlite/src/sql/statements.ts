import { STREAM_DELETED_EVENT } from '@chronicle/core';
import type { SqliteDatabase, SqliteStatement } from '../sqlite-database.js';

/**
 * Rows fetched per query while paging. A page is read completely before it is
 * yielded, so no statement stays open across an `await`. Small pages keep
 * few rows alive across a young-generation GC, so V8 does not grow its young
 * generation: folding 1M events peaks at ~85 MB RSS with 128-row pages and
 * ~105 MB with 512, at the same speed. The size is written into the SQL as a
 * literal: SQLite runs `LIMIT 128` measurably faster than `LIMIT ?`.
 */
export const READ_PAGE_SIZE = 128;

/** A page statement in two forms: a full page (limit in the SQL) and a shorter last page (limit as the final parameter). */
export type PageStatement = { readonly full: SqliteStatement; readonly limited: SqliteStatement };

function pageStatement(db: SqliteDatabase, sql: string): PageStatement {
  return { full: db.prepare(`${sql} LIMIT ${READ_PAGE_SIZE}`).raw(), limited: db.prepare(`${sql} LIMIT ?`).raw() };
}

/** Columns of a stream read, in this order (rows come back as arrays). */
const STREAM_COLUMNS = 'global_position, stream_position, event_id, type, data, metadata, recorded_at';
/** Columns of a global read, in this order. */
const GLOBAL_COLUMNS = 'global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at';

/** A stream row: see {@link STREAM_COLUMNS}. */
export type StreamRow = [globalPosition: number, streamPosition: number, eventId: string, type: string, data: string, metadata: string, recordedAt: number];
/** A global-log row: see {@link GLOBAL_COLUMNS}. */
export type GlobalRow = [
  globalPosition: number,
  streamId: string,
  streamPosition: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];
/** A stream listing row. */
export type StreamInfoRow = [streamId: string, version: number];

/**
 * Every statement the store runs, prepared once when it opens and reused.
 * Reads return arrays (`raw`), which is cheaper than building row objects.
 */
export type Statements = {
  readonly begin: SqliteStatement;
  readonly commit: SqliteStatement;
  readonly rollback: SqliteStatement;
  readonly savepoint: SqliteStatement;
  readonly release: SqliteStatement;
  readonly rollbackToSavepoint: SqliteStatement;
  /**
   * (stream_id) → [row exists (1/0), version, deleted, high water]:
   * deleted 0 live, 1 soft, 2 tombstone; high water is set only while the
   * newest events of the log were deleted and the next position must skip
   * past them (see migration 4).
   */
  readonly streamVersion: SqliteStatement;
  /** (stream_id) → version of a live (not deleted) stream, or undefined. */
  readonly liveVersion: SqliteStatement;
  /**
   * An INSERT of `rows` events (1..{@link INSERT_CHUNK}), each bound as
   * (stream_id, stream_position, event_id, type, data, metadata, recorded_at);
   * prepared on first use, then reused.
   */
  readonly insertEvents: (rows: number) => SqliteStatement;
  /** One event at an explicit global position: (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at). */
  readonly insertEventAt: SqliteStatement;
  /** (event_id) → 1 if stored. */
  readonly eventIdStored: SqliteStatement;
  /** (JSON array of event ids) → GlobalRow[] of the stored ones, hidden included (an append's repeat check). */
  readonly eventsById: SqliteStatement;
  /** (stream_id, version) */
  readonly insertStream: SqliteStatement;
  /** (version, deleted, stream_id): only when the deletion state changes. */
  readonly updateStream: SqliteStatement;
  /** (stream_id, hidden_before): records a deletion's hidden range. */
  readonly hideBefore: SqliteStatement;
  /** (stream_id) → [version, deleted, hidden_before, max_count, max_age_ms, truncate_before] of a restricted stream, undefined for an unrestricted one. */
  readonly visibility: SqliteStatement;
  /** () → 1 when any stream has metadata or a deletion, else 0. */
  readonly anyLifecycle: SqliteStatement;
  /** Forwards stream page honouring lifecycle: (stream_id, from, min recorded_at[, limit]). */
  readonly readForwardsVisible: PageStatement;
  /** Backwards stream page honouring lifecycle: (stream_id, from, lowest position, min recorded_at[, limit]). */
  readonly readBackwardsVisible: PageStatement;
  /** Global page honouring lifecycle: (after, now ms[, limit]). */
  readonly readAllVisible: PageStatement;
  /** (stream_id, from position inclusive[, limit]) → StreamRow[] ascending. */
  readonly readForwards: PageStatement;
  /** (stream_id, from position inclusive[, limit]) → StreamRow[] descending. */
  readonly readBackwards: PageStatement;
  /** (after global position[, limit]) → GlobalRow[] ascending. */
  readonly readAll: PageStatement;
  /** Global pages of any other shape (backwards, bounded above, filtered); see {@link GlobalPageShape}. */
  readonly globalPage: (shape: GlobalPageShape) => PageStatement;
  /** () → newest global position ever handed out (purged or not), 0 when empty. */
  readonly headPosition: SqliteStatement;
  /** Listing pages; see {@link listStreamsStatement}. */
  readonly listStreams: ReadonlyMap<string, PageStatement>;
};

/**
 * Most events inserted by one statement. One multi-row INSERT costs about half
 * as much per row as single-row INSERTs (fewer calls into the driver and
 * fewer VDBE runs); beyond ~32 rows the gain flattens.
 */
export const INSERT_CHUNK = 32;

/** Columns bound per inserted event. */
export const INSERT_COLUMNS = 7;

/**
 * A stream's version from its `streams` row aliased `alias` (SQL; NULL when
 * there is none): the last position in the events index, or the row's floor
 * when the newest events were deleted (migration 4).
 */
function versionOf(alias: string): string {
  return `max(${alias}.version, coalesce((SELECT max(v.stream_position) FROM events v WHERE v.stream_id = ${alias}.stream_id), 0))`;
}

/**
 * A global-log page other than the plain forward one. Parameters, in order:
 * after, before (exclusive bounds), now ms (when `visible`), then (when
 * `filtered`) the event types as a JSON array or NULL, twice, and the
 * stream-id prefixes likewise[, limit].
 */
export type GlobalPageShape = { readonly backwards: boolean; readonly visible: boolean; readonly filtered: boolean };

/** Joins and condition hiding what a stream's lifecycle hides (one `?`: now ms). Deletion markers always show. */
const VISIBLE_JOINS = `LEFT JOIN stream_lifecycle l ON l.stream_id = e.stream_id
       LEFT JOIN streams s ON s.stream_id = e.stream_id`;
const VISIBLE = `(
         l.stream_id IS NULL OR e.type = '${STREAM_DELETED_EVENT}' OR (
           s.deleted <> 2
           AND e.stream_position >= max(l.hidden_before, coalesce(l.truncate_before, 0),
                                        coalesce(${versionOf('s')} - l.max_count + 1, 0))
           AND (l.max_age_ms IS NULL OR e.recorded_at >= ? - l.max_age_ms)))`;
/** The filter (four `?`: types JSON twice, prefixes JSON twice; NULL lets everything through). */
const FILTERED = `(? IS NULL OR e.type IN (SELECT value FROM json_each(?)))
       AND (? IS NULL OR EXISTS (
             SELECT 1 FROM json_each(?) p WHERE substr(e.stream_id, 1, length(p.value)) = p.value))`;

function globalPageSql({ backwards, visible, filtered }: GlobalPageShape): string {
  const columns = GLOBAL_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');
  return `SELECT ${columns} FROM events e ${visible ? VISIBLE_JOINS : ''}
     WHERE e.global_position > ? AND e.global_position < ?
       ${visible ? `AND ${VISIBLE}` : ''} ${filtered ? `AND ${FILTERED}` : ''}
     ORDER BY e.global_position${backwards ? ' DESC' : ''}`;
}

/** Which bounds a stream-listing page has. */
export type ListBounds = { readonly lowerInclusive: boolean; readonly upper: boolean };

function listKey(bounds: ListBounds): string {
  return `${bounds.lowerInclusive ? '>=' : '>'}${bounds.upper ? '<' : ''}`;
}

/** Prepares every statement once. */
export function prepareStatements(db: SqliteDatabase): Statements {
  const listStreams = new Map<string, PageStatement>();
  for (const lowerInclusive of [true, false]) {
    for (const upper of [true, false]) {
      // A byte range, never LIKE: '%' and '_' in a prefix are literal characters.
      const sql = `SELECT s.stream_id, ${versionOf('s')} FROM streams s WHERE s.stream_id ${lowerInclusive ? '>=' : '>'} ?${
        upper ? ' AND s.stream_id < ?' : ''
      } AND s.deleted = 0 ORDER BY s.stream_id`;
      listStreams.set(listKey({ lowerInclusive, upper }), pageStatement(db, sql));
    }
  }
  const inserts: SqliteStatement[] = [];
  // Prepared on first use: most stores only ever read the global log forwards, unfiltered.
  const globalPages = new Map<string, PageStatement>();
  const insertEvents = (rows: number): SqliteStatement =>
    (inserts[rows] ??= db.prepare(
      `INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata, recorded_at) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    ));
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT chronicle_append'),
    release: db.prepare('RELEASE chronicle_append'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO chronicle_append'),
    streamVersion: db
      .prepare(
        `SELECT s.stream_id IS NOT NULL, ${versionOf('s')}, s.deleted,
           (SELECT high_water FROM event_positions WHERE high_water > coalesce((SELECT max(global_position) FROM events), 0))
         FROM (SELECT ? AS id) q LEFT JOIN streams s ON s.stream_id = q.id`,
      )
      .raw(),
    liveVersion: db.prepare(`SELECT ${versionOf('s')} FROM streams s WHERE s.stream_id = ? AND s.deleted = 0`).pluck(),
    insertEvents,
    insertEventAt: db.prepare(
      'INSERT INTO events (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    eventIdStored: db.prepare('SELECT 1 FROM events WHERE event_id = ?').pluck(),
    eventsById: db
      .prepare(`SELECT ${GLOBAL_COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?))`)
      .raw(),
    insertStream: db.prepare('INSERT INTO streams (stream_id, version) VALUES (?, ?)'),
    updateStream: db.prepare('UPDATE streams SET version = ?, deleted = ? WHERE stream_id = ?'),
    hideBefore: db.prepare(
      'INSERT INTO stream_lifecycle (stream_id, hidden_before) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET hidden_before = excluded.hidden_before',
    ),
    // Every restricted stream (metadata or deletion, tombstones included) has a lifecycle row: one probe of a usually empty table.
    visibility: db
      .prepare(
        `SELECT ${versionOf('s')}, s.deleted, l.hidden_before, l.max_count, l.max_age_ms, l.truncate_before
         FROM stream_lifecycle l LEFT JOIN streams s ON s.stream_id = l.stream_id WHERE l.stream_id = ?`,
      )
      .raw(),
    anyLifecycle: db.prepare('SELECT EXISTS (SELECT 1 FROM stream_lifecycle)').pluck(),
    readForwardsVisible: pageStatement(
      db,
      `SELECT ${STREAM_COLUMNS} FROM events WHERE stream_id = ? AND stream_position >= ? AND recorded_at >= ? ORDER BY stream_position`,
    ),
    readBackwardsVisible: pageStatement(
      db,
      `SELECT ${STREAM_COLUMNS} FROM events WHERE stream_id = ? AND stream_position <= ? AND stream_position >= ? AND recorded_at >= ? ORDER BY stream_position DESC`,
    ),
    readAllVisible: pageStatement(
      db,
      // Hidden: events of tombstoned streams, below a stream's first visible position, older than its maxAge. Deletion markers always show.
      `SELECT ${GLOBAL_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM events e ${VISIBLE_JOINS}
       WHERE e.global_position > ? AND ${VISIBLE}
       ORDER BY e.global_position`,
    ),
    readForwards: pageStatement(db, `SELECT ${STREAM_COLUMNS} FROM events WHERE stream_id = ? AND stream_position >= ? ORDER BY stream_position`),
    readBackwards: pageStatement(
      db,
      `SELECT ${STREAM_COLUMNS} FROM events WHERE stream_id = ? AND stream_position <= ? ORDER BY stream_position DESC`,
    ),
    readAll: pageStatement(db, `SELECT ${GLOBAL_COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position`),
    globalPage: (shape) => {
      const key = `${shape.backwards ? 'b' : 'f'}${shape.visible ? 'v' : ''}${shape.filtered ? 'f' : ''}`;
      let statement = globalPages.get(key);
      if (!statement) globalPages.set(key, (statement = pageStatement(db, globalPageSql(shape))));
      return statement;
    },
    // The high-water mark counts too: purging the newest events never moves the head back.
    headPosition: db
      .prepare('SELECT max(coalesce((SELECT max(global_position) FROM events), 0), coalesce((SELECT high_water FROM event_positions), 0))')
      .pluck(),
    listStreams,
  };
}

/** The listing statement for a page with the given bounds. */
export function listStreamsStatement(statements: Statements, bounds: ListBounds): PageStatement {
  return statements.listStreams.get(listKey(bounds))!;
}
