import { statSync } from 'node:fs';
import { StreamDeletedError, normalizeStreamMetadata, type StreamMetadata } from '@chronicle/core';
import type { Query } from './busy-retry.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { WriteTransactions } from './write-transaction.js';

/** Stream metadata, purging and space reclaim: the SQL side of StreamLifecycle and ArchivableStore. */
export type LifecycleSql = {
  setMetadata(streamId: string, metadata: StreamMetadata): Promise<void>;
  getMetadata(streamId: string): Promise<StreamMetadata>;
  purge(globalPositions: readonly number[]): Promise<number>;
  reclaimSpace(): Promise<{ readonly beforeBytes: number; readonly afterBytes: number }>;
};

/** What {@link createLifecycleSql} needs. */
export type LifecycleSqlOptions = {
  readonly path: string;
  readonly db: SqliteDatabase;
  readonly readDb: SqliteDatabase;
  readonly query: Query;
  readonly writeTransaction: WriteTransactions;
  /** Runs work holding the write lock but outside any transaction (VACUUM cannot run in one). */
  readonly exclusively: <T>(work: () => T) => Promise<T>;
};

/** Largest number of positions bound in one DELETE. */
const PURGE_CHUNK = 500;

/** Builds the lifecycle statements over the store's connections. */
export function createLifecycleSql(options: LifecycleSqlOptions): LifecycleSql {
  const { path, db, readDb, query, writeTransaction, exclusively } = options;
  const upsert = db.prepare(
    `INSERT INTO stream_lifecycle (stream_id, metadata, max_count, max_age_ms, truncate_before) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata, max_count = excluded.max_count,
       max_age_ms = excluded.max_age_ms, truncate_before = excluded.truncate_before`,
  );
  // A row with nothing left to restrict is dropped, so that global reads go back to a plain range scan.
  const dropEmpty = db.prepare(
    "DELETE FROM stream_lifecycle WHERE stream_id = ? AND metadata = '{}' AND hidden_before = 0",
  );
  const readMetadata = readDb.prepare('SELECT metadata FROM stream_lifecycle WHERE stream_id = ?').pluck();
  const tombstoned = db.prepare('SELECT 1 FROM streams WHERE stream_id = ? AND deleted = 2').pluck();
  const purgeStatement = db.prepare('DELETE FROM events WHERE global_position IN (SELECT value FROM json_each(?))');

  function fileBytes(): number {
    let total = 0;
    for (const file of [path, `${path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch {
        // No WAL file (yet).
      }
    }
    return total;
  }

  return {
    async setMetadata(streamId, metadata) {
      const normalized = normalizeStreamMetadata(metadata);
      await writeTransaction(() => {
        if (tombstoned.get(streamId) !== undefined) throw new StreamDeletedError(streamId);
        upsert.run(
          streamId,
          JSON.stringify(normalized),
          normalized.maxCount ?? null,
          normalized.maxAge === undefined ? null : normalized.maxAge * 1000,
          normalized.truncateBefore ?? null,
        );
        dropEmpty.run(streamId);
      }, 'setting stream metadata');
    },
    async getMetadata(streamId) {
      const json = (await query(() => readMetadata.get(streamId), 'reading stream metadata')) as string | undefined;
      return json === undefined ? {} : (JSON.parse(json) as StreamMetadata);
    },
    purge(globalPositions) {
      return writeTransaction(() => {
        let removed = 0;
        for (let i = 0; i < globalPositions.length; i += PURGE_CHUNK) {
          removed += purgeStatement.run(JSON.stringify(globalPositions.slice(i, i + PURGE_CHUNK))).changes;
        }
        return removed;
      }, 'purging events');
    },
    reclaimSpace() {
      return exclusively(() => {
        const beforeBytes = fileBytes();
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.exec('VACUUM');
        // VACUUM in WAL mode writes the compacted file through the WAL; the checkpoint moves it back and truncates both.
        db.pragma('wal_checkpoint(TRUNCATE)');
        return { beforeBytes, afterBytes: fileBytes() };
      });
    },
  };
}
