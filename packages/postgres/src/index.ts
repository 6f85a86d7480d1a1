export { createPostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './options.js';
export type { PgClientLike, PgNotification, PgPoolLike, PgQueryConfig, PgQueryResult } from './pg-types.js';
export { latestSchemaVersion } from './sql/migrations.js';
