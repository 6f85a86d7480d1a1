import { StoreCorruptError, StoreUnavailableError } from '@chronicle/core';

/** The driver's extended result code (`SQLITE_BUSY_SNAPSHOT`, ...), if `error` carries one. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Another connection holds the lock: waiting and trying again can succeed. */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL|NOMEM|INTERRUPT)/;

/** SQLite found a damaged page, or a file that is not a database at all. */
export function isCorruption(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** A failure of the database itself (I/O, disk full, locks, a damaged file), not of the request. */
export function isInfrastructureError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (UNAVAILABLE.test(code) || isCorruption(error));
}

/** A UNIQUE violation on `events.event_id`. */
export function isDuplicateEventId(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' && /\bevents\.event_id\b/.test((error as Error).message);
}

/**
 * Maps a damaged file to `StoreCorruptError` (not retryable: the same page
 * fails again) and other infrastructure failures to `StoreUnavailableError`;
 * anything else (a bug) is returned unchanged so that it is not mistaken for
 * something worth retrying.
 */
export function toStoreError(error: unknown, action: string, outcomeUnknown: boolean): unknown {
  if (isCorruption(error)) {
    return new StoreCorruptError(`sqlite: ${action} failed: the database file is damaged (${(error as Error).message}); run \`chronicle verify\``, { cause: error });
  }
  if (!isInfrastructureError(error)) return error;
  return new StoreUnavailableError(`sqlite: ${action} failed: ${(error as Error).message}`, outcomeUnknown, { cause: error });
}
