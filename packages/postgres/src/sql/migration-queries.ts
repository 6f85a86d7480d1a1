import { MIGRATION_LOCK_CLASS, type SchemaNames } from './schema-names.js';

/** The statements of the migration runner, for one schema. */
export function migrationQueries({ q, lockKey }: SchemaNames) {
  return {
    /** Serializes concurrent migrators of this schema until their transaction ends. */
    lock: { text: 'select pg_advisory_xact_lock($1, $2)', values: [MIGRATION_LOCK_CLASS, lockKey] },
    createSchema: { text: `create schema if not exists ${q}` },
    createLedger: {
      text: `create table if not exists ${q}.schema_migrations (
        version int primary key, name text not null, applied_at timestamptz not null default now())`,
    },
    ledgerExists: { text: 'select to_regclass($1) is not null', values: [`${q}.schema_migrations`], rowMode: 'array' as const },
    currentVersion: { text: `select coalesce(max(version), 0) from ${q}.schema_migrations`, rowMode: 'array' as const },
    record: (version: number, name: string) => ({ text: `insert into ${q}.schema_migrations (version, name) values ($1, $2)`, values: [version, name] }),
  };
}
