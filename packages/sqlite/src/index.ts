export { createSqliteStore, type SqliteEventStore } from './sqlite-store.js';
export type { SqliteProjectionHost } from './projections/sqlite-projection-host.js';
export type { AppendHook, SqliteStoreOptions } from './sqlite-store-options.js';
export type { SqliteDatabase, SqliteRunResult, SqliteStatement } from './sqlite-database.js';
export { UnsupportedSchemaVersionError } from './unsupported-schema-version-error.js';
export { LATEST_SCHEMA_VERSION } from './sql/migrations.js';
export { checkIntegrity } from './check-integrity.js';
