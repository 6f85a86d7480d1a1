import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AppendResult, ArchivableStore, EventStore, ProjectionHost, StreamLifecycle } from '@chronicle/core';
import * as sqlite from './index.js';
import type { AppendHook, SqliteDatabase, SqliteEventStore, SqliteStoreOptions } from './index.js';

describe('public API', () => {
  it('exports the store factory, its error, the schema version and the file check', () => {
    expect(Object.keys(sqlite).sort()).toEqual(['LATEST_SCHEMA_VERSION', 'UnsupportedSchemaVersionError', 'checkIntegrity', 'createSqliteStore']);
  });

  it('pins the public types', () => {
    expectTypeOf(sqlite.createSqliteStore).parameter(0).toEqualTypeOf<SqliteStoreOptions>();
    expectTypeOf(sqlite.createSqliteStore).returns.toEqualTypeOf<SqliteEventStore>();
    expectTypeOf<SqliteEventStore>().toMatchTypeOf<EventStore & StreamLifecycle & ArchivableStore>();
    expectTypeOf<SqliteEventStore['projections']>().toMatchTypeOf<ProjectionHost<SqliteDatabase>>();
    expectTypeOf<SqliteStoreOptions['synchronous']>().toEqualTypeOf<'FULL' | 'NORMAL' | undefined>();
    expectTypeOf<AppendHook>().toEqualTypeOf<(db: SqliteDatabase, results: readonly AppendResult[]) => void>();
  });

  it('describes better-sqlite3 structurally: its Database fits SqliteDatabase', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db: SqliteDatabase = new Database(':memory:');
    expect(db.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
    db.close();
  });
});
