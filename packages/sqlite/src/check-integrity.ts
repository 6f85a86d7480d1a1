import Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Checks a SQLite store file page by page, without opening it as a store (so
 * it works on a file the store refuses to open): `'full'` runs
 * `PRAGMA integrity_check` (pages, and every index against its table),
 * `'quick'` runs `PRAGMA quick_check` (pages only, faster). Returns the
 * problems SQLite reports, at most `limit`; none means the file is sound.
 * A file that is not a database at all is one problem.
 */
export function checkIntegrity(path: string, options: { readonly mode?: 'full' | 'quick'; readonly limit?: number } = {}): string[] {
  const pragma = options.mode === 'quick' ? 'quick_check' : 'integrity_check';
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.pragma(`${pragma}(${options.limit ?? 100})`) as Record<string, string>[];
    return rows.map((row) => row[pragma]!).filter((line) => line !== 'ok');
  } catch (error) {
    return [`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`];
  } finally {
    db?.close();
  }
}
