import { NotSupportedError } from '@chronicle/core';
import { toStoreError } from './errors.js';
import type { PgClientLike, PgPoolLike } from './pg-types.js';
import { withClient } from './pool.js';
import { latestSchemaVersion, migrations, type Migration } from './sql/migrations.js';
import { MIGRATION_LOCK_CLASS, type SchemaNames } from './sql/schema-names.js';
import { toNumber } from './rows.js';

async function currentVersion(client: PgClientLike, names: SchemaNames): Promise<number> {
  const exists = await client.query({ text: 'select to_regclass($1) is not null', values: [`${names.q}.schema_migrations`], rowMode: 'array' });
  if (!(exists.rows[0] as unknown[])[0]) return 0;
  const result = await client.query({ text: `select coalesce(max(version), 0) from ${names.q}.schema_migrations`, rowMode: 'array' });
  return toNumber((result.rows[0] as unknown[])[0]);
}

function tooNew(names: SchemaNames, version: number): NotSupportedError {
  return new NotSupportedError(
    `opening schema "${names.schema}" at version ${version}`,
    'postgres',
    `it was migrated by a newer @chronicle/postgres; this one knows versions up to ${latestSchemaVersion}. Upgrade the package.`,
  );
}

async function apply(client: PgClientLike, names: SchemaNames, migration: Migration): Promise<void> {
  await client.query({ text: migration.sql(names) });
  await client.query({
    text: `insert into ${names.q}.schema_migrations (version, name) values ($1, $2)`,
    values: [migration.version, migration.name],
  });
}

/**
 * Brings `schema` to the latest version: creates it if needed and applies
 * pending migrations, all in one transaction under an advisory lock, so
 * processes starting at the same time are safe. With `apply: false` it only
 * checks that the schema is current (for deployments that migrate separately).
 *
 * @throws NotSupportedError when the schema is newer than this package, or
 *   (with `apply: false`) older.
 * @returns the schema version.
 */
export async function migrateSchema(pool: PgPoolLike, names: SchemaNames, options: { apply: boolean }): Promise<number> {
  try {
    return await withClient(pool, async (client, discard) => {
      if (!options.apply) {
        const version = await currentVersion(client, names);
        if (version > latestSchemaVersion) throw tooNew(names, version);
        if (version < latestSchemaVersion) {
          throw new NotSupportedError(`opening schema "${names.schema}" at version ${version}`, 'postgres', `migrations are disabled; run them to reach version ${latestSchemaVersion}`);
        }
        return version;
      }
      await client.query({ text: 'begin' });
      try {
        await client.query({ text: 'select pg_advisory_xact_lock($1, $2)', values: [MIGRATION_LOCK_CLASS, names.lockKey] });
        await client.query({ text: `create schema if not exists ${names.q}` });
        await client.query({
          text: `create table if not exists ${names.q}.schema_migrations (
            version int primary key, name text not null, applied_at timestamptz not null default now())`,
        });
        const version = await currentVersion(client, names);
        if (version > latestSchemaVersion) throw tooNew(names, version);
        for (const migration of migrations) if (migration.version > version) await apply(client, names, migration);
        await client.query({ text: 'commit' });
        return latestSchemaVersion;
      } catch (error) {
        await client.query({ text: 'rollback' }).catch(discard);
        throw error;
      }
    });
  } catch (error) {
    throw toStoreError(error, false);
  }
}
