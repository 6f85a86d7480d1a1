export { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
export type { PostgresProjectionHost } from './projection-host.js';
export type { PostgresStoreOptions } from './options.js';
export type { PgClientLike, PgNotification, PgPoolLike, PgQueryConfig, PgQueryResult } from './pg-types.js';
export { latestSchemaVersion } from './sql/migrations.js';
