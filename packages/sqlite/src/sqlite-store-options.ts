import { DEFAULT_MAX_EVENT_BYTES, ValidationError, type AppendResult, type Projection } from '@chronicle/core';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Called inside an append's own savepoint, after its events are inserted and
 * before the savepoint is released, with the store's connection and the
 * append's results (one per stream). It must be synchronous. If it throws,
 * that append alone is rolled back and its caller receives the error; the
 * other appends of the same group commit.
 *
 * @experimental A low-level hook; its shape may change. Prefer `projections` (inline projections), which may be async and use the store's documents.
 */
export type AppendHook = (db: SqliteDatabase, results: readonly AppendResult[]) => void;

/** Options of {@link createSqliteStore}. */
export type SqliteStoreOptions = {
  /**
   * The database file, created (with its directory) when missing. Use one
   * file per application; several processes may open it at once. `':memory:'`
   * gives a private database that lives as long as the store (tests, demos).
   */
  readonly path: string;
  /**
   * `'FULL'` (default): every acknowledged append is on disk; it survives a
   * power cut or an OS crash. `'NORMAL'`: appends survive the process being
   * killed, but the last ones acknowledged before a power cut or OS crash
   * may be lost (never corrupted); appends cost no fsync, so single appends
   * are several times faster.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * How long an operation waits for another process's write lock before it
   * fails with `STORE_UNAVAILABLE` (default 10 s). The wait does not block the event loop.
   */
  readonly busyTimeoutMs?: number;
  /** Largest accepted event in bytes of type + data + metadata JSON (default 1 MiB). */
  readonly maxEventBytes?: number;
  /** Source of `recordedAt`; inject a fake clock in tests. */
  readonly clock?: () => Date;
  /**
   * How often a waiting subscription looks for events appended by other
   * processes (default 200 ms). Appends made through this store wake it at once.
   */
  readonly pollIntervalMs?: number;
  /**
   * `'quick'` (default): run `PRAGMA quick_check` when the file is opened and
   * refuse to open a damaged one (`STORE_CORRUPT`). It reads every page once:
   * on a file of a million events it adds well under a second (see the
   * package README for the measured cost). `'off'` skips it, for huge files
   * whose start time matters more; damage is then found when a read meets it.
   */
  readonly integrityCheck?: 'quick' | 'off';
  /** Hooks run inside each append's transaction; see {@link AppendHook}. @experimental */
  readonly onAppend?: readonly AppendHook[];
  /**
   * Inline projections: run inside each append's transaction, in order, after
   * the built-in ones (request-id idempotency). `tx.native` is the store's
   * better-sqlite3 connection. If one throws, that append stores nothing
   * (events, documents, outbox) and its caller gets the error; other appends
   * committed in the same group are unaffected.
   */
  readonly projections?: readonly Projection<SqliteDatabase>[];
};

/** Options with every default filled in. */
export type ResolvedSqliteStoreOptions = {
  readonly path: string;
  readonly integrityCheck: 'quick' | 'off';
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
  readonly maxEventBytes: number;
  readonly clock: () => Date;
  readonly pollIntervalMs: number;
  readonly onAppend: readonly AppendHook[];
  readonly projections: readonly Projection<SqliteDatabase>[];
};

function positiveInteger(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw ValidationError.of(name, `must be an integer >= ${min}`);
  }
  return value;
}

/** Validates the options and fills in defaults; throws `VALIDATION_FAILED`. */
export function resolveOptions(options: SqliteStoreOptions): ResolvedSqliteStoreOptions {
  if (typeof options?.path !== 'string' || options.path.length === 0) throw ValidationError.of('path', 'must be a file path or ":memory:"');
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw ValidationError.of('synchronous', "must be 'FULL' or 'NORMAL'");
  const integrityCheck = options.integrityCheck ?? 'quick';
  if (integrityCheck !== 'quick' && integrityCheck !== 'off') throw ValidationError.of('integrityCheck', "must be 'quick' or 'off'");
  if (options.onAppend !== undefined && (!Array.isArray(options.onAppend) || options.onAppend.some((h) => typeof h !== 'function'))) {
    throw ValidationError.of('onAppend', 'must be an array of functions');
  }
  if (
    options.projections !== undefined &&
    (!Array.isArray(options.projections) || options.projections.some((p) => typeof p?.name !== 'string' || typeof p.handle !== 'function'))
  ) {
    throw ValidationError.of('projections', 'must be an array of projections ({ name, handle })');
  }
  return {
    path: options.path,
    integrityCheck,
    synchronous,
    busyTimeoutMs: positiveInteger(options.busyTimeoutMs, 'busyTimeoutMs', 10_000, 0),
    maxEventBytes: positiveInteger(options.maxEventBytes, 'maxEventBytes', DEFAULT_MAX_EVENT_BYTES),
    clock: options.clock ?? (() => new Date()),
    pollIntervalMs: positiveInteger(options.pollIntervalMs, 'pollIntervalMs', 200),
    onAppend: options.onAppend ?? [],
    projections: options.projections ?? [],
  };
}
