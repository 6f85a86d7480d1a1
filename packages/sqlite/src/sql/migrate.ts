import type { SqliteDatabase } from '../sqlite-database.js';
import { UnsupportedSchemaVersionError } from '../unsupported-schema-version-error.js';
import type { Migration } from './migrations.js';

const CREATE_VERSION_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`;

/** The highest migration recorded in the file, 0 for a file Chronicle never touched. */
export function schemaVersion(db: SqliteDatabase): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
  if (hasTable === undefined) return 0;
  return (db.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() as number | null) ?? 0;
}

/**
 * Brings the file up to the last migration of `list`: missing steps run in
 * order in one `BEGIN IMMEDIATE` transaction, so a failing step changes
 * nothing and processes opening the file at the same time migrate it once.
 * Returns the schema version reached.
 *
 * @throws UnsupportedSchemaVersionError when the file is newer than `list`.
 */
export function migrate(db: SqliteDatabase, list: readonly Migration[], path: string): number {
  const latest = list.length === 0 ? 0 : list[list.length - 1]!.version;
  const seen = schemaVersion(db);
  if (seen > latest) throw new UnsupportedSchemaVersionError(path, seen, latest);
  if (seen === latest) return seen;

  db.prepare('BEGIN IMMEDIATE').run();
  try {
    db.exec(CREATE_VERSION_TABLE);
    // Another process may have migrated between the first look and the lock.
    const current = schemaVersion(db);
    if (current > latest) throw new UnsupportedSchemaVersionError(path, current, latest);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of list) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
    db.prepare('COMMIT').run();
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
  return latest;
}
