import {
  ValidationError,
  type Checkpoint,
  type Leases,
  type ParkedEvent,
  type ParkedEvents,
  type ProjectionHost,
  type ProjectionTx,
  type StoredOutboxMessage,
} from '@chronicle/core';
import type { Query } from '../busy-retry.js';
import type { SqliteDatabase } from '../sqlite-database.js';
import type { WriteTransactions } from '../write-transaction.js';
import { assertInTransaction, direct, sqliteDocuments } from './sqlite-documents.js';

/** What the host needs from the store. */
export type SqliteProjectionHostOptions = {
  /** The write connection; every write runs on it inside a write transaction. */
  readonly db: SqliteDatabase;
  /** The read connection: reads outside a transaction see committed data only. */
  readonly readDb: SqliteDatabase;
  readonly query: Query;
  readonly writeTransaction: WriteTransactions;
  readonly clock: () => Date;
};

/** The SQLite store's projection host: `tx.native` is the better-sqlite3 connection of the transaction. */
export type SqliteProjectionHost = ProjectionHost<SqliteDatabase>;

/** The host, and the transaction view inline projections run with (internal: valid only inside the store's write transaction). */
export type SqliteProjectionHostParts = {
  readonly host: SqliteProjectionHost;
  readonly tx: ProjectionTx<SqliteDatabase>;
};

type OutboxRow = [position: number, topic: string, type: string, data: string, key: string | null, sourceEventId: string | null, createdAt: number];
type ParkedRow = [consumer: string, eventId: string, globalPosition: number, streamId: string, type: string, error: string, attempts: number, parkedAt: number];

function outboxMessage([position, topic, type, data, key, sourceEventId, createdAt]: OutboxRow): StoredOutboxMessage {
  return {
    topic,
    type,
    data: JSON.parse(data) as unknown,
    ...(key === null ? {} : { key }),
    ...(sourceEventId === null ? {} : { sourceEventId }),
    position,
    createdAt: new Date(createdAt),
  };
}

function parkedEvent([consumer, eventId, globalPosition, streamId, type, error, attempts, parkedAt]: ParkedRow): ParkedEvent {
  return { consumer, eventId, globalPosition, streamId, type, error, attempts, parkedAt: new Date(parkedAt) };
}

/**
 * Projections, reactors and the outbox in the store's own SQLite file:
 * documents, checkpoints, leases, parked events and outbox messages are
 * tables beside the events. Transactions take the store's write lock (the
 * same one group commit uses) and span the work's awaits; reads outside a
 * transaction go to a separate connection and see committed data only.
 * Leases, parking and checkpoint deletion are short write transactions.
 */
export function createSqliteProjectionHost(options: SqliteProjectionHostOptions): SqliteProjectionHostParts {
  const { db, readDb, query, writeTransaction, clock } = options;
  const w = {
    checkpoint: db.prepare('SELECT position FROM checkpoints WHERE name = ?').pluck(),
    insertCheckpoint: db.prepare('INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    moveCheckpoint: db.prepare('UPDATE checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position = ?'),
    deleteCheckpoint: db.prepare('DELETE FROM checkpoints WHERE name = ?'),
    outbox: db.prepare('INSERT INTO outbox (topic, type, data, key, source_event_id, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    acquire: db.prepare(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
    ),
    release: db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?'),
    park: db.prepare(
      `INSERT INTO parked_events (consumer, event_id, global_position, stream_id, type, error, attempts, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (consumer, event_id) DO UPDATE SET error = excluded.error, attempts = excluded.attempts, parked_at = excluded.parked_at`,
    ),
    unpark: db.prepare('DELETE FROM parked_events WHERE consumer = ? AND event_id = ?'),
  };
  const r = {
    checkpoints: readDb.prepare('SELECT name, position, updated_at FROM checkpoints ORDER BY name').raw(),
    outbox: readDb.prepare('SELECT position, topic, type, data, key, source_event_id, created_at FROM outbox WHERE position > ? ORDER BY position LIMIT ?').raw(),
    parkedAll: readDb.prepare('SELECT consumer, event_id, global_position, stream_id, type, error, attempts, parked_at FROM parked_events ORDER BY global_position').raw(),
    parkedOf: readDb
      .prepare('SELECT consumer, event_id, global_position, stream_id, type, error, attempts, parked_at FROM parked_events WHERE consumer = ? ORDER BY global_position')
      .raw(),
  };

  const tx: ProjectionTx<SqliteDatabase> = {
    documents: sqliteDocuments(db, direct, true),
    native: db,
    checkpoints: {
      async get(name) {
        return w.checkpoint.get(name) as number | undefined;
      },
      async advance(name, from, to) {
        assertInTransaction(db);
        if (!Number.isSafeInteger(to) || to < 0) throw ValidationError.of('to', 'must be an integer >= 0');
        const now = clock().getTime();
        const changed = from === undefined ? w.insertCheckpoint.run(name, to, now) : w.moveCheckpoint.run(to, now, name, from);
        return changed.changes === 1;
      },
    },
    outbox: {
      async add(messages) {
        assertInTransaction(db);
        const now = clock().getTime();
        for (const message of messages) {
          const data = JSON.stringify(message.data);
          if (data === undefined) throw ValidationError.of(`outbox/${message.type}`, 'data is not JSON-serializable');
          w.outbox.run(message.topic, message.type, data, message.key ?? null, message.sourceEventId ?? null, now);
        }
      },
    },
  };

  const leases: Leases = {
    acquire(name, owner, ttlMs) {
      return writeTransaction(() => {
        const now = clock().getTime();
        return w.acquire.run(name, owner, now + ttlMs, now).changes === 1;
      }, 'acquiring a lease');
    },
    async release(name, owner) {
      await writeTransaction(() => w.release.run(name, owner), 'releasing a lease');
    },
  };

  const parked: ParkedEvents = {
    async park(consumer, event, error, attempts) {
      await writeTransaction(
        () => w.park.run(consumer, event.eventId, event.globalPosition, event.streamId, event.type, error, attempts, clock().getTime()),
        'parking an event',
      );
    },
    async list(consumer) {
      const rows = await query(() => (consumer === undefined ? r.parkedAll.all() : r.parkedOf.all(consumer)) as ParkedRow[], 'listing parked events');
      return rows.map(parkedEvent);
    },
    remove(consumer, eventId) {
      return writeTransaction(() => w.unpark.run(consumer, eventId).changes === 1, 'removing a parked event');
    },
  };

  const host: SqliteProjectionHost = {
    transaction: (work) => writeTransaction(() => work(tx), 'projection transaction'),
    documents: sqliteDocuments(readDb, query, false),
    leases,
    parked,
    async listCheckpoints(): Promise<Checkpoint[]> {
      const rows = await query(() => r.checkpoints.all() as [string, number, number][], 'listing checkpoints');
      return rows.map(([name, position, updatedAt]) => ({ name, position, updatedAt: new Date(updatedAt) }));
    },
    async deleteCheckpoint(name) {
      await writeTransaction(() => w.deleteCheckpoint.run(name), 'deleting a checkpoint');
    },
    async readOutbox(after, limit) {
      const rows = await query(() => r.outbox.all(after, limit) as OutboxRow[], 'reading the outbox');
      return rows.map(outboxMessage);
    },
  };
  return { host, tx };
}
