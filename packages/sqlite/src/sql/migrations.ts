/**
 * One step of the schema. Steps run in order, each once, inside one write
 * transaction together with the record of the version it reached.
 */
export type Migration = {
  /** 1, 2, 3, ... in list order, never reused or changed once released. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
};

/**
 * The schema, as the list of every migration ever released. Later features
 * (checkpoints, snapshots, idempotency records, outbox, stream metadata) append
 * to it; a released entry is never edited.
 *
 * - `events.global_position` is the rowid, so a global read is a range scan of
 *   the table itself, and commit order equals position order (one writer at a
 *   time). A position is never handed out twice, even after the newest events
 *   are deleted (retention, purges), so a subscriber's checkpoint can never
 *   point past an event that is yet to come (v1–v3: AUTOINCREMENT; v4: the
 *   `event_positions` high-water mark).
 * - `data` and `metadata` are the exact JSON text the caller's values serialized to.
 * - `streams` keeps each stream's version (v1–v3; from v4 a floor under the
 *   events index), so the expected-version check is one lookup however long
 *   the stream is.
 * - Text columns use the default BINARY collation: stream ids sort by UTF-8 bytes.
 * - Version 2 holds the projection host (read-model documents by collection
 *   and id, checkpoints, leases, parked events, the outbox) in the same file,
 *   so a read model commits atomically with the events or the checkpoint.
 * - Version 3: `streams.deleted` (0 live, 1 soft-deleted, 2 tombstone) and
 *   `stream_lifecycle`, a row only for streams with metadata or a deletion, so
 *   global reads join it only when it is not empty.
 * - Version 4 makes an append to an existing stream write only the pages raw
 *   SQLite writes for one row (the table leaf and one leaf per unique index):
 *   - A stream's version is the last entry of the stream in the
 *     (stream_id, stream_position) index, one index seek however long the
 *     stream is; `streams` keeps the stream's existence, its deletion state and
 *     a version floor, and is written only when a stream is created, deleted or
 *     recreated, or when its newest events are deleted (a trigger raises the
 *     floor), so the version never goes back.
 *   - `events` drops AUTOINCREMENT (whose `sqlite_sequence` row was one more
 *     page per append); a position is still never handed out twice: deleting
 *     the newest events records the highest deleted position in
 *     `event_positions` (a trigger, so every delete counts), and appends after
 *     it continue above it. The table is rebuilt once, in this migration.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events and streams',
    sql: `
      CREATE TABLE events (
        global_position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id       TEXT    NOT NULL,
        stream_position INTEGER NOT NULL,
        event_id        TEXT    NOT NULL,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        recorded_at     INTEGER NOT NULL,
        CONSTRAINT events_stream_position UNIQUE (stream_id, stream_position),
        CONSTRAINT events_event_id UNIQUE (event_id)
      );
      CREATE TABLE streams (
        stream_id TEXT    NOT NULL PRIMARY KEY,
        version   INTEGER NOT NULL CHECK (version >= 1)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'projection host: documents, checkpoints, leases, parked events, outbox',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        json       TEXT NOT NULL,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        name       TEXT    NOT NULL PRIMARY KEY,
        position   INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE leases (
        name       TEXT    NOT NULL PRIMARY KEY,
        owner      TEXT    NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE parked_events (
        consumer        TEXT    NOT NULL,
        event_id        TEXT    NOT NULL,
        global_position INTEGER NOT NULL,
        stream_id       TEXT    NOT NULL,
        type            TEXT    NOT NULL,
        error           TEXT    NOT NULL,
        attempts        INTEGER NOT NULL,
        parked_at       INTEGER NOT NULL,
        PRIMARY KEY (consumer, event_id)
      ) WITHOUT ROWID;
      CREATE TABLE outbox (
        position        INTEGER PRIMARY KEY AUTOINCREMENT,
        topic           TEXT    NOT NULL,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL,
        key             TEXT,
        source_event_id TEXT,
        created_at      INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'stream lifecycle: deletion state and stream metadata',
    sql: `
      ALTER TABLE streams ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1, 2));
      CREATE TABLE stream_lifecycle (
        stream_id       TEXT    NOT NULL PRIMARY KEY,
        metadata        TEXT    NOT NULL DEFAULT '{}',
        max_count       INTEGER,
        max_age_ms      INTEGER,
        truncate_before INTEGER,
        hidden_before   INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'versions from the events index, positions without AUTOINCREMENT',
    sql: `
      CREATE TABLE events_v4 (
        global_position INTEGER PRIMARY KEY,
        stream_id       TEXT    NOT NULL,
        stream_position INTEGER NOT NULL,
        event_id        TEXT    NOT NULL,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        recorded_at     INTEGER NOT NULL,
        CONSTRAINT events_stream_position UNIQUE (stream_id, stream_position),
        CONSTRAINT events_event_id UNIQUE (event_id)
      );
      INSERT INTO events_v4 (global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at)
        SELECT global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at FROM events ORDER BY global_position;
      CREATE TABLE event_positions (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        high_water INTEGER NOT NULL
      );
      INSERT INTO event_positions (id, high_water)
        SELECT 1, seq FROM sqlite_sequence WHERE name = 'events' AND seq > coalesce((SELECT max(global_position) FROM events), 0);
      DROP TABLE events;
      DELETE FROM sqlite_sequence WHERE name = 'events';
      ALTER TABLE events_v4 RENAME TO events;
      -- Deleting the newest event of the log: positions continue above it.
      CREATE TRIGGER events_keep_high_water AFTER DELETE ON events
        WHEN OLD.global_position > coalesce((SELECT max(global_position) FROM events), 0)
      BEGIN
        INSERT INTO event_positions (id, high_water) VALUES (1, OLD.global_position)
          ON CONFLICT (id) DO UPDATE SET high_water = max(high_water, excluded.high_water);
      END;
      -- Deleting the newest event of a stream: its version stays.
      CREATE TRIGGER events_keep_stream_version AFTER DELETE ON events
        WHEN OLD.stream_position > coalesce((SELECT max(stream_position) FROM events WHERE stream_id = OLD.stream_id), 0)
      BEGIN
        UPDATE streams SET version = max(version, OLD.stream_position) WHERE stream_id = OLD.stream_id;
      END;
    `,
  },
];

/** The schema version this build writes and understands. */
export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;
