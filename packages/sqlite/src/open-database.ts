import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreCorruptError } from '@chronicle/core';
import { LOCK_WAIT_SLICE_MS } from './busy-retry.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { migrate } from './sql/migrate.js';
import { migrations as releasedMigrations, type Migration } from './sql/migrations.js';

/** How to open and configure the connection. */
export type OpenOptions = {
  readonly path: string;
  /** `OFF` only for the private scratch file behind `:memory:`. */
  readonly synchronous: 'FULL' | 'NORMAL' | 'OFF';
  readonly busyTimeoutMs: number;
  /** Schema steps; tests substitute their own list. */
  readonly migrations?: readonly Migration[];
  /** Run `PRAGMA quick_check` before anything else touches the file. */
  readonly quickCheck?: boolean;
};

/**
 * Opens the store's read connection, after {@link openDatabase} opened (and
 * migrated) the file. It only reads (`query_only`), so it never takes the
 * write lock; in WAL mode it sees the last committed state while the write
 * connection has a transaction open.
 */
export function openReadConnection(options: OpenOptions): SqliteDatabase {
  const db: SqliteDatabase = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${Math.min(LOCK_WAIT_SLICE_MS, options.busyTimeoutMs)}`);
    db.pragma('query_only = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** True for a private in-memory database. */
export function isMemoryPath(path: string): boolean {
  return path === ':memory:';
}

/**
 * Where a `:memory:` store really lives. SQLite cannot give two connections
 * one private in-memory database (better-sqlite3 builds it without URI
 * filenames and shared cache), and the store needs two (a reader that never
 * sees the open write transaction), so `:memory:` is a scratch file in the
 * OS temp directory with `synchronous=OFF` (no fsync: nothing is meant to
 * survive), deleted when the store closes.
 */
export function scratchFile(): { readonly path: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-memory-'));
  return { path: join(dir, 'store.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `PRAGMA quick_check`: every page of the file is read and its structure
 * checked (not the index contents, which `integrity_check` also compares).
 * Throws `STORE_CORRUPT` naming the first problems found.
 */
export function assertUndamaged(path: string, busyTimeoutMs: number): void {
  // A connection of its own, closed at once: the check's memory (17 MB on a 1M-event file) stays with the
  // connection that ran it until that closes, and the store's connections live as long as the store.
  const db: SqliteDatabase = new Database(path);
  let rows: { quick_check: string }[];
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    rows = db.pragma('quick_check(6)') as { quick_check: string }[];
  } finally {
    db.close();
  }
  const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
  if (problems.length === 0) return;
  const shown = problems.slice(0, 5).join('; ');
  throw new StoreCorruptError(`sqlite: ${path} is damaged: ${shown}${problems.length > 5 ? '; …' : ''}`);
}

const SYNCHRONOUS_LEVEL = { OFF: 0, NORMAL: 1, FULL: 2 } as const;

/**
 * Opens the store's one connection and configures it once: busy timeout first
 * (so every later step waits for other processes instead of failing), WAL
 * journal (verified, it is what lets readers run beside the writer), the
 * durability level, then the schema migrations. While opening, SQLite may
 * block for up to `busyTimeoutMs`; afterwards it waits only briefly and the
 * store retries without blocking the event loop.
 */
export function openDatabase(options: OpenOptions): SqliteDatabase {
  const memory = isMemoryPath(options.path);
  if (!memory) mkdirSync(dirname(options.path), { recursive: true });
  if (options.quickCheck && !memory) assertUndamaged(options.path, options.busyTimeoutMs);
  const db: SqliteDatabase = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    if (!memory) {
      // journal_mode is stored in the file: switch only when needed, since switching takes an exclusive lock.
      const mode = db.pragma('journal_mode', { simple: true });
      const now = mode === 'wal' ? mode : db.pragma('journal_mode = WAL', { simple: true });
      if (now !== 'wal') throw new Error(`sqlite: could not switch ${options.path} to WAL mode (journal_mode is ${String(now)})`);
    }
    db.pragma(`synchronous = ${options.synchronous}`);
    const level = db.pragma('synchronous', { simple: true });
    if (level !== SYNCHRONOUS_LEVEL[options.synchronous]) throw new Error(`sqlite: synchronous=${options.synchronous} did not take effect`);
    db.pragma('foreign_keys = ON');
    // Deleted content (a forgotten subject's key, a dropped read model) is overwritten, not left in free pages.
    db.pragma('secure_delete = ON');
    // Savepoint journals stay in memory instead of temporary files.
    db.pragma('temp_store = MEMORY');
    // After a checkpoint, truncate a WAL that grew during a burst back to 64 MiB.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    migrate(db, options.migrations ?? releasedMigrations, options.path);
    db.pragma(`busy_timeout = ${Math.min(LOCK_WAIT_SLICE_MS, options.busyTimeoutMs)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
