import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { createSqliteStore, openSqliteStore } from './sqlite-store.js';
import { LATEST_SCHEMA_VERSION, migrations, type Migration } from './sql/migrations.js';
import { tempDir } from './test-support/temp-dir.js';
import { UnsupportedSchemaVersionError } from './unsupported-schema-version-error.js';

const files = tempDir('chronicle-migrations');

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
afterAll(files.remove);

const nextVersion: Migration = {
  version: LATEST_SCHEMA_VERSION + 1,
  name: 'a later release adds a table',
  sql: 'CREATE TABLE later_feature (id INTEGER PRIMARY KEY, note TEXT NOT NULL)',
};

function inspect<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const recorded = (db: Database.Database): unknown[] => db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').raw().all();
const tables = (db: Database.Database): unknown[] => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();

describe('schema and migrations', () => {
  it('numbers the migrations 1..n, each with a name', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    for (const migration of migrations) expect(migration.name.length).toBeGreaterThan(0);
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
  });

  it('creates a new file (and its directory) in WAL mode at the latest schema version', async () => {
    const path = join(files.dir, 'nested', 'dir', 'new.db');
    await createSqliteStore({ path }).close();
    inspect(path, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(recorded(db)).toEqual(migrations.map((m) => [m.version, m.name]));
      expect(tables(db)).toEqual(expect.arrayContaining(['events', 'streams', 'schema_migrations']));
    });
  });

  it('configures the connection: synchronous FULL by default or NORMAL on request, foreign keys on', () => {
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const db = openDatabase({ path: files.file(), synchronous, busyTimeoutMs: 1_000 });
      try {
        expect(db.pragma('synchronous', { simple: true })).toBe(synchronous === 'FULL' ? 2 : 1);
        expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
        expect(db.pragma('busy_timeout', { simple: true })).toBeLessThanOrEqual(20);
      } finally {
        db.close();
      }
    }
  });

  it('migrates an older file when it is opened, keeping its events', async () => {
    const path = files.file();
    const old = createSqliteStore({ path });
    await old.append('kept', [{ type: 'Kept', data: { n: 1 } }], 'no_stream');
    await old.close();

    const upgraded = openSqliteStore({ path }, [...migrations, nextVersion]);
    try {
      expect((await upgraded.append('kept', [{ type: 'Kept', data: { n: 2 } }], 1)).nextExpectedVersion).toBe(2);
    } finally {
      await upgraded.close();
    }
    const appliedAt = inspect(path, (db) => {
      expect(recorded(db)).toEqual([...migrations, nextVersion].map((m) => [m.version, m.name]));
      expect(tables(db)).toContain('later_feature');
      return db.prepare('SELECT applied_at FROM schema_migrations WHERE version = ?').pluck().get(nextVersion.version);
    });
    // Opening it again changes nothing.
    await openSqliteStore({ path }, [...migrations, nextVersion]).close();
    inspect(path, (db) => expect(db.prepare('SELECT applied_at FROM schema_migrations WHERE version = ?').pluck().get(nextVersion.version)).toBe(appliedAt));
  });

  it('version 4 rebuilds a version 3 file: same events and stream versions, no AUTOINCREMENT, positions continue above purged ones', async () => {
    const path = files.file();
    // A file as version 3 of the package left it: AUTOINCREMENT positions and versions kept in the streams table.
    const v3 = openDatabase({ path, synchronous: 'FULL', busyTimeoutMs: 1_000, migrations: migrations.slice(0, 3) });
    const insert = v3.prepare(
      "INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, 'Counted', ?, '{}', 1700000000000)",
    );
    for (let n = 1; n <= 4; n++) insert.run('old-a', n, `00000000-0000-4000-8000-00000000000${n}`, JSON.stringify({ n }));
    insert.run('old-b', 1, '00000000-0000-4000-8000-000000000005', '{"n":5}');
    v3.exec("INSERT INTO streams (stream_id, version) VALUES ('old-a', 4), ('old-b', 1)");
    // Version 3's purge of the two newest events: AUTOINCREMENT remembers position 5.
    v3.exec('DELETE FROM events WHERE global_position >= 4');
    expect(v3.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get()).toBe(5);
    v3.close();

    const store = createSqliteStore({ path });
    try {
      expect((await all(store.readAll())).map((e) => [e.globalPosition, e.streamId, e.streamPosition, e.data])).toEqual([
        [1, 'old-a', 1, { n: 1 }],
        [2, 'old-a', 2, { n: 2 }],
        [3, 'old-a', 3, { n: 3 }],
      ]);
      expect(await store.getStreamInfo('old-a')).toEqual({ streamId: 'old-a', version: 4 });
      expect(await store.getStreamInfo('old-b')).toEqual({ streamId: 'old-b', version: 1 });
      expect(await store.headPosition()).toBe(5);
      const next = await store.append('old-a', [{ type: 'Counted', data: { n: 6 } }], 4);
      expect(next.events.map((e) => [e.globalPosition, e.streamPosition])).toEqual([[6, 5]]);
      expect((await store.append('old-b', [{ type: 'Counted', data: { n: 7 } }], 1)).events[0]).toMatchObject({ globalPosition: 7, streamPosition: 2 });
    } finally {
      await store.close();
    }
    inspect(path, (db) => {
      expect(recorded(db)).toEqual(migrations.map((m) => [m.version, m.name]));
      expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'events'").pluck().get()).not.toMatch(/AUTOINCREMENT/i);
      expect(db.prepare("SELECT count(*) FROM sqlite_sequence WHERE name = 'events'").pluck().get()).toBe(0);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    });
  });

  it('refuses a file written by a newer version with a typed error, and leaves it untouched', async () => {
    const path = files.file();
    const newer = openSqliteStore({ path }, [...migrations, nextVersion]);
    await newer.append('from-the-future', [{ type: 'Written', data: {} }], 'no_stream');
    await newer.close();

    let error: unknown;
    try {
      createSqliteStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED', path, fileVersion: nextVersion.version, supportedVersion: LATEST_SCHEMA_VERSION });
    expect((error as Error).message).toContain('upgrade @chronicle/sqlite');
    inspect(path, (db) => {
      expect(recorded(db)).toHaveLength(nextVersion.version);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    });
  });

  it('a failing migration changes nothing: no half-applied step, the version stays', async () => {
    const path = files.file();
    await createSqliteStore({ path }).close();
    const broken: Migration = { version: nextVersion.version, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); CREATE TABLE oops (' };
    expect(() => openSqliteStore({ path }, [...migrations, broken])).toThrow(/incomplete input|syntax error/);
    inspect(path, (db) => {
      expect(recorded(db)).toHaveLength(LATEST_SCHEMA_VERSION);
      expect(tables(db)).not.toContain('half_done');
    });
    // The file still opens with the released schema.
    await createSqliteStore({ path }).close();
  });

  it("adds its tables to a database the application already uses, leaving the application's tables alone", async () => {
    const path = files.file();
    const app = new Database(path);
    app.exec("CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT); INSERT INTO app_settings VALUES ('theme', 'dark')");
    app.close();
    const store = createSqliteStore({ path });
    await store.append('s', [{ type: 'Started', data: {} }], 'no_stream');
    await store.close();
    inspect(path, (db) => expect(db.prepare('SELECT value FROM app_settings').pluck().get()).toBe('dark'));
  });

  it('fails clearly on a file that is not a database', () => {
    const path = files.file();
    writeFileSync(path, 'this is not a database, just text that is long enough to have a header'.repeat(20));
    expect(() => createSqliteStore({ path })).toThrow(/not a database/);
  });
});
