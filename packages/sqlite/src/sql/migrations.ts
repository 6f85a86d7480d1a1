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
 *   time). AUTOINCREMENT: a position is never handed out twice, even after the
 *   newest events are deleted (retention, purges), so a subscriber's checkpoint
 *   can never point past an event that is yet to come. It costs ~2 µs of CPU
 *   per append (one more row to update), under 1% of a durable append.
 * - `data` and `metadata` are the exact JSON text the caller's values serialized to.
 * - `streams` keeps each stream's version, so the expected-version check is one
 *   primary-key lookup however long the stream is.
 * - Text columns use the default BINARY collation: stream ids sort by UTF-8 bytes.
 * - Version 2 holds the projection host (read-model documents by collection
 *   and id, checkpoints, leases, parked events, the outbox) in the same file,
 *   so a read model commits atomically with the events or the checkpoint.
 * - Version 3: `streams.deleted` (0 live, 1 soft-deleted, 2 tombstone) and
 *   `stream_lifecycle`, a row only for streams with metadata or a deletion, so
 *   global reads join it only when it is not empty.
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
];

/** The schema version this build writes and understands. */
export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;
